"""Creating editors, granting roles, unlocking logins, and issuing, checking and revoking API
tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from flask import current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from hub.accounts.models import Account
from hub.audit.services import record
from hub.db import utcnow
from hub.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from hub.users.models import ApiToken, Grant, Role, User
from hub.users.permissions import roles_on

TOKEN_PREFIX = "hub_"  # noqa: S105  (a marker, not a secret)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Writing last_used_at on every request would turn reads into writes; minutes are enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
PASSWORD_METHOD = "scrypt"  # noqa: S105  (a hashing method name)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_user(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"没有用户 {username}", field="user")
    return user


def create_user(db: Session, username: str, password: str, display_name: str = "") -> User:
    if not USERNAME.match(username):
        raise BadRequest("用户名只能用小写字母、数字、点、横线和下划线", field="username")
    if len(password) < 8:
        raise BadRequest("密码至少 8 位", field="password")
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户 {username} 已存在", field="username")
    user = User(username=username, display_name=display_name or username,
                password_hash=generate_password_hash(password, method=PASSWORD_METHOD))
    db.add(user)
    db.flush()
    record(db, actor=None, action="user.create", account_id=None, subject_type="user",
           subject_id=user.id, username=username)
    return user


def check_password(user: User, password: str) -> bool:
    return user.active and check_password_hash(user.password_hash, password)


def set_password(db: Session, user: User, password: str, *, actor=None) -> None:
    """A new password; every console session of the user ends with the old one."""
    if len(password) < 8:
        raise BadRequest("密码至少 8 位", field="password")
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    user.session_generation = (user.session_generation or 0) + 1
    record(db, actor=actor, action="user.password_change", account_id=None,
           subject_type="user", subject_id=user.id, username=user.username)


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def set_email(db: Session, user: User, email: str | None) -> None:
    """Where the editor's review alerts go (empty or None: none); audited without the
    address. BadRequest naming `email` if it is not an address."""
    email = (email or "").strip()
    if len(email) > 254 or (email and not EMAIL.fullmatch(email)):
        raise BadRequest("不是有效的电子邮件地址", field="email")
    user.email = email or None
    record(db, actor=user, action="user.email_change", account_id=None, subject_type="user",
           subject_id=user.id, has_email=bool(user.email))


def unlocking_account(db: Session, actor: User, user: User) -> Account | None:
    """The account through which `actor` may unlock `user`: one `user` holds a grant on that
    `actor` administers (directly or from above); None when `actor` is the province admin
    (an admin of a top account) and `user` has no grants. Forbidden otherwise."""
    for grant in user.grants:
        if "admin" in roles_on(db, actor, grant.account):
            return grant.account
    tops = db.scalars(select(Account).where(Account.parent_id.is_(None))).all()
    if any("admin" in roles_on(db, actor, top) for top in tops):
        return None
    raise Forbidden(f"只有 {user.username} 所在账号的管理员或省总工会管理员可以解除登录限制")


def unlock_login(db: Session, user: User, *, actor: User) -> None:
    """Forget the user's failed logins from every address and end their sessions (whoever was
    guessing may have got in); audited."""
    account = unlocking_account(db, actor, user)
    user.login_epoch = (user.login_epoch or 0) + 1
    user.session_generation = (user.session_generation or 0) + 1
    record(db, actor=actor, action="user.unlock", account_id=account.id if account else None,
           subject_type="user", subject_id=user.id, username=user.username)


def grant_role(db: Session, user: User, account: Account, role: str, *, actor=None) -> Grant:
    role = Role(role).value
    existing = db.scalar(select(Grant).where(
        Grant.user_id == user.id, Grant.account_id == account.id, Grant.role == role))
    if existing is not None:
        return existing
    grant = Grant(user=user, account=account, role=role)
    db.add(grant)
    db.flush()
    record(db, actor=actor, action="grant.create", account_id=account.id, subject_type="user",
           subject_id=user.id, role=role, username=user.username)
    return grant


def issue_token(db: Session, user: User, label: str = "") -> str:
    """Create a token and return it; only its hash is kept, so this is the one chance to see it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=hash_token(token), label=label[:100])
    db.add(row)
    db.flush()
    record(db, actor=user, action="token.issue", account_id=None, subject_type="token",
           subject_id=row.id, label=row.label)
    return token


def revoke_token(db: Session, user: User, token_id: int, *, actor: User) -> ApiToken:
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"没有编号为 {token_id} 的令牌", field="token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(db, actor=actor, action="token.revoke", account_id=None, subject_type="token",
               subject_id=row.id)
    return row


def user_for_token(db: Session, token: str) -> User:
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        raise Unauthorized("令牌无效或已撤销")
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        if request.method in ("GET", "HEAD"):
            _touch_token(row.id, now)
        else:
            row.last_used_at = now
    return row.user


def _touch_token(token_id: int, now: dt.datetime) -> None:
    """Note the token's use in its own short write, so read requests stay read-only
    (with WAL, this write does not wait for the request's open read)."""
    sessions = current_app.extensions["hub.sessions"]
    try:
        with sessions() as db:
            db.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
            db.commit()
    except OperationalError:
        pass  # best effort: a busy database must not refuse a valid token


def current_user_from_request(db: Session) -> User:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("需要 Authorization: Bearer <令牌>")
    return user_for_token(db, token.strip())
