"""The playlist a screen pulls: built from its items, versioned, and cheap to re-serve.

A poll costs one indexed lookup (token hash -> screen id and playlist version). The ETag is
made from that version, the Asia/Shanghai day (the playlist covers the next days, so it
moves on at midnight) and the address the controller used; so a 304 needs nothing more,
and a 200 comes from a small in-process cache keyed by the same ETag whenever another
poll already built it. Any process answers the same, since the version lives in the row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from adapters.led_screen import services
from adapters.led_screen.models import LedItem, LedRendition, Screen
from adapters.led_screen.publishing import kind_of, screen_info
from hub.clock import SHANGHAI, local_iso
from hub.ports import LruCache

HORIZON_DAYS = 4
ROLE_ORDER = {"interrupt": 0, "normal": 1, "default": 2}

# The hot path's only query: three columns of one row, found by the token hash's index.
LOOKUP = select(Screen.id, Screen.playlist_version, Screen.min_poll_seconds).where(
    Screen.token_hash == bindparam("token_hash"))


def local_day(now: dt.datetime) -> dt.date:
    return now.astimezone(SHANGHAI).date()


def etag_for(screen_id: int, version: int, day: dt.date, root: str, token_hash: str) -> str:
    """Strong: one ETag, one body. The token's hash salts it, so a screen recreated under a
    reused id (a restored database) never matches an old tag, and a new token starts with
    a full pull."""
    salt = zlib.crc32(f"{root}|{token_hash}".encode())
    return f'"led-{screen_id}-{version}-{day:%Y%m%d}-{salt:08x}"'


CACHE = LruCache(4096)  # serialised playlists by ETag


def _window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), SHANGHAI)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=HORIZON_DAYS + 1)).astimezone(
        dt.UTC)


def live_items(db: Session, screen: Screen, day: dt.date) -> list[LedItem]:
    """Items of every outlet covering the screen that can play within the horizon."""
    start, end = _window(day)
    outlet_ids = services.outlet_ids_for(db, screen)
    if not outlet_ids:
        return []
    items = db.scalars(select(LedItem).where(
        LedItem.outlet_id.in_(outlet_ids), LedItem.withdrawn_at.is_(None),
        or_(LedItem.valid_until.is_(None), LedItem.valid_until > start),
        or_(LedItem.valid_from.is_(None), LedItem.valid_from < end)))
    return [item for item in items if screen.code not in (item.skipped or {})]


def build(db: Session, screen: Screen, root: str, now: dt.datetime) -> dict:
    """The playlist document for `screen`, with absolute file URLs under `root`."""
    day = local_day(now)
    items = live_items(db, screen, day)
    files = files_for(db, items, screen)
    info = screen_info(screen)
    entries = []
    for item in sorted(items, key=lambda i: (ROLE_ORDER.get(i.role, 1), -i.priority, i.id)):
        entry = _entry(item, info, files, root)
        if entry is not None:
            entries.append(entry)
    listed = {}
    for entry in entries:
        if "file" in entry:
            listed[entry["file"]["sha256"]] = entry["file"]
    _, horizon_end = _window(day)
    return {
        "screen": {"code": screen.code, "name": screen.name, "place": screen.place,
                   "width": screen.width, "height": screen.height,
                   "orientation": screen.orientation, "controller": screen.controller},
        "version": screen.playlist_version,
        "day": day.isoformat(),
        "covers_until": local_iso(horizon_end),
        "poll_seconds": screen.poll_seconds,
        "power": {"on": screen.on_time, "off": screen.off_time},
        "brightness": screen.brightness or [],
        "items": entries,
        "files": sorted(listed.values(), key=lambda f: f["sha256"]),
    }


def files_for(db: Session, items: list[LedItem], screen: Screen) -> dict[int, LedRendition]:
    if not items:
        return {}
    renditions = db.scalars(select(LedRendition).where(
        LedRendition.item_id.in_([i.id for i in items]), LedRendition.width == screen.width,
        LedRendition.height == screen.height))
    return {rendition.item_id: rendition for rendition in renditions}


def _entry(item: LedItem, screen, files: dict[int, LedRendition], root: str) -> dict | None:
    entry = {"id": item.id, "post_id": item.post_id, "role": item.role, "title": item.title,
             "duration_seconds": item.duration_seconds, "priority": item.priority,
             "share_of_voice": item.share_of_voice, "schedule": item.schedule or [],
             "valid_from": local_iso(item.valid_from),
             "valid_until": local_iso(item.valid_until)}
    kind = kind_of(item.form, item.video is not None, screen.draws_text)
    if kind == "video" and item.video:
        video = item.video
        entry["type"] = "video"
        entry["file"] = {"url": video["url"], "sha256": video["sha256"],
                         "byte_size": video["byte_size"], "mime_type": video["mime_type"],
                         "width": video["width"], "height": video["height"]}
        return entry
    if kind == "text":
        entry["type"] = "text"
        entry["text"] = item.text
        entry["style"] = item.text_style
        return entry
    file = files.get(item.id)
    if file is None:
        return None  # not drawn at this size (yet): better absent than a broken picture
    extension = "png" if file.mime_type == "image/png" else "jpg"
    entry["type"] = "image"
    entry["file"] = {"url": f"{root}led/v1/files/{file.file_sha256}.{extension}",
                     "sha256": file.file_sha256, "byte_size": file.byte_size,
                     "mime_type": file.mime_type, "width": screen.width,
                     "height": screen.height}
    return entry


def serialise(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
