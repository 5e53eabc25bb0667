"""Figures per account rolled up the tree, the real-name rate, children and daily history."""

from __future__ import annotations

import datetime as dt

from members_helpers import HEADER, numbers
from sqlalchemy import select

from hub.accounts.models import Account
from hub.accounts.services import get_account
from hub.members import rolls, stats, verification
from hub.members.models import MemberStatsDay
from hub.ratelimits import RateLimits


def test_the_rate_is_verified_over_imported():
    assert stats.Figures(197_600, 160_000, 153_300).rate == 77.58
    assert stats.Figures(0, 0, 0).rate == 0.0


def _roll(db, keys, account: str, union: str, people: int, verify: int, source):
    rows = [(1, HEADER)]
    for i in range(people):
        mobile = f"137{len(union):02d}{i:06d}"
        rows.append((i + 2, [f"{union}{i}", next(source), mobile, union, ""]))
    rolls.import_roll(db, get_account(db, account), rows, keys=keys)
    for line, cells in rows[1:verify + 1]:
        person = verification.sign_in(db, f"o-{union}-{line}")
        verification.verify(db, person, cells[0], cells[1], limits=RateLimits.in_memory(),
                            keys=keys).raise_for_failure()
    db.commit()


def test_figures_roll_up_to_every_ancestor(client, token_for, db, demo, keys):
    source = numbers()
    _roll(db, keys, "dongguan", "dg-humen-garment", 8, 6, source)
    _roll(db, keys, "dongguan", "dg-humen-port", 4, 1, source)
    _roll(db, keys, "dongguan", "dg-changan-electronics", 3, 0, source)
    _roll(db, keys, "meizhou", "mz-meijiang-hospital", 5, 5, source)
    verification.sign_in(db, "o-phone-only", phone="13713000002")  # port's third: registered
    db.commit()
    answer = client.get("/api/v1/members/stats/dongguan", headers=token_for("dg-editor"))
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["imported"], body["registered"], body["verified"], body["rate"]) == (
        15, 8, 7, 46.67)
    children = {c["account"]: c for c in body["children"]}
    assert len(children) == 33
    assert (children["dg-humen"]["imported"], children["dg-humen"]["verified"]) == (12, 7)
    assert children["dg-humen"]["rate"] == 58.33
    assert children["dg-changan"]["rate"] == 0.0 and children["dg-qishi"]["imported"] == 0
    assert body["history"][-1]["day"] == stats.today().isoformat()
    assert body["history"][-1]["verified"] == 7
    top = client.get("/api/v1/members/stats/guangdong", headers=token_for("gd-admin")).get_json()
    assert (top["imported"], top["verified"]) == (20, 12)
    assert {c["account"]: c["rate"] for c in top["children"]} == {"dongguan": 46.67,
                                                                   "meizhou": 100.0}


def test_history_comes_from_daily_snapshots(client, token_for, db, demo, keys):
    source = numbers()
    _roll(db, keys, "meizhou", "mz-meijiang-hospital", 4, 2, source)
    meizhou = get_account(db, "meizhou")
    snapshot = db.get(MemberStatsDay, (meizhou.id, stats.today()))
    assert (snapshot.imported, snapshot.verified) == (4, 0)  # taken when the roll came in
    for back, verified in ((3, 0), (2, 1), (1, 1)):
        day = stats.today() - dt.timedelta(days=back)
        db.add(MemberStatsDay(account_id=meizhou.id, day=day, imported=4, registered=verified,
                              verified=verified))
    db.commit()
    body = client.get("/api/v1/members/stats/meizhou?days=3",
                      headers=token_for("mz-editor")).get_json()
    assert [(h["verified"], h["rate"]) for h in body["history"]] == [(1, 25.0), (1, 25.0),
                                                                      (2, 50.0)]
    stats.take_snapshot(db)
    db.commit()
    db.expire_all()
    rows = db.scalars(select(MemberStatsDay).where(MemberStatsDay.day == stats.today()))
    assert {(r.account_id, r.verified) for r in rows} >= {(meizhou.id, 2)}


def test_stats_need_a_role_on_the_account(client, token_for, demo):
    assert client.get("/api/v1/members/stats/dongguan",
                      headers=token_for("mz-editor")).status_code == 403
    assert client.get("/api/v1/members/stats/nowhere",
                      headers=token_for("gd-admin")).status_code == 404
    assert client.get("/api/v1/members/stats/meizhou?days=0",
                      headers=token_for("gd-admin")).status_code == 400


def test_a_snapshot_sends_no_list_of_accounts_to_the_database(app, db, demo, monkeypatch):
    """A province's 100,000 unions are past PostgreSQL's 65,535 parameters per statement: the
    snapshot finds the accounts by a join, and writes its rows a bounded batch at a time (the
    batch made small here, so the demo's unions outnumber any statement's parameters)."""
    from sqlalchemy import event, func

    from hub.db import utcnow
    from hub.members.models import Member

    monkeypatch.setattr(stats, "WRITE_CHUNK", 3)
    accounts = db.scalars(select(Account.id).order_by(Account.id)).all()
    db.execute(Member.__table__.insert(), [
        {"account_id": account_id, "name": f"会员{n}", "id_hash": f"h{n}", "id_encrypted": "x",
         "state": "verified" if n % 2 else "imported", "imported_at": utcnow(),
         "verified_at": utcnow() if n % 2 else None, "updated_at": utcnow()}
        for n, account_id in enumerate(accounts)])
    unions = db.scalar(select(func.count(func.distinct(Member.account_id))))
    assert unions > 20
    sizes: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sizes.append(len(parameters or ()))

    engine = app.extensions["hub.engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        written = stats.take_snapshot(db)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert max(sizes) < unions  # each account's id bound one by one would make `unions`
    own = stats.own_figures(db)
    paths = dict(db.execute(select(Account.id, Account.path)).all())
    expected: dict[int, int] = {}
    for account_id, figures in own.items():
        for ancestor in paths[account_id].strip("/").split("/"):
            totals = expected.setdefault(int(ancestor), [0, 0])
            totals[0] += figures.imported
            totals[1] += figures.verified
    rows = db.scalars(select(MemberStatsDay).where(MemberStatsDay.day == stats.today()))
    assert {row.account_id: [row.imported, row.verified] for row in rows} == expected
    assert written == len(expected)
    province = get_account(db, "guangdong")
    assert expected[province.id] == [len(accounts), len(accounts) // 2]
