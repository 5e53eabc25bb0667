"""The manifest the app pulls: the splash to show now, the ones to preload, the default.

The app cannot wait for the network at launch, so it shows what an earlier manifest told it
to cache; the manifest therefore lists the upcoming splashes with their validity windows.
A request costs one indexed lookup (slot code -> id and version); the slot's items are kept
in process per version, so choosing among them and building the ETag needs no more queries
unless the member's daily caps must be checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from adapters.app_splash.models import SplashItem, SplashMemberDay, SplashSlot
from hub import ports
from hub.clock import SHANGHAI, local_iso
from hub.ports import LruCache, raw_query

PRELOAD_DAYS = 3
CACHE_SECONDS = 300

_COLUMNS = (SplashSlot.id, SplashSlot.version, SplashSlot.code, SplashSlot.name,
            SplashSlot.created_at)
LOOKUP = select(*_COLUMNS).where(SplashSlot.code == bindparam("code"))
FIRST_SLOT = select(*_COLUMNS).order_by(SplashSlot.id).limit(1)


class SlotRow(NamedTuple):
    id: int
    version: int
    code: str
    name: str
    created_at: object  # as the driver gives it: only compared, never shown


def find_slot(engine: Engine, code: str | None) -> SlotRow | None:
    """One indexed read in autocommit, no session around it: every app launch asks for it.
    Raises hub.pull.lean.Unavailable when the database does not answer."""
    if code is None:
        row = raw_query(engine, "splash-first-slot", FIRST_SLOT).first()
    else:
        row = raw_query(engine, "splash-slot", LOOKUP).first(code=code)
    return SlotRow(*row) if row else None


@dataclass(frozen=True)
class Entry:
    """A live item as the manifest shows it, with what selection needs."""

    id: int
    is_default: bool
    priority: int
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    daily_cap: int | None
    regions: tuple[str, ...]
    accounts: frozenset[str]
    document: dict  # without URLs' root

    def live(self, now: dt.datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and \
            (self.ends_at is None or now < self.ends_at)

    def soon(self, now: dt.datetime, until: dt.datetime) -> bool:
        return (self.starts_at is not None and now < self.starts_at < until)

    def targets(self, region: str | None, lineage: frozenset[str]) -> bool:
        if self.regions and not (region and any(region.startswith(r) for r in self.regions)):
            return False
        return not self.accounts or bool(self.accounts & lineage)


ENTRIES = LruCache(64)  # (slot id, version) -> [Entry]
BODIES = LruCache(2048)  # ETag -> bytes
LINEAGES = LruCache(4096)  # account code -> codes of it and its ancestors


def entries(db: Session, slot_id: int, version: int, created_at: dt.datetime) -> list[Entry]:
    # The creation time tells a slot recreated under a reused id from the old one.
    key = (slot_id, version, created_at)
    cached = ENTRIES.get(key)
    if cached is None:
        items = db.scalars(select(SplashItem).where(SplashItem.slot_id == slot_id,
                                              SplashItem.withdrawn_at.is_(None))
                           .options(selectinload(SplashItem.images))
                           .order_by(SplashItem.id))
        cached = [_entry(item) for item in items if item.images]
        ENTRIES.put(key, cached)
    return cached


def _entry(item: SplashItem) -> Entry:
    document = {
        "id": item.id, "post_id": item.post_id, "title": item.title,
        "starts_at": local_iso(item.starts_at), "ends_at": local_iso(item.ends_at),
        "priority": item.priority, "daily_cap": item.daily_cap, "link": item.link or {},
        "rules": item.rules or {}, "is_default": item.is_default,
        "images": [{"width": image.width, "height": image.height,
                    "path": f"splash/v1/files/{image.file_sha256}.jpg",
                    "sha256": image.file_sha256, "byte_size": image.byte_size,
                    "mime_type": image.mime_type} for image in item.images],
    }
    return Entry(item.id, item.is_default, item.priority, item.starts_at, item.ends_at,
                 item.daily_cap, tuple(item.regions or ()), frozenset(item.accounts or ()),
                 document)


def lineage(db: Session, code: str | None) -> frozenset[str]:
    """The account and its ancestors' codes: an item aimed at 东莞 reaches 虎门's members."""
    if not code:
        return frozenset()
    cached = LINEAGES.get(code)
    if cached is None:
        account = ports.find_account(db, code)
        if account is None:
            return frozenset()
        cached = frozenset(a.code for a in
                           ports.accounts_by_id(db, set(account.ancestor_ids())).values())
        LINEAGES.put(code, cached)
    return cached


def capped(db: Session, member_hash: str | None, candidates: list[Entry], day: dt.date
           ) -> frozenset[int]:
    """Items this member has already seen as often today as their daily cap allows."""
    limited = {e.id: e.daily_cap for e in candidates if e.daily_cap}
    if not member_hash or not limited:
        return frozenset()
    rows = db.execute(select(SplashMemberDay.item_id, SplashMemberDay.impressions).where(
        SplashMemberDay.member_hash == member_hash, SplashMemberDay.day == day,
        SplashMemberDay.item_id.in_(limited)))
    return frozenset(item_id for item_id, seen in rows if seen >= limited[item_id])


@dataclass(frozen=True)
class Choice:
    current: Entry | None
    upcoming: list[Entry]
    default: Entry | None


def choose(candidates: list[Entry], now: dt.datetime, region: str | None,
           lineage_codes: frozenset[str], capped_ids: frozenset[int]) -> Choice:
    aimed = [e for e in candidates if e.targets(region, lineage_codes)]
    ranked = sorted(aimed, key=lambda e: (-e.priority, -e.id))
    defaults = [e for e in ranked if e.is_default and e.live(now)]
    showable = [e for e in ranked if not e.is_default and e.live(now) and e.id not in capped_ids]
    current = showable[0] if showable else None
    until = now + dt.timedelta(days=PRELOAD_DAYS)
    upcoming = [e for e in ranked if not e.is_default and e is not current and
                e.id not in capped_ids and (e.live(now) or e.soon(now, until))]
    upcoming.sort(key=lambda e: (e.starts_at or now, -e.priority, e.id))
    return Choice(current, upcoming, defaults[0] if defaults else None)


CHOICES = LruCache(4096)  # (slot, targeting, caps) -> (Choice, valid until)


def choose_cached(key: tuple, candidates: list[Entry], now: dt.datetime, region: str | None,
                  lineage_codes: frozenset[str], capped_ids: frozenset[int]) -> Choice:
    """choose(), remembered until the next moment any candidate starts, ends or enters the
    preload window: many launches in one area ask the same question."""
    cached = CHOICES.get(key)
    if cached is not None and now < cached[1]:
        return cached[0]
    choice = choose(candidates, now, region, lineage_codes, capped_ids)
    CHOICES.put(key, (choice, next_change(candidates, now)))
    return choice


def next_change(candidates: list[Entry], now: dt.datetime) -> dt.datetime:
    preload = dt.timedelta(days=PRELOAD_DAYS)
    moments = [moment for e in candidates
               for moment in (e.starts_at, e.ends_at, e.starts_at and e.starts_at - preload)
               if moment is not None and moment > now]
    return min(moments, default=now + dt.timedelta(hours=1))


def etag_for(slot, day: dt.date, choice: Choice, root: str) -> str:
    parts = [slot.id, slot.version, slot.created_at, day.isoformat(), root,
             choice.current.id if choice.current else 0,
             ",".join(str(e.id) for e in choice.upcoming),
             choice.default.id if choice.default else 0]
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]
    return f'"spl-{digest}"'


def local_day(now: dt.datetime) -> dt.date:
    return now.astimezone(SHANGHAI).date()


def document(slot, choice: Choice, root: str) -> bytes:
    def shown(entry: Entry | None) -> dict | None:
        if entry is None:
            return None
        body = dict(entry.document)
        body["images"] = [{**{k: v for k, v in image.items() if k != "path"},
                           "url": root + image["path"]} for image in body["images"]]
        return body

    return json.dumps({
        "slot": {"code": slot.code, "name": slot.name},
        "version": slot.version,
        "cache_seconds": CACHE_SECONDS,
        "rules": {"skip_button": "always", "skip_taps": 1, "max_skip_after_seconds": 5,
                  "tap_area": "button", "shake_trigger": False},
        "current": shown(choice.current),
        "upcoming": [shown(e) for e in choice.upcoming],
        "default": shown(choice.default),
    }, ensure_ascii=False, separators=(",", ":")).encode()
