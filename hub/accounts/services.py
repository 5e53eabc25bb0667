"""Reading and shaping the account tree: lookup, subtree, creating children, columns, profile."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts.models import LEVEL_TIER, Account, Column, Level
from hub.audit.services import record
from hub.errors import BadRequest, Conflict, NotFound

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
DEFAULT_COLUMNS = [("news", "工会要闻"), ("notice", "通知公告"), ("welfare", "会员福利"),
                   ("rights", "维权服务"), ("culture", "职工文化")]


def get_account(db: Session, code: str) -> Account:
    account = db.scalar(select(Account).where(Account.code == code))
    if account is None:
        raise NotFound(f"没有代码为 {code} 的账号", field="account")
    return account


def subtree(db: Session, account: Account) -> list[Account]:
    return list(db.scalars(
        select(Account).where(Account.path.startswith(account.path)).order_by(Account.path)))


def descendants(db: Session, account: Account) -> list[Account]:
    return [a for a in subtree(db, account) if a.id != account.id]


def all_accounts(db: Session) -> list[Account]:
    return list(db.scalars(select(Account).order_by(Account.path)))


def _check_level(parent: Account | None, level: str) -> None:
    try:
        level = Level(level)
    except ValueError:
        raise BadRequest(f"未知的层级 {level}", field="level") from None
    if parent is None:
        if level is not Level.province:
            raise BadRequest("只有省级账号可以没有上级", field="parent")
        return
    if LEVEL_TIER[level] <= LEVEL_TIER[Level(parent.level)]:
        raise BadRequest(f"{level.value} 不能建在 {parent.level} 之下", field="level")


def create_account(
    db: Session, *, code: str, name: str, level: str, parent: Account | None,
    region_code: str | None = None, actor=None, **profile,
) -> Account:
    """Create an account; it starts with a copy of its parent's columns (千家千面 from there)."""
    if not CODE.match(code):
        raise BadRequest("账号代码只能用小写字母、数字和横线，2 到 64 位", field="code")
    if db.scalar(select(Account.id).where(Account.code == code)) is not None:
        raise Conflict(f"账号代码 {code} 已被使用", field="code")
    _check_level(parent, level)
    account = Account(code=code, name=name, level=level, region_code=region_code,
                      parent=parent, path="", **profile)
    if parent is not None and "theme_color" not in profile:
        account.theme_color = parent.theme_color
    db.add(account)
    db.flush()
    account.path = (parent.path if parent else "/") + f"{account.id}/"
    source = [(c.slug, c.name) for c in parent.columns] if parent else DEFAULT_COLUMNS
    account.columns = [Column(slug=s, name=n, position=i) for i, (s, n) in enumerate(source)]
    db.flush()
    record(db, actor=actor, action="account.create", account_id=account.id,
           subject_type="account", subject_id=account.id, code=code, name=name)
    return account


def update_profile(db: Session, account: Account, changes: dict, *, actor) -> Account:
    for key, value in changes.items():
        setattr(account, key, value)
    record(db, actor=actor, action="account.update", account_id=account.id,
           subject_type="account", subject_id=account.id, fields=sorted(changes))
    return account


def replace_columns(db: Session, account: Account, columns: list[tuple[str, str]], *, actor):
    """Set the account's ordered columns; existing ones keep their id so posts keep their column."""
    slugs = [slug for slug, _ in columns]
    if len(set(slugs)) != len(slugs):
        raise BadRequest("栏目标识不能重复", field="columns")
    by_slug = {c.slug: c for c in account.columns}
    kept = []
    for position, (slug, name) in enumerate(columns):
        column = by_slug.get(slug) or Column(slug=slug)
        column.name, column.position = name, position
        kept.append(column)
    account.columns = kept
    db.flush()
    record(db, actor=actor, action="account.columns", account_id=account.id,
           subject_type="account", subject_id=account.id, columns=slugs)
    return account.columns


def column_by_slug(account: Account, slug: str) -> Column:
    for column in account.columns:
        if column.slug == slug:
            return column
    raise BadRequest(f"账号 {account.code} 没有栏目 {slug}", field="column")
