"""The union accounts as outlets show them: the tree of accounts, and each one's topics (专题)
and local service links (本地服务)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts import services as _accounts
from hub.accounts.models import Account as _Account
from hub.media.models import Media as _Media


@dataclass(frozen=True)
class ColumnInfo:
    slug: str
    name: str


@dataclass(frozen=True)
class AccountInfo:
    """A union account as outlets show it (its site, its screens' corner, its menu)."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str  # "/1/4/17/": ancestors' ids and its own
    region_code: str | None
    short_name: str | None
    logo_url: str | None
    theme_color: str
    intro: str
    created_at: dt.datetime
    columns: tuple[ColumnInfo, ...]  # in the account's order

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_within(self, other: AccountInfo) -> bool:
        return self.path.startswith(other.path)


def _account_info(row: _Account) -> AccountInfo:
    return AccountInfo(id=row.id, code=row.code, name=row.name, level=row.level,
                       parent_id=row.parent_id, path=row.path, region_code=row.region_code,
                       short_name=row.short_name, logo_url=row.logo_url,
                       theme_color=row.theme_color, intro=row.intro or "",
                       created_at=row.created_at,
                       columns=tuple(ColumnInfo(c.slug, c.name) for c in row.columns))


def account(db: Session, code: str) -> AccountInfo:
    """The account with this code; NotFound (a 404 in Chinese) when there is none."""
    return _account_info(_accounts.get_account(db, code))


def find_account(db: Session, code: str) -> AccountInfo | None:
    row = db.scalar(select(_Account).where(_Account.code == code))
    return _account_info(row) if row is not None else None


def account_by_id(db: Session, account_id: int) -> AccountInfo | None:
    row = db.get(_Account, account_id)
    return _account_info(row) if row is not None else None


def accounts_by_id(db: Session, ids: set[int]) -> dict[int, AccountInfo]:
    if not ids:
        return {}
    return {row.id: _account_info(row)
            for row in db.scalars(select(_Account).where(_Account.id.in_(ids)))}


def all_accounts(db: Session) -> list[AccountInfo]:
    """Every account, parents before their children."""
    return [_account_info(row) for row in _accounts.all_accounts(db)]


def children(db: Session, account_id: int) -> list[AccountInfo]:
    rows = db.scalars(select(_Account).where(_Account.parent_id == account_id)
                      .order_by(_Account.region_code, _Account.code))
    return [_account_info(row) for row in rows]


def descendants(db: Session, code: str) -> list[AccountInfo]:
    """Every account beneath this one (not itself), parents before children."""
    below = _accounts.descendants(db, _accounts.get_account(db, code))
    return [_account_info(row) for row in below]


def subtree_ids(db: Session, code: str) -> list[int]:
    """The ids of the account and everything beneath it."""
    root = _accounts.get_account(db, code)
    return list(db.scalars(select(_Account.id).where(_Account.path.startswith(root.path))))


@dataclass(frozen=True)
class TopicInfo:
    """A topic (专题) an account shows now: its posts in the editors' order (whatever their
    state: an outlet shows those it has live)."""

    id: int
    title: str
    summary: str
    cover_url: str | None  # the hub's own media address, or None
    ends_at: dt.datetime | None
    post_ids: tuple[int, ...]


@dataclass(frozen=True)
class ServiceLinkInfo:
    """A link to a local service (本地服务) an account shows: its own or one from above.
    `kind` "web" opens `url` (https); "miniprogram" opens `mp_path` in the mini-program
    `mp_appid` (None: 粤工惠's own)."""

    id: int
    name: str
    icon: str
    glyph: str  # one character that stands for the icon where no picture is drawn
    kind: str
    url: str | None
    mp_appid: str | None
    mp_path: str | None
    from_above: bool


def account_topics(db: Session, code: str) -> list[TopicInfo]:
    """The account's topics open now (not closed, inside their window), in its order."""
    from hub.members.feed import media_url

    account = _accounts.get_account(db, code)
    topics = []
    for topic in _accounts.showing_topics(db, account):
        cover = db.get(_Media, topic.cover_media_id) if topic.cover_media_id else None
        topics.append(TopicInfo(
            id=topic.id, title=topic.title, summary=topic.summary,
            cover_url=media_url(cover.id, cover.sha256) if cover else None,
            ends_at=topic.ends_at, post_ids=tuple(e.post_id for e in topic.entries)))
    return topics


def service_links(db: Session, code: str) -> list[ServiceLinkInfo]:
    """The links the account shows: from the accounts above first, then its own."""
    return [ServiceLinkInfo(
        id=s.link.id, name=s.link.name, icon=s.link.icon,
        glyph=_accounts.LINK_ICONS.get(s.link.icon, ("", "服"))[1], kind=s.link.kind,
        url=s.link.url, mp_appid=s.link.mp_appid, mp_path=s.link.mp_path,
        from_above=s.inherited) for s in _accounts.links_for(db, _accounts.get_account(db, code))]
