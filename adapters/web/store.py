"""Reading and writing what the sites serve: the delivery side records and removes entries,
the pages, feeds and partner API read them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.web.models import WebEntry
from hub import ports
from hub.channels import DeliveryJob, OutletInfo, PermanentError
from hub.ports import AccountInfo, utcnow

CHANNEL = "web"
# Bump when templates change in a way that should invalidate every cached page.
TEMPLATE_VERSION = "3"


def parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC) if value else None


def _entry_for_update(db: Session, outlet_id: int, post_id: int) -> WebEntry | None:
    query = select(WebEntry).where(WebEntry.outlet_id == outlet_id, WebEntry.post_id == post_id)
    if db.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    return db.scalar(query)


def record_entry(db: Session, job: DeliveryJob) -> WebEntry:
    """Put the job's version of the post on the site; repeats and stale versions change nothing."""
    outlet = ports.outlet(db, job.outlet.id)
    if outlet is None:
        raise PermanentError("该网站终端已不存在")
    entry = _entry_for_update(db, outlet.id, job.post.id)
    if entry is not None and (entry.version > job.post.version or
                              (entry.live and entry.delivery_key == job.idempotency_key)):
        return entry  # a newer version is already up, or this very send already landed
    origin = ports.find_account(db, job.post.origin_account_code)
    now = utcnow()
    if entry is None:
        entry = WebEntry(outlet_id=outlet.id, post_id=job.post.id)
        db.add(entry)
    # Sites list posts by when the editor published them, not by when each send landed.
    entry.published_at = parse_time(job.post.published_at) or now
    snapshot = job.post
    entry.account_id = outlet.account_id
    entry.origin_account_id = origin.id if origin is not None else outlet.account_id
    entry.version, entry.delivery_key = snapshot.version, job.idempotency_key
    entry.kind, entry.title, entry.summary = snapshot.kind, snapshot.title, snapshot.summary
    entry.body_html, entry.cover_url, entry.link_url = (snapshot.body_html, snapshot.cover_url,
                                                        snapshot.link_from(CHANNEL))
    entry.column_slug = snapshot.column_slug
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

def site_outlet(db: Session, code: str) -> tuple[OutletInfo, AccountInfo] | None:
    """The web outlet of the account with this code (the oldest, if several are bound)."""
    account = ports.find_account(db, code)
    if account is None:
        return None
    found = ports.outlets(db, CHANNEL, account_ids=[account.id])
    return (found[0], account) if found else None


def account_for_domain(db: Session, host: str) -> str | None:
    """The account whose site answers on this custom domain (outlet config "domain")."""
    outlet = ports.outlet_where_config(db, CHANNEL, "domain", host)
    return outlet.account_code if outlet is not None else None


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


def live_entries_of(db: Session, outlet_id: int, post_ids: tuple[int, ...]) -> list[WebEntry]:
    """The site's live entries of these posts, in the order given (a topic's order)."""
    if not post_ids:
        return []
    found = {e.post_id: e for e in db.scalars(select(WebEntry).where(
        WebEntry.outlet_id == outlet_id, WebEntry.post_id.in_(post_ids),
        WebEntry.live.is_(True)))}
    return [found[post_id] for post_id in post_ids if post_id in found]


def children(db: Session, account: AccountInfo) -> list[AccountInfo]:
    return ports.children(db, account.id)


def accounts_with_sites(db: Session, codes: list[str]) -> set[str]:
    if not codes:
        return set()
    return {a.code for a in ports.accounts_with_outlets(db, CHANNEL, codes)}


def account_names(db: Session, ids: set[int]) -> dict[int, AccountInfo]:
    return ports.accounts_by_id(db, ids)


def fingerprint(db: Session, outlet: OutletInfo, account: AccountInfo) -> str:
    """Changes whenever anything a page of this site shows could change: its entries, the
    account's look and columns, its parent and children. Cheap: no page is rendered."""
    count, last_change, last_id = db.execute(
        select(func.count(WebEntry.id), func.max(WebEntry.updated_at), func.max(WebEntry.id))
        .where(WebEntry.outlet_id == outlet.id)).one()
    parent = ports.account_by_id(db, account.parent_id) if account.parent_id else None
    state = [TEMPLATE_VERSION, count, str(last_change), last_id, outlet.config,
             [account.code, account.name, account.short_name, account.logo_url,
              account.theme_color, account.intro],
             [(c.slug, c.name) for c in account.columns],
             [parent.code, parent.name] if parent else None,
             [(c.code, c.name) for c in children(db, account)],
             # The account's page beyond its columns (a topic opening or ending counts).
             [dataclasses.astuple(t) for t in ports.account_topics(db, account.code)],
             [dataclasses.astuple(s) for s in ports.service_links(db, account.code)]]
    data = json.dumps(state, ensure_ascii=False, default=str, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()
