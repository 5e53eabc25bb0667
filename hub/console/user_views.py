"""The console's users page: who holds what on an account and below, inviting an editor with
a first role, granting and revoking roles, resetting a password (shown once), and unlocking
someone slowed down by failed logins (forget the failures, end their sessions)."""

from __future__ import annotations

import datetime as dt

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from hub.accounts.models import Account
from hub.accounts.services import get_account
from hub.audit.models import AuditEvent
from hub.console.blueprint import bp
from hub.console.views import account_for
from hub.db import utcnow
from hub.users import admin as people
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


def _users_page(account: Account, *, shown_password=None, values=None, status=200):
    editors = _editors_of(account)
    below = list(g.db.scalars(select(Account).where(Account.path.startswith(account.path))
                              .order_by(Account.path).limit(500)))
    return render_template(
        "console/users.html", account=account, page="users", editors=editors,
        lockouts=_last_lockouts([user.id for user in editors]),
        grants=people.grants_below(g.db, account), role_labels=people.ROLE_LABELS,
        accounts_below=below, depth_of=lambda other: other.path.count("/")
        - account.path.count("/"), may_reset={u.id: people.may_reset(g.db, g.user, u)
                                              for u in editors},
        shown_password=shown_password, values=values or {}), status


def _admin_account(code: str) -> Account:
    account = account_for(code)
    require_role(g.db, g.user, account, "admin")
    return account


def _target(account: Account) -> Account:
    """The account a form names, which must be this one or below it."""
    target = get_account(g.db, request.form.get("account", account.code))
    if not target.is_within(account):
        return account
    return target


@bp.get("/a/<code>/users")
def account_users(code: str):
    return _users_page(_admin_account(code))


@bp.post("/a/<code>/users/new")
def invite_user(code: str):
    account = _admin_account(code)
    target = _target(account)
    user, password = people.create_editor(
        g.db, g.user, target, request.form.get("username", ""),
        request.form.get("display_name", ""), request.form.get("role", "author"))
    g.db.commit()
    return _users_page(account, shown_password=(
        user, password, f"已创建 {user.display_name}（{user.username}），"
                        f"{people.ROLE_LABELS[request.form.get('role', 'author')]}，{target.name}"))


@bp.post("/a/<code>/users/grant")
def grant_role(code: str):
    account = _admin_account(code)
    target = _target(account)
    role = request.form.get("role", "")
    granted = people.grant(g.db, g.user, request.form.get("username", ""), target, role)
    g.db.commit()
    flash(f"已授予 {granted.user.username} 在「{target.name}」的{people.ROLE_LABELS[role]}权限",
          "info")
    return redirect(url_for("console.account_users", code=account.code))


@bp.post("/a/<code>/users/grants/<int:grant_id>/revoke")
def revoke_grant(code: str, grant_id: int):
    account = _admin_account(code)
    revoked = people.revoke(g.db, g.user, grant_id)
    label = people.ROLE_LABELS.get(revoked.role, revoked.role)
    username, where = revoked.user.username, revoked.account.name
    g.db.commit()
    flash(f"已撤销 {username} 在「{where}」的{label}权限", "info")
    return redirect(url_for("console.account_users", code=account.code))


@bp.post("/a/<code>/users/<username>/password")
def reset_password(code: str, username: str):
    account = _admin_account(code)
    user, password = people.reset_password(g.db, g.user, username)
    g.db.commit()
    return _users_page(account, shown_password=(
        user, password, f"已重置 {user.display_name}（{user.username}）的密码，其登录会话已失效"))


@bp.post("/a/<code>/users/<username>/unlock")
def unlock_user(code: str, username: str):
    account = account_for(code)
    user = users.get_user(g.db, username)
    users.unlock_login(g.db, user, actor=g.user)
    g.db.commit()
    flash(f"已解除 {user.display_name}（{user.username}）的登录限制，其登录会话已失效", "info")
    return redirect(url_for("console.account_users", code=account.code))
