"""The console's users page: an account's editors, when each was last slowed down by failed
logins, and an admin's button to unlock them (forget the failures, end their sessions)."""

from __future__ import annotations

import datetime as dt

from flask import flash, g, redirect, render_template, url_for
from sqlalchemy import func, select

from hub.accounts.models import Account
from hub.audit.models import AuditEvent
from hub.console.blueprint import bp
from hub.console.views import account_for
from hub.db import utcnow
from hub.users import services as users
from hub.users.models import Grant, User
from hub.users.permissions import require_role

RECENT = dt.timedelta(hours=24)  # lock-outs older than this are long over


def _editors_of(account: Account) -> list[User]:
    """Users with a grant on the account or anywhere below it."""
    return list(g.db.scalars(
        select(User).join(Grant, Grant.user_id == User.id)
        .join(Account, Grant.account_id == Account.id)
        .where(Account.path.startswith(account.path)).distinct().order_by(User.username)))


def _last_lockouts(user_ids: list[int]) -> dict[int, dt.datetime]:
    rows = g.db.execute(
        select(AuditEvent.subject_id, func.max(AuditEvent.at))
        .where(AuditEvent.action == "user.login_throttled",
               AuditEvent.subject_id.in_(user_ids), AuditEvent.at > utcnow() - RECENT)
        .group_by(AuditEvent.subject_id)).all()
    return dict(rows)


@bp.get("/a/<code>/users")
def account_users(code: str):
    account = account_for(code)
    require_role(g.db, g.user, account, "admin")
    editors = _editors_of(account)
    return render_template("console/users.html", account=account, page="users",
                           editors=editors,
                           lockouts=_last_lockouts([user.id for user in editors]))


@bp.post("/a/<code>/users/<username>/unlock")
def unlock_user(code: str, username: str):
    account = account_for(code)
    user = users.get_user(g.db, username)
    users.unlock_login(g.db, user, actor=g.user)
    g.db.commit()
    flash(f"已解除 {user.display_name}（{user.username}）的登录限制，其登录会话已失效", "info")
    return redirect(url_for("console.account_users", code=account.code))
