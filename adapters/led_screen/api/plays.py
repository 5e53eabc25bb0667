"""LED editors' API, proof of play and playlist items: what played where, per hour."""

from __future__ import annotations

import datetime as dt

from flask import g
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from adapters.led_screen.api.common import READERS, TAG, bp, post_for
from adapters.led_screen.api.screens import screen_for
from adapters.led_screen.models import LedItem, LedPlayHour, Screen
from hub import ports
from hub.api import route
from hub.clock import as_utc, local_iso
from hub.errors import NotFound
from hub.ports import utcnow


class PlayRow(BaseModel):
    screen: str
    item_id: int
    post_id: int | None
    hour: str
    plays: int
    seconds: int


class PlayReport(BaseModel):
    rows: list[PlayRow]
    total_plays: int
    total_seconds: int


class PlaysQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    since: dt.datetime | None = Field(default=None, description="ISO 8601；默认 7 天前")
    until: dt.datetime | None = None


class PostPlaysQuery(PlaysQuery):
    post: int


def _hours(query: PlaysQuery, where) -> PlayReport:
    until = as_utc(query.until) if query.until else utcnow()
    since = as_utc(query.since) if query.since else until - dt.timedelta(days=7)
    rows = g.db.execute(select(LedPlayHour, Screen.code).join(
        Screen, Screen.id == LedPlayHour.screen_id).where(
        where, LedPlayHour.hour >= since, LedPlayHour.hour < until).order_by(
        LedPlayHour.hour, Screen.code, LedPlayHour.item_id)).all()
    listed = [PlayRow(screen=code, item_id=row.item_id, post_id=row.post_id,
                      hour=local_iso(row.hour), plays=row.plays, seconds=row.seconds)
              for row, code in rows]
    return PlayReport(rows=listed, total_plays=sum(r.plays for r in listed),
                      total_seconds=sum(r.seconds for r in listed))


@route(bp, "/screens/<code>/plays", "GET", summary="Proof of play of one screen, per item "
       "per hour", tag=TAG, query=PlaysQuery, response=PlayReport)
def screen_plays(code: str, query: PlaysQuery):
    screen = screen_for(code)
    return _hours(query, LedPlayHour.screen_id == screen.id)


@route(bp, "/plays", "GET", summary="Proof of play of one post on every screen, per hour",
       tag=TAG, query=PostPlaysQuery, response=PlayReport)
def post_plays(query: PostPlaysQuery):
    post = post_for(query.post)
    return _hours(query, LedPlayHour.post_id == post.id)


class ItemOut(BaseModel):
    id: int
    outlet: str
    post_id: int | None
    post_version: int
    role: str
    title: str
    duration_seconds: int
    priority: int
    share_of_voice: int
    schedule: list[dict]
    sizes: list[str]
    skipped: dict
    live: bool
    plays: int


@route(bp, "/items/<int:item_id>", "GET", summary="One playlist item: where it plays, which "
       "screens could not show it, and its play count", tag=TAG, response=ItemOut)
def get_item(item_id: int):
    item = g.db.get(LedItem, item_id)
    if item is None:
        raise NotFound(f"没有编号为 {item_id} 的节目", field="item")
    outlet = ports.outlet(g.db, item.outlet_id)
    ports.require_role(g.db, g.user, outlet.account_code, *READERS)
    plays = g.db.scalar(select(func.coalesce(func.sum(LedPlayHour.plays), 0)).where(
        LedPlayHour.item_id == item.id))
    return ItemOut(id=item.id, outlet=outlet.key, post_id=item.post_id,
                   post_version=item.post_version, role=item.role, title=item.title,
                   duration_seconds=item.duration_seconds, priority=item.priority,
                   share_of_voice=item.share_of_voice, schedule=item.schedule or [],
                   sizes=sorted(f"{r.width}x{r.height}" for r in item.renditions),
                   skipped=item.skipped or {}, live=item.withdrawn_at is None,
                   plays=int(plays))
