"""The demo's members: Dongguan's and Meizhou's rolls and rates, loaded once, and the issue's
walk-through at the service level: verify against 东莞's roll, land on 虎门, follow 梅州."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.accounts.models import Account
from hub.accounts.services import get_account
from hub.members import demo as members_demo
from hub.members import feed, follows, identity, stats, verification
from hub.members.models import Member, MemberStatsDay, RollImport
from hub.ratelimits import RateLimits


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_demo_rolls_reproduce_the_reported_rates(db, demo, config):
    members_demo.load_members(db, config)
    db.commit()
    meizhou, _ = stats.figures_for(db, get_account(db, "meizhou"))
    assert (meizhou.imported, meizhou.verified, meizhou.rate) == (1976, 1533, 77.58)
    dongguan, children = stats.figures_for(db, get_account(db, "dongguan"))
    assert dongguan.imported == 501 and 50 <= dongguan.rate <= 53
    assert dongguan.registered > dongguan.verified
    humen = {a.code: f for a, f in children}["dg-humen"]
    assert humen.imported == 361
    days = db.scalars(select(MemberStatsDay.day).distinct()).all()
    assert len(days) == members_demo.HISTORY_DAYS
    history = stats.history(db, get_account(db, "dongguan"))
    assert history[0][1].rate < 30 < 50 < history[-1][1].rate
    counts = (_count(db, Member), _count(db, RollImport), _count(db, MemberStatsDay))
    members_demo.load_members(db, config)
    db.commit()
    assert (_count(db, Member), _count(db, RollImport), _count(db, MemberStatsDay)) == counts


def test_without_config_the_demo_has_no_members(db, demo):
    members_demo.load_members(db, None)
    assert _count(db, Member) == 0


def test_the_walk_through(db, demo, config, publish):
    members_demo.load_members(db, config)
    db.commit()
    name, number, mobile, _ = members_demo.DEMO_MEMBER
    person = verification.sign_in(db, "o-sandbox-test-user", phone=mobile)
    keys = identity.IdKeys.from_config(config)
    member = verification.verify_and_commit(db, person, name, number,
                                            limits=RateLimits.in_memory(), keys=keys)
    assert db.get(Account, member.account_id).code == "dg-humen-garment"
    own = [a.code for a, is_own in follows.followed(db, person) if is_own]
    assert "dg-humen" in own
    follows.follow(db, person, get_account(db, "meizhou"))
    db.commit()
    publish("gd-admin", "dg-humen", "虎门镇工会：周末职工电影")
    titles = [i.title for i in feed.feed(db, person.id).items]
    meizhou_demo_post = demo.POSTS[1][4]
    assert titles[0] == "虎门镇工会：周末职工电影" and meizhou_demo_post in titles
