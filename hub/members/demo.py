"""Demo members: a roll for 东莞 (虎门's grassroots unions and two more, about half of it
verified, as Dongguan's 52%) and rolls for 梅州's counties scaled down from the figures Meizhou
reported (197,600 imported, 153,300 verified: 77.58%, here 1,976 and 1,533), with 30 days of
history. Every ID number is generated with a valid check digit; none belongs to anyone.

`DEMO_MEMBER` stays unverified on 虎门服装行业联合工会's roll, and `DEMO_MEMBER_MEIZHOU` on
梅江区人民医院工会委员会's (the last of its 310 rows), for trying verification and the
campaigns of each city from the mini-program. Loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.accounts.services import create_account
from hub.db import utcnow
from hub.members import identity, rolls, stats, verification
from hub.members.models import Member, MemberState
from hub.ratelimits import RateLimits

# (name, ID number, mobile, union): documented for the demo; generated, valid, fictitious.
DEMO_MEMBER = ("陈建华", "441900199003151238", "13800138000", "dg-humen-garment")
DEMO_MEMBER_MEIZHOU = ("李秀梅", "441402199208071368", "13900139000", "mz-meijiang-hospital")

DONGGUAN_ROLLS = [  # (union, members, verified)
    ("dg-humen-garment", 240, 125),
    ("dg-humen-port", 120, 62),
    ("dg-changan-electronics", 90, 47),
    ("dg-songshanhu-park", 50, 26),
]
# One grassroots union per county (the hospital one exists in the main demo); members and
# verified add up to 1,976 and 1,533: Meizhou's reported 77.58%, a hundredth of the size.
MEIZHOU_ROLLS = [
    ("mz-meijiang", "mz-meijiang-hospital", "梅江区人民医院工会委员会", 310, 251),
    ("mz-meixian", "mz-meixian-edu", "梅县区教育系统工会", 286, 228),
    ("mz-dabu", "mz-dabu-tea", "大埔县茶叶行业联合工会", 198, 149),
    ("mz-fengshun", "mz-fengshun-ceramics", "丰顺县陶瓷行业联合工会", 214, 163),
    ("mz-wuhua", "mz-wuhua-construction", "五华县建筑行业联合工会", 301, 227),
    ("mz-pingyuan", "mz-pingyuan-park", "平远县工业园区联合工会", 176, 134),
    ("mz-jiaoling", "mz-jiaoling-cement", "蕉岭县建材行业联合工会", 165, 129),
    ("mz-xingning", "mz-xingning-logistics", "兴宁市物流行业联合工会", 326, 252),
]
HISTORY_DAYS = 30
# Real-name rate 29 days ago, as a share of today's: Dongguan rose from 27% to 52%.
STARTING_SHARE = {"dongguan": 27 / 52, "meizhou": 0.80}

SURNAMES = "陈李张黄王林刘吴何梁郑谢罗叶钟曾古温彭廖邓"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红玉兰海燕文斌辉"


def _number(rng: random.Random, region: str) -> str:
    born = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(365 * 38))
    first17 = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + identity.check_char(first17)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def roll_rows(union: str, count: int, region: str, seed: str) -> Iterator[tuple[int, list]]:
    """A header and `count` generated members of `union`, as (line, cells) rows."""
    rng = random.Random(seed)
    yield 1, ["姓名", "身份证号", "手机号", "基层工会代码", "入会日期"]
    seen = {DEMO_MEMBER[1], DEMO_MEMBER_MEIZHOU[1]}
    line = 1
    while line <= count:
        number = _number(rng, region)
        if number in seen:
            continue
        seen.add(number)
        line += 1
        joined = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(365 * 16))
        mobile = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        yield line, [_name(rng), number, mobile, union, joined.isoformat()]


def _account(db: Session, code: str) -> Account | None:
    return db.scalar(select(Account).where(Account.code == code))


def _already_loaded(db: Session) -> bool:
    union = _account(db, DEMO_MEMBER[3])
    return union is None or db.scalar(
        select(Member.id).where(Member.account_id == union.id).limit(1)) is not None


def load_members(db: Session, config) -> None:
    """Load the demo rolls (needs the hub's secret for ID numbers: without config, nothing)."""
    if config is None or _already_loaded(db):
        return
    keys = identity.IdKeys.from_config(config)
    _load_dongguan(db, keys)
    _load_meizhou(db, keys)
    _backfill_history(db)
    stats.take_snapshot(db)
    db.flush()


def _import(db: Session, account_code: str, rows, keys: identity.IdKeys) -> None:
    rolls.import_roll(db, _account(db, account_code), rows, keys=keys,
                      filename="演示名册.csv", commit=False)


def _load_dongguan(db: Session, keys: identity.IdKeys) -> None:
    name, number, mobile, union = DEMO_MEMBER
    first = [(1, ["姓名", "身份证号", "手机号", "基层工会代码", "入会日期"]),
             (2, [name, number, mobile, union, "2015-05-01"])]
    _import(db, "dongguan", first, keys)
    for union, count, verified in DONGGUAN_ROLLS:
        _import(db, "dongguan", roll_rows(union, count, "441900", f"demo-{union}"), keys)
        _verify_through_service(db, union, count, verified, keys)


def _verify_through_service(db: Session, union: str, count: int, verified: int,
                            keys: identity.IdKeys) -> None:
    """Verify the first `verified` members the way the mini-program will (sign in, verify);
    a tenth more only sign in with their phone number, so they count as registered."""
    rows = roll_rows(union, count, "441900", f"demo-{union}")
    next(rows)  # the header
    limits = RateLimits.in_memory()  # the demo's rows all match: nothing for a limit to count
    for index, (_, cells) in enumerate(rows):
        if index >= verified + count // 10:
            break
        if index >= verified:
            verification.sign_in(db, f"demo-{union}-{index:04d}", phone=cells[2])
            continue
        person = verification.sign_in(db, f"demo-{union}-{index:04d}")
        verification.verify(db, person, cells[0], cells[1], limits=limits,
                            keys=keys).raise_for_failure()


def _load_meizhou(db: Session, keys: identity.IdKeys) -> None:
    for county, union, union_name, count, verified in MEIZHOU_ROLLS:
        parent = _account(db, county)
        if _account(db, union) is None:
            create_account(db, code=union, name=union_name, level="grassroots",
                           region_code=parent.region_code, parent=parent)
        rows = roll_rows(union, count, parent.region_code, f"demo-{union}")
        if union == DEMO_MEMBER_MEIZHOU[3]:  # the demo member takes the last row's place
            rows = _ending_with(DEMO_MEMBER_MEIZHOU, roll_rows(
                union, count - 1, parent.region_code, f"demo-{union}"))
        _import(db, "meizhou", rows, keys)
        _mark_verified_elsewhere(db, union, verified)


def _ending_with(member: tuple, rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """The roll's rows, then the demo member's (highest id: never among those marked)."""
    line = 0
    for line, cells in rows:
        yield line, cells
    name, number, mobile, union = member
    yield line + 1, [name, number, mobile, union, "2016-09-01"]


def _mark_verified_elsewhere(db: Session, union_code: str, verified: int) -> None:
    """Members who verified in the platform's earlier app: verified, no WeChat identity here."""
    union = _account(db, union_code)
    ids = list(db.scalars(select(Member.id).where(Member.account_id == union.id)
                          .order_by(Member.id).limit(verified)))
    now = utcnow()
    db.execute(update(Member).where(Member.id.in_(ids))
               .values(state=MemberState.verified, registered_at=now, verified_at=now)
               .execution_options(synchronize_session=False))


def _city_of(path: str, cities: dict[int, str]) -> str | None:
    for part in path.strip("/").split("/"):
        if int(part) in cities:
            return cities[int(part)]
    return None


def _backfill_history(db: Session) -> None:
    """Daily figures for the last 29 days, the rate climbing to today's (imported unchanged:
    the rolls came in before), written per union and rolled up like real snapshots."""
    cities = {a.id: a.code for a in db.scalars(select(Account).where(
        Account.code.in_(STARTING_SHARE)))}
    own = stats.own_figures(db)
    paths = dict(db.execute(select(Account.id, Account.path)
                            .where(Account.id.in_(own))).all())
    today = stats.today()
    for back in range(HISTORY_DAYS - 1, 0, -1):
        progress = (HISTORY_DAYS - 1 - back) / (HISTORY_DAYS - 1)
        totals: dict[int, stats.Figures] = {}
        for account_id, figures in own.items():
            start = STARTING_SHARE.get(_city_of(paths[account_id], cities), 1.0)
            share = start + (1 - start) * progress
            day = stats.Figures(figures.imported,
                                round(figures.registered * min(1.0, share * 1.05)),
                                round(figures.verified * share))
            for ancestor in (int(p) for p in paths[account_id].strip("/").split("/")):
                totals.setdefault(ancestor, stats.Figures()).add(day)
        stats.write_day(db, today - dt.timedelta(days=back), totals)

