"""What the app calls: the splash manifest (ETag, 304), splash images, impressions and clicks.

Reports are signed in with the slot's app key (`Authorization: Bearer spk_…`, issued by
`hub splash app-key` or the editors' API, stored hashed), and only events of that slot's
items are counted; the others are answered as `rejected`, so the figures editors see come
from the app alone."""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import parse_qs

from flask import Blueprint, current_app, g, request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select

from adapters.app_splash import manifest, services
from adapters.app_splash.models import (
    SplashDailyCount,
    SplashEventBatch,
    SplashItem,
    SplashMemberDay,
)
from hub import api, ports
from hub.api import route
from hub.errors import BadRequest, NotFound, Unauthorized
from hub.ports import Unavailable, batches, blobs, conditional, utcnow

bp = Blueprint("splash_protocol", __name__)
TAG = "splash-app"
MAX_EVENTS = 500


def member_hash(member: str | None) -> str | None:
    """Members are recognised by a hash of the app's opaque id, never stored as given."""
    return hashlib.sha256(member.encode()).hexdigest() if member else None


def shortcut(environ, engine):
    """The manifest answered before Flask when everything it needs is already in process
    (the slot's items, the account's lineage, the body for this ETag) and no member's daily
    cap must be read: the launch of an app costs one indexed read."""
    args = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    slot = manifest.find_slot(engine, args.get("slot"))
    if slot is None:
        return None
    candidates = manifest.ENTRIES.get((slot.id, slot.version, slot.created_at))
    if candidates is None:
        return None
    if args.get("member") and any(e.daily_cap for e in candidates):
        return None
    lineage = manifest.LINEAGES.get(args["account"]) if args.get("account") else frozenset()
    if lineage is None:
        return None
    now = utcnow()
    day = manifest.local_day(now)
    key = (slot, args.get("region"), lineage, frozenset())
    choice = manifest.choose_cached(key, candidates, now, args.get("region"), lineage,
                                    frozenset())
    tag = manifest.etag_for(slot, day, choice, conditional.root_of(environ))
    return conditional.early_answer(environ, tag, manifest.BODIES)


conditional.install_shortcut(bp, "/splash/v1/manifest", shortcut)


@bp.get("/splash/v1/manifest")
def get_manifest():
    args = request.args
    code = args.get("slot")
    try:
        slot = manifest.find_slot(current_app.extensions["hub.engine"], code)
    except Unavailable:
        return conditional.retry_later("数据库暂时不可用，请使用已缓存的开屏", 30)
    if slot is None:
        raise NotFound(f"没有开屏位 {code or ''}".strip(), field="slot")
    member = args.get("member")
    if member is not None and not 1 <= len(member) <= 128:
        raise BadRequest("member 为 1–128 个字符", field="member")
    now = utcnow()
    day = manifest.local_day(now)
    candidates = manifest.entries(g.db, slot.id, slot.version, slot.created_at)
    lineage = manifest.lineage(g.db, args.get("account"))
    capped = manifest.capped(g.db, member_hash(member), candidates, day)
    key = (slot, args.get("region"), lineage, capped)
    choice = manifest.choose_cached(key, candidates, now, args.get("region"), lineage, capped)
    root = conditional.root_of(request.environ)
    return conditional.answer(manifest.etag_for(slot, day, choice, root), manifest.BODIES,
                              lambda: manifest.document(slot, choice, root))


class ManifestQuery(BaseModel):
    """What the manifest reads from its query (parsed by hand in the shortcut and the view)."""
    slot: str = Field(description="开屏位代码")
    region: str | None = Field(default=None, description="App 所在地区代码")
    account: str | None = Field(default=None, description="会员所属工会账号代码")
    member: str | None = Field(default=None, min_length=1, max_length=128,
                               description="App 的会员匿名标识，用于每日频次")


class ManifestOut(BaseModel):
    slot: dict
    version: int
    cache_seconds: int
    rules: dict
    current: dict | None
    upcoming: list[dict]
    default: dict | None


api.OPERATIONS.append(api.Operation(
    "get", "/splash/v1/manifest", "The splash to show now, the ones to preload with their "
    "validity windows, the default, and the rules the app must follow. Strong ETag; "
    "If-None-Match gives 304", TAG, query=ManifestQuery, response=ManifestOut, auth=None,
    errors=(404,)))


@bp.get("/splash/v1/files/<sha256>.jpg")
def get_file(sha256: str):
    return conditional.immutable_file(sha256, blobs.get(g.db, sha256))


api.OPERATIONS.append(api.Operation(
    "get", "/splash/v1/files/{sha256}.jpg", "A splash image, named by its sha256 (immutable)",
    TAG, auth=None, errors=(404,), media_type="image/jpeg",
    path_types={"sha256": api.SHA256_PARAMETER}))


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: int = Field(ge=1)
    type: str = Field(pattern=r"^(impression|click|skip)$")
    at: AwareDatetime
    member: str | None = Field(default=None, min_length=1, max_length=128,
                               description="App 的会员匿名标识，用于每日频次")


class EventsIn(batches.BatchIn):
    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class EventsOut(batches.BatchOut):
    rejected: int = Field(default=0, description="不属于该开屏位的事件数，未计入统计")


def _slot_of_request():
    """The slot whose app key the request carries; 401 without a valid one."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("需要 Authorization: Bearer <开屏位 App 密钥>")
    slot = services.slot_for_app_key(g.db, key.strip())
    if slot is None:
        raise Unauthorized("App 密钥无效或已更换，请使用开屏位当前的密钥")
    return slot


@route(bp, "/splash/v1/events", "POST", summary="Impressions, clicks and skips from the app "
       "(Bearer: the slot's app key), in batches, idempotent by batch_id; events of items "
       "not in the slot are rejected", tag=TAG, body=EventsIn, response=EventsOut, auth=None,
       errors=(401,))
def report_events(body: EventsIn):
    slot = _slot_of_request()
    batches.refuse_future((event.at for event in body.events), "events.{}.at", "事件时间在未来")
    ours = set(g.db.scalars(select(SplashItem.id).where(
        SplashItem.slot_id == slot.id, SplashItem.id.in_({e.item_id for e in body.events}))))
    kept = [event for event in body.events if event.item_id in ours]
    marker = SplashEventBatch(batch_id=body.batch_id, events=len(kept))
    answer = batches.count_once(g.db, marker, body.batch_id, len(kept),
                                lambda: _count(g.db, kept), EventsOut)
    if not answer.duplicate:
        answer.rejected = len(body.events) - len(kept)
    return answer


def _count(db, events: list[EventIn]) -> None:
    posts = dict(db.execute(select(SplashItem.id, SplashItem.post_id).where(
        SplashItem.id.in_({e.item_id for e in events}))).all())
    daily: dict[tuple[int, dt.date], dict[str, int]] = {}
    seen: dict[tuple[str, dt.date, int], int] = {}
    for event in events:
        day = manifest.local_day(event.at)
        totals = daily.setdefault((event.item_id, day), {"impression": 0, "click": 0,
                                                         "skip": 0})
        totals[event.type] += 1
        if event.type == "impression" and event.member:
            key = (member_hash(event.member), day, event.item_id)
            seen[key] = seen.get(key, 0) + 1
    insert = batches.upsert_insert(db)
    table = SplashDailyCount.__table__
    for (item_id, day), totals in sorted(daily.items()):
        statement = insert(table).values(item_id=item_id, post_id=posts.get(item_id), day=day,
                                         impressions=totals["impression"],
                                         clicks=totals["click"], skips=totals["skip"])
        db.execute(statement.on_conflict_do_update(
            index_elements=["item_id", "day"],
            set_={name: table.c[name] + statement.excluded[name]
                  for name in ("impressions", "clicks", "skips")}))
    members = SplashMemberDay.__table__
    for (hashed, day, item_id), count in sorted(seen.items()):
        statement = insert(members).values(member_hash=hashed, day=day, item_id=item_id,
                                           impressions=count)
        db.execute(statement.on_conflict_do_update(
            index_elements=["member_hash", "day", "item_id"],
            set_={"impressions": members.c.impressions + statement.excluded.impressions}))
    outlets = dict(db.execute(select(SplashItem.id, SplashItem.outlet_id).where(
        SplashItem.id.in_({e.item_id for e in events}))).all())
    ports.count_outlet_kpis(db, [(outlets.get(e.item_id), f"splash_{e.type}s", e.at)
                                 for e in events if e.type in ("impression", "click")])
