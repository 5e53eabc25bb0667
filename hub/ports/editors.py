"""Editors acting through an outlet's own routes: the roles they hold on an account, and the
audit record of what they changed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.accounts import services as _accounts
from hub.audit.services import record as _record


def require_role(db: Session, user, account_code: str, *roles: str) -> frozenset[str]:
    """The user's roles on the account (or above it); Forbidden, in Chinese, unless one of
    `roles` is among them. `user` is the editor a route's auth found (`g.user`)."""
    from hub.users.permissions import require_role as _require_role

    return _require_role(db, user, _accounts.get_account(db, account_code), *roles)


def roles_of(db: Session, user, account_code: str) -> frozenset[str]:
    """The roles the user holds on the account (or above it), none refused: what a page
    offers (an admin's forms) depends on them."""
    from hub.users.permissions import roles_on

    return roles_on(db, user, _accounts.get_account(db, account_code))


def bearer_editor(db: Session):
    """The editor the request's `Authorization: Bearer` token names; Unauthorized otherwise
    (for the few routes outside `hub.api.route`, e.g. a preview picture)."""
    from hub.users.services import current_user_from_request

    return current_user_from_request(db)


def require_editor(db: Session, account_code: str, *roles: str):
    """The editor the request's bearer token names, if they hold one of `roles` on the
    account (or above it): Unauthorized / Forbidden otherwise, in Chinese."""
    from hub.users.permissions import require_role
    from hub.users.services import current_user_from_request

    user = current_user_from_request(db)
    require_role(db, user, _accounts.get_account(db, account_code), *roles)
    return user


def audit(db: Session, *, actor, action: str, account_id: int | None, subject_type: str,
          subject_id: int | None, **detail) -> None:
    """Record who changed what, in the caller's transaction. Never pass secrets."""
    _record(db, actor=actor, action=action, account_id=account_id, subject_type=subject_type,
            subject_id=subject_id, **detail)
