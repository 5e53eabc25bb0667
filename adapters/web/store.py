"""Reading and writing what the sites serve: the delivery side records and removes entries,
the pages, feeds and partner API read them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.web.models import WebEntry
from hub.accounts.models import Account
from hub.channels import DeliveryJob, PermanentError
from hub.db import utcnow
from hub.outlets.models import Outlet
from hub.posts.models import Post

CHANNEL = "web"
# Bump when templates change in a way that should invalidate every cached page.
TEMPLATE_VERSION = "2"


def parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC) if value else None


def _entry_for_update(db: Session, outlet_id: int, post_id: int) -> WebEntry | None:
    query = select(WebEntry).where(WebEntry.outlet_id == outlet_id, WebEntry.post_id == post_id)
    if db.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    return db.scalar(query)


def record_entry(db: Session, job: DeliveryJob) -> WebEntry:
    """Put the job's version of the post on the site; repeats and stale versions change nothing."""
    outlet = db.get(Outlet, job.outlet.id)
    if outlet is None:
        raise PermanentError("该网站终端已不存在")
    entry = _entry_for_update(db, outlet.id, job.post.id)
    if entry is not None and (entry.version > job.post.version or
                              (entry.live and entry.delivery_key == job.idempotency_key)):
        return entry  # a newer version is already up, or this very send already landed
    origin = db.scalar(select(Account).where(Account.code == job.post.origin_account_code))
    post = db.get(Post, job.post.id)
    # The snapshot carries no column; the post's own row has it.
    column = post.column.slug if post is not None and post.column else None
    now = utcnow()
    if entry is None:
        entry = WebEntry(outlet_id=outlet.id, post_id=job.post.id)
        db.add(entry)
    # Sites list posts by when the editor published them, not by when each send landed.
    entry.published_at = post.published_at if post is not None and post.published_at else now
    snapshot = job.post
    entry.account_id = outlet.account_id
    entry.origin_account_id = origin.id if origin is not None else outlet.account_id
    entry.version, entry.delivery_key = snapshot.version, job.idempotency_key
    entry.kind, entry.title, entry.summary = snapshot.kind, snapshot.title, snapshot.summary
    entry.body_html, entry.cover_url, entry.link_url = (snapshot.body_html, snapshot.cover_url,
                                                        snapshot.link_url)
    entry.column_slug = column
    entry.valid_from = parse_time(snapshot.valid_from)
    entry.valid_until = parse_time(snapshot.valid_until)
    entry.live, entry.withdrawn_at, entry.updated_at = True, None, now
    db.flush()
    return entry


def remove_entry(db: Session, job: DeliveryJob) -> bool:
    """Take the post off the site, but only if this delivery is what put it there."""
    entry = _entry_for_update(db, job.outlet.id, job.post.id)
    if entry is None or not entry.live or entry.delivery_key != job.idempotency_key:
        return False
    now = utcnow()
    entry.live, entry.withdrawn_at, entry.updated_at = False, now, now
    return True


# -- reading -------------------------------------------------------------------------------

def site_outlet(db: Session, code: str) -> tuple[Outlet, Account] | None:
    """The web outlet of the account with this code (the oldest, if several are bound)."""
    row = db.execute(select(Outlet, Account).join(Account, Outlet.account_id == Account.id)
                     .where(Account.code == code, Outlet.channel == CHANNEL,
                            Outlet.enabled.is_(True)).order_by(Outlet.id).limit(1)).first()
    return (row[0], row[1]) if row else None


def account_for_domain(db: Session, host: str) -> str | None:
    """The account whose site answers on this custom domain (outlet config "domain")."""
    code = db.scalar(select(Account.code).join(Outlet, Outlet.account_id == Account.id)
                     .where(Outlet.channel == CHANNEL, Outlet.enabled.is_(True),
                            Outlet.config["domain"].as_string() == host)
                     .order_by(Outlet.id).limit(1))
    return code


def live_entries(db: Session, outlet_id: int, *, column: str | None = None,
                 kind: str | None = None, limit: int = 20, offset: int = 0) -> list[WebEntry]:
    query = select(WebEntry).where(WebEntry.outlet_id == outlet_id, WebEntry.live.is_(True))
    if column is not None:
        query = query.where(WebEntry.column_slug == column)
    if kind is not None:
        query = query.where(WebEntry.kind == kind)
    query = query.order_by(WebEntry.published_at.desc(), WebEntry.id.desc())
    return list(db.scalars(query.limit(limit).offset(offset)))


def live_entry(db: Session, outlet_id: int, post_id: int) -> WebEntry | None:
    return db.scalar(select(WebEntry).where(WebEntry.outlet_id == outlet_id,
                                            WebEntry.post_id == post_id,
                                            WebEntry.live.is_(True)))


def children(db: Session, account: Account) -> list[Account]:
    return list(db.scalars(select(Account).where(Account.parent_id == account.id)
                           .order_by(Account.region_code, Account.code)))


def accounts_with_sites(db: Session, codes: list[str]) -> set[str]:
    if not codes:
        return set()
    return set(db.scalars(select(Account.code).join(Outlet, Outlet.account_id == Account.id)
                          .where(Account.code.in_(codes), Outlet.channel == CHANNEL,
                                 Outlet.enabled.is_(True))))


def account_names(db: Session, ids: set[int]) -> dict[int, Account]:
    if not ids:
        return {}
    return {a.id: a for a in db.scalars(select(Account).where(Account.id.in_(ids)))}


def fingerprint(db: Session, outlet: Outlet, account: Account) -> str:
    """Changes whenever anything a page of this site shows could change: its entries, the
    account's look and columns, its parent and children. Cheap: no page is rendered."""
    count, last_change, last_id = db.execute(
        select(func.count(WebEntry.id), func.max(WebEntry.updated_at), func.max(WebEntry.id))
        .where(WebEntry.outlet_id == outlet.id)).one()
    parent = account.parent
    state = [TEMPLATE_VERSION, count, str(last_change), last_id, outlet.config,
             [account.code, account.name, account.short_name, account.logo_url,
              account.theme_color, account.intro],
             [(c.slug, c.name) for c in account.columns],
             [parent.code, parent.name] if parent else None,
             [(c.code, c.name) for c in children(db, account)]]
    data = json.dumps(state, ensure_ascii=False, default=str, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()
