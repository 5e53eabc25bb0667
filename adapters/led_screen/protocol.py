"""The controller protocol: playlist pulls, heartbeats, proof of play, files and pairing.

Controllers authenticate with their device token (`Authorization: Bearer led_...`); only its
sha256 is stored. Unknown or revoked tokens get 401, polls closer together than the screen's
`min_poll_seconds` get 429 with Retry-After, and a proof-of-play batch is counted once
however often it is sent. Plays of items the screen was never given (not on an outlet the
screen is in, or skipped for it) are answered as `rejected` and left out of the figures.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask import Blueprint, current_app, g, request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select

from adapters.led_screen import fastpath, playlist, services
from adapters.led_screen.models import LedItem, LedPlayBatch, LedPlayHour, Screen
from hub import api, ports
from hub.api import route
from hub.clock import local_iso
from hub.errors import HubError, Unauthorized
from hub.ports import Unavailable, batches, blobs, conditional, raw_query, utcnow

bp = Blueprint("led_protocol", __name__)
TAG = "led-controller"
MAX_BATCH = 300
MAX_OPEN_PAIRINGS = 1000


class TooManyRequests(HubError):
    status, code = 429, "too_many_requests"


def _poll_wait(limits: api.RateLimits, screen_id: int, min_seconds: int) -> float:
    """Seconds the screen must wait before its next poll; 0 counts this one. On the app's
    rate limits, so with HUB_REDIS_URL every web process sees the screen's last poll."""
    if min_seconds <= 0:
        return 0.0
    rule = f"1 per {min_seconds} seconds"
    if limits.hit(rule, "led-poll", str(screen_id)):
        return 0.0
    return float(limits.wait(rule, "led-poll", str(screen_id)))


def _hash_of_bearer(header: str | None) -> str | None:
    """The stored form (sha256) of the device token an Authorization header carries."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return services.hash_token(token)


def _token_hash() -> str:
    token_hash = _hash_of_bearer(request.headers.get("Authorization"))
    if token_hash is None:
        raise Unauthorized("需要 Authorization: Bearer <设备令牌>")
    return token_hash


def _unauthorised() -> Unauthorized:
    return Unauthorized("设备令牌无效或已撤销，请重新配对或签发令牌")


LIVENESS = fastpath.Liveness(Screen.__table__, "last_poll_at")
POLL_KEY = "hub.led.poll"  # what the WSGI shortcut learnt, for the view


@dataclass(frozen=True)
class Poll:
    screen_id: int
    token_hash: str
    wait: float  # seconds the controller must wait before polling again; 0 when it may
    now: dt.datetime
    root: str
    tag: str


def read_poll(environ, engine, limits: api.RateLimits) -> Poll | None:
    """Authenticate and version a poll with one indexed read; None: no or unknown token."""
    token_hash = _hash_of_bearer(environ.get("HTTP_AUTHORIZATION"))
    if token_hash is None:
        return None
    row = raw_query(engine, "led-lookup", playlist.LOOKUP).first(token_hash=token_hash)
    if row is None:
        return None
    screen_id, version, min_poll_seconds = row
    wait = _poll_wait(limits, screen_id, min_poll_seconds)
    now = utcnow()
    if not wait:
        LIVENESS.note(engine, screen_id, now)
    root = conditional.root_of(environ)
    tag = playlist.etag_for(screen_id, version, playlist.local_day(now), root, token_hash)
    return Poll(screen_id, token_hash, wait, now, root, tag)


def shortcut(environ, engine, limits: api.RateLimits):
    """The poll answered before Flask when it is a 304 or an already built 200."""
    poll = environ[POLL_KEY] = read_poll(environ, engine, limits)
    if poll is None or poll.wait:
        return None
    return conditional.early_answer(environ, poll.tag, playlist.CACHE)


@bp.record_once
def _install_shortcut(state) -> None:
    """The shortcut in front of each app, with that app's engine and rate limits."""
    engine, limits = state.app.extensions["hub.engine"], api.rate_limits(state.app)
    state.app.wsgi_app = conditional.ConditionalShortcut(
        state.app.wsgi_app, "/led/v1/playlist", lambda environ: shortcut(environ, engine, limits))


@bp.get("/led/v1/playlist")
def get_playlist():
    environ = request.environ
    try:
        poll = environ[POLL_KEY] if POLL_KEY in environ else \
            read_poll(environ, current_app.extensions["hub.engine"], api.rate_limits())
    except Unavailable:
        # The controller keeps playing from its cache; it should come back a bit later.
        return conditional.retry_later("数据库暂时不可用，请稍后再拉取节目单", 30)
    if poll is None:
        _token_hash()  # names what is missing when there is no token at all
        raise _unauthorised()
    if poll.wait:
        seconds = math.ceil(poll.wait)
        return conditional.retry_later(f"轮询过于频繁，请 {seconds} 秒后再试", seconds, 429,
                                       "too_many_requests")
    return conditional.answer(poll.tag, playlist.CACHE, lambda: _build(poll))


def _build(poll: Poll) -> bytes:
    screen = g.db.get(Screen, poll.screen_id)
    return playlist.serialise(playlist.build(g.db, screen, poll.root, poll.now))


def screen_from_token(db) -> Screen:
    screen = db.scalar(select(Screen).where(Screen.token_hash == _token_hash()))
    if screen is None:
        raise _unauthorised()
    return screen


class PlaylistOut(BaseModel):
    screen: dict
    version: int
    day: str
    covers_until: str
    poll_seconds: int
    power: dict
    brightness: list
    items: list[dict]
    files: list[dict]


api.OPERATIONS.append(api.Operation(
    "get", "/led/v1/playlist", "The screen's playlist (device token): each file's URL, size and "
    "sha256, schedule windows, covering the next days. Strong ETag; If-None-Match gives 304; "
    "429 with Retry-After when polled faster than min_poll_seconds", TAG, auth="bearer",
    response=PlaylistOut, errors=(401, 429)))


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    playlist_etag: str | None = Field(default=None, max_length=200)
    playing_item_id: int | None = None
    status: dict = Field(default_factory=dict, description="温度、亮度、存储、播放器版本等")


class HeartbeatOut(BaseModel):
    playlist_etag: str
    playlist_changed: bool
    poll_seconds: int
    server_time: str


@route(bp, "/led/v1/heartbeat", "POST", summary="Controller heartbeat (device token): "
       "answers the current playlist ETag so an unchanged controller need not pull", tag=TAG,
       body=HeartbeatIn, response=HeartbeatOut, auth=None, errors=(401,))
def heartbeat(body: HeartbeatIn):
    screen = screen_from_token(g.db)
    now = utcnow()
    screen.last_heartbeat_at = now
    status = {k: v for k, v in list(body.status.items())[:20] if len(str(v)) <= 200}
    if body.playing_item_id is not None:
        status["playing_item_id"] = body.playing_item_id
    screen.reported_status = status
    tag = playlist.etag_for(screen.id, screen.playlist_version, playlist.local_day(now),
                            conditional.root_of(request.environ), screen.token_hash)
    return HeartbeatOut(playlist_etag=tag,
                        playlist_changed=not conditional.matches(body.playlist_etag, tag),
                        poll_seconds=screen.poll_seconds, server_time=local_iso(now))


class PlayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: int = Field(ge=1)
    started_at: AwareDatetime = Field(description="ISO 8601，带时区")
    duration_seconds: float = Field(ge=0, le=86400)


class PlaysIn(batches.BatchIn):
    plays: list[PlayIn] = Field(min_length=1, max_length=MAX_BATCH)


class PlaysOut(batches.BatchOut):
    rejected: int = Field(default=0, description="该屏从未收到的节目的播放记录数，未计入统计")


@route(bp, "/led/v1/plays", "POST", summary="Proof of play (device token): a batch of plays, "
       "idempotent by batch_id, summed per item per hour", tag=TAG, body=PlaysIn,
       response=PlaysOut, auth=None, errors=(401,))
def report_plays(body: PlaysIn):
    screen = screen_from_token(g.db)
    batches.refuse_future((play.started_at for play in body.plays), "plays.{}.started_at",
                          "播放时间在未来，请校准控制器时钟")
    given = given_to(g.db, screen, {play.item_id for play in body.plays})
    kept = [play for play in body.plays if play.item_id in given]
    marker = LedPlayBatch(screen_id=screen.id, batch_id=body.batch_id, records=len(kept))
    answer = batches.count_once(g.db, marker, body.batch_id, len(kept),
                                lambda: count_plays(g.db, screen.id, kept), PlaysOut)
    if not answer.duplicate:
        answer.rejected = len(body.plays) - len(kept)
    return answer


def given_to(db, screen: Screen, item_ids: set[int]) -> set[int]:
    """Those of `item_ids` the screen was given: items of its outlets (withdrawn ones too,
    for plays reported late) not skipped for it."""
    outlet_ids = services.outlet_ids_for(db, screen)
    if not outlet_ids:
        return set()
    rows = db.execute(select(LedItem.id, LedItem.skipped).where(
        LedItem.id.in_(item_ids), LedItem.outlet_id.in_(outlet_ids))).all()
    return {item_id for item_id, skipped in rows if screen.code not in (skipped or {})}


def count_plays(db, screen_id: int, plays: list[PlayIn]) -> None:
    posts = dict(db.execute(select(LedItem.id, LedItem.post_id).where(
        LedItem.id.in_({p.item_id for p in plays}))).all())
    totals: dict[tuple[int, dt.datetime], list[float]] = {}
    for play in plays:
        hour = play.started_at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        total = totals.setdefault((play.item_id, hour), [0, 0.0])
        total[0] += 1
        total[1] += play.duration_seconds
    for (item_id, hour), (count, seconds) in sorted(totals.items()):
        _add_hour(db, screen_id, item_id, posts.get(item_id), hour, count, round(seconds))
    ports.count_kpis(db, "led_plays", db.get(Screen, screen_id).account_id,
                     [play.started_at for play in plays])


def _add_hour(db, screen_id, item_id, post_id, hour, count, seconds) -> None:
    insert = batches.upsert_insert(db)
    table = LedPlayHour.__table__
    statement = insert(table).values(screen_id=screen_id, item_id=item_id, post_id=post_id,
                                     hour=hour, plays=count, seconds=seconds)
    db.execute(statement.on_conflict_do_update(
        index_elements=["screen_id", "item_id", "hour"],
        set_={"plays": table.c.plays + statement.excluded.plays,
              "seconds": table.c.seconds + statement.excluded.seconds}))


@bp.get("/led/v1/files/<sha256>.<extension>")
def get_file(sha256: str, extension: str):
    return conditional.immutable_file(sha256, blobs.get(g.db, sha256))


api.OPERATIONS.append(api.Operation(
    "get", "/led/v1/files/{sha256}.{extension}", "A playlist file, named by its sha256 "
    "(immutable)", TAG, auth=None, errors=(404,), media_type="application/octet-stream",
    path_types={"sha256": api.SHA256_PARAMETER}))


class PairingOut(BaseModel):
    pairing_code: str = Field(description="显示在屏幕上，由编辑在后台输入")
    claim_secret: str = Field(description="控制器自留，用来换取设备令牌")
    expires_at: str
    poll_seconds: int


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    claim_secret: str = Field(min_length=10, max_length=200)


class ClaimOut(BaseModel):
    status: str = Field(description="waiting：尚未认领；paired：已配对")
    token: str | None = None
    screen: dict | None = None


@route(bp, "/led/v1/pairings", "POST", summary="A new controller asks for a pairing code "
       "to show on its canvas", tag=TAG, response=PairingOut, status=201, auth=None,
       errors=(429,))
def start_pairing():
    from sqlalchemy import func

    from adapters.led_screen.models import LedPairing

    if g.db.scalar(select(func.count(LedPairing.id)).where(LedPairing.expires_at > utcnow())) \
            >= MAX_OPEN_PAIRINGS:
        raise TooManyRequests("待配对请求过多，请稍后再试")
    pairing, secret = services.start_pairing(g.db)
    return PairingOut(pairing_code=pairing.code, claim_secret=secret,
                      expires_at=local_iso(pairing.expires_at), poll_seconds=5)


@route(bp, "/led/v1/pairings/claim", "POST", summary="The controller trades its claim "
       "secret for a device token once an editor entered its code", tag=TAG, body=ClaimIn,
       response=ClaimOut, auth=None)
def claim_pairing(body: ClaimIn):
    paired = services.finish_pairing(g.db, body.claim_secret)
    if paired is None:
        return ClaimOut(status="waiting")
    screen, token = paired
    return ClaimOut(status="paired", token=token,
                    screen={"code": screen.code, "width": screen.width,
                            "height": screen.height})
