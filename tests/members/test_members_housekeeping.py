"""The scheduler's housekeeping: today's figures written once per quarter hour per process,
old verification attempts forgotten, and running it twice leaves one row per account."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from hub import scheduler
from hub.accounts.services import get_account
from hub.db import make_session_factory, utcnow
from hub.members import stats
from hub.members.models import MemberStatsDay, VerificationAttempt


def test_housekeeping_writes_today_and_prunes_old_attempts(app, db, demo, config, monkeypatch):
    from hub.members import demo as members_demo

    members_demo.load_members(db, config)
    key = "openid:o-housekeeping"
    db.add_all([VerificationAttempt(key=key, at=utcnow() - dt.timedelta(days=3)),
                VerificationAttempt(key=key, at=utcnow())])
    db.commit()
    sessions = make_session_factory(app.extensions["hub.engine"])
    monkeypatch.setattr(scheduler, "_next_housekeeping", 0.0)
    scheduler.tick(sessions)
    scheduler.tick(sessions)  # within the quarter hour: nothing more
    scheduler.housekeeping(sessions)  # and forced again: the same rows, rewritten
    db.rollback()
    today = db.scalars(select(MemberStatsDay).where(MemberStatsDay.day == stats.today())).all()
    meizhou = next(r for r in today if r.account_id == get_account(db, "meizhou").id)
    assert (meizhou.imported, meizhou.verified) == (1976, 1533)
    per_account = db.execute(select(MemberStatsDay.account_id, func.count())
                             .where(MemberStatsDay.day == stats.today())
                             .group_by(MemberStatsDay.account_id)).all()
    assert {count for _, count in per_account} == {1}
    left = db.scalars(select(VerificationAttempt.at).where(
        VerificationAttempt.key == "openid:o-housekeeping")).all()
    assert len(left) == 1 and utcnow() - left[0] < dt.timedelta(hours=1)
