"""What an account's admin does with people: create an editor with a first role, grant roles
on the account or below, revoke them, and reset a password. Every rule is about the admin's
own subtree: nothing here reaches an account they do not administer, and a password is only
theirs to reset when every grant its owner holds lies inside that subtree (otherwise a town's
admin could take over a province's user)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.audit.services import record
from hub.errors import BadRequest, Forbidden, NotFound
from hub.users import services
from hub.users.models import Grant, Role, User
from hub.users.permissions import ROLE_LABELS, require_role, roles_on


def _role(value: str) -> str:
    if value not in ROLE_LABELS:
        raise BadRequest("角色须为作者、审核员或管理员", field="role")
    return Role(value).value


def new_password() -> str:
    """A first or reset password, shown once to the admin who hands it over."""
    return secrets.token_urlsafe(9)


def create_editor(db: Session, actor: User, account: Account, username: str,
                  display_name: str, role: str) -> tuple[User, str]:
    """A new editor with `role` on `account` (which the actor administers) and a first
    password, returned to be shown once."""
    require_role(db, actor, account, "admin")
    role = _role(role)
    password = new_password()
    user = services.create_user(db, username.strip().lower(), password,
                                display_name.strip()[:64])
    record(db, actor=actor, action="user.invite", account_id=account.id, subject_type="user",
           subject_id=user.id, username=user.username, role=role)
    services.grant_role(db, user, account, role, actor=actor)
    return user, password


def grant(db: Session, actor: User, username: str, account: Account, role: str) -> Grant:
    require_role(db, actor, account, "admin")
    user = services.get_user(db, username.strip().lower())
    return services.grant_role(db, user, account, _role(role), actor=actor)


def revoke(db: Session, actor: User, grant_id: int) -> Grant:
    found = db.get(Grant, grant_id)
    if found is None:
        raise NotFound(f"没有编号为 {grant_id} 的授权", field="grant")
    require_role(db, actor, found.account, "admin")
    if found.user_id == actor.id:
        raise Forbidden("不能撤销自己的权限，请由其他管理员操作", field="grant")
    record(db, actor=actor, action="grant.revoke", account_id=found.account_id,
           subject_type="user", subject_id=found.user_id, role=found.role,
           username=found.user.username)
    db.delete(found)
    db.flush()
    return found


def may_reset(db: Session, actor: User, user: User) -> bool:
    """Every grant the user holds lies where the actor is an admin (and there is one)."""
    return bool(user.grants) and user.id != actor.id and all(
        "admin" in roles_on(db, actor, held.account) for held in user.grants)


def reset_password(db: Session, actor: User, username: str) -> tuple[User, str]:
    """A new password for the user (their sessions end), returned to be shown once."""
    user = services.get_user(db, username)
    if not may_reset(db, actor, user):
        raise Forbidden(f"只有管理 {user.username} 全部所在账号的管理员可以重置其密码")
    password = new_password()
    services.set_password(db, user, password, actor=actor)
    return user, password


def grants_below(db: Session, account: Account) -> list[Grant]:
    """Who holds what on the account and below, by account then user."""
    return list(db.scalars(
        select(Grant).join(Account, Grant.account_id == Account.id)
        .join(User, Grant.user_id == User.id)
        .where(Account.path.startswith(account.path))
        .order_by(Account.path, User.username, Grant.role)))
