"""Editors' API for the app splash: slots, a promotion's splash options (with the rules it
breaks), a preview per slot, and impressions and clicks per item."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from flask import Blueprint, g
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from adapters.app_splash import rules, services
from adapters.app_splash.models import SplashDailyCount, SplashItem, SplashSlot
from hub import ports
from hub.api import route
from hub.clock import local_iso
from hub.errors import NotFound

bp = Blueprint("splash_api", __name__, url_prefix="/api/v1/splash")
TAG = "splash"
READERS = ("author", "reviewer", "admin")


class SlotOut(BaseModel):
    code: str
    name: str
    account: str
    sizes: list[list[int]]
    version: int
    live_items: int


class SlotList(BaseModel):
    slots: list[SlotOut]


class OptionsOut(BaseModel):
    options: rules.SplashOptions
    problems: list[str] = Field(description="发布前必须解决的问题（开屏规范等）")


class OutletPreview(BaseModel):
    outlet: str
    slot: str | None
    sizes: list[list[int]]
    problems: list[str]


class PostPreview(BaseModel):
    post_id: int
    outlets: list[OutletPreview]
    manifest_entry: dict = Field(description="发布后 App 在 manifest 中看到的字段")


class DayRow(BaseModel):
    item_id: int
    post_id: int | None
    day: str
    impressions: int
    clicks: int
    skips: int


class StatsOut(BaseModel):
    rows: list[DayRow]
    impressions: int
    clicks: int
    skips: int
    click_rate: float


@route(bp, "/slots", "GET", summary="The app's splash slots", tag=TAG, response=SlotList)
def list_slots():
    slots = g.db.scalars(select(SplashSlot).order_by(SplashSlot.code))
    return SlotList(slots=[_slot_out(slot) for slot in slots])


class SlotFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    sizes: list[Annotated[list[int], Field(min_length=2, max_length=2)]] = Field(
        min_length=1, max_length=services.MAX_SIZES, description="[[宽, 高], ...]，像素")


class SlotCreate(SlotFields):
    account: str
    code: str = Field(description="小写字母、数字、横线；App 拉取 manifest 时使用")


def _slot_out(slot: SplashSlot) -> SlotOut:
    live = g.db.scalar(select(func.count(SplashItem.id)).where(
        SplashItem.slot_id == slot.id, SplashItem.withdrawn_at.is_(None)))
    return SlotOut(code=slot.code, name=slot.name,
                   account=ports.account_by_id(g.db, slot.account_id).code,
                   sizes=slot.sizes, version=slot.version, live_items=live)


@route(bp, "/slots", "POST", summary="Create a splash slot (admins of its account; audited)",
       tag=TAG, body=SlotCreate, response=SlotOut, status=201, errors=(403, 409))
def create_slot(body: SlotCreate):
    account = ports.account(g.db, body.account)
    ports.require_role(g.db, g.user, account.code, "admin")
    slot = services.create_slot(g.db, account, body.code, body.name, body.sizes, actor=g.user)
    return _slot_out(slot)


@route(bp, "/slots/<code>", "PUT", summary="Rename a splash slot or change its sizes (admins "
       "of its account; audited)", tag=TAG, body=SlotFields, response=SlotOut,
       errors=(403, 404))
def update_slot(code: str, body: SlotFields):
    slot = services.get_slot(g.db, code)
    ports.require_role(g.db, g.user, ports.account_by_id(g.db, slot.account_id).code, "admin")
    services.update_slot(g.db, slot, body.name, body.sizes, actor=g.user)
    g.db.flush()
    g.db.refresh(slot)
    return _slot_out(slot)


class AppKeyOut(BaseModel):
    slot: str
    app_key: str = Field(description="只在签发时返回一次；App 上报曝光、点击时以 "
                         "Authorization: Bearer 发送")


@route(bp, "/slots/<code>/app-key", "POST", summary="Issue the slot's app key for impression "
       "and click reports (admins of the slot's account; the old key stops working)", tag=TAG,
       response=AppKeyOut, status=201, errors=(403, 404))
def issue_app_key(code: str):
    slot = services.get_slot(g.db, code)
    ports.require_role(g.db, g.user, ports.account_by_id(g.db, slot.account_id).code, "admin")
    return AppKeyOut(slot=slot.code, app_key=services.issue_app_key(g.db, slot, actor=g.user))


def _post_for(post_id: int):
    post = ports.post_info(g.db, post_id)
    ports.require_role(g.db, g.user, post.account_code, *READERS)
    return post


@route(bp, "/posts/<int:post_id>/options", "GET", summary="A promotion's splash options (a "
       "pending change's, if one waits) and the rules they break", tag=TAG, response=OptionsOut)
def get_options(post_id: int):
    settings = rules.STORE.editing(g.db, g.user, post_id)
    return OptionsOut(options=settings, problems=rules.problems(settings))


@route(bp, "/posts/<int:post_id>/options", "PUT", summary="Set a promotion's splash options: "
       "window, priority, daily cap, targeting, link, skip rules (publishing refuses a splash "
       "that breaks the rules). Part of the post's words: a new revision; on a live post of an "
       "account that requires review, a pending change the app gets only once a second person "
       "approves it", tag=TAG, body=rules.SplashOptions, response=OptionsOut)
def put_options(post_id: int, body: rules.SplashOptions):
    rules.STORE.save(g.db, g.user, post_id, body)
    return OptionsOut(options=body, problems=rules.problems(body))


@route(bp, "/posts/<int:post_id>/preview", "GET", summary="The promotion as a splash in every "
       "slot it would reach, and why it could not go out", tag=TAG, response=PostPreview)
def preview(post_id: int):
    post = _post_for(post_id)
    accounts = [account.id for account in ports.reached_accounts(g.db, post_id)]
    outlets = ports.outlets(g.db, services.CHANNEL, account_ids=accounts)
    listed = []
    settings = rules.STORE.parse(ports.post_snapshot(g.db, post_id, services.CHANNEL,
                                                     post.account_code, public_url="").options)
    for outlet in outlets:
        slot = services.slot_for_outlet(g.db, outlet.key, outlet.config)
        # As delivery will see it ("splash" overrides applied); media by the hub's own path.
        source = services.load_source(g.db, ports.post_snapshot(
            g.db, post_id, services.CHANNEL, outlet.account_code, public_url=""))
        sizes = slot.sizes if slot else []
        found = services.problems(source, sizes) if slot else ["开屏位不存在"]
        listed.append(OutletPreview(outlet=outlet.key, slot=slot.code if slot else None,
                                    sizes=sizes, problems=found))
    entry = {"title": post.title, "priority": settings.priority,
             "daily_cap": settings.daily_cap, "rules": settings.app_rules(),
             "link": settings.link.model_dump(mode="json", exclude_none=True)}
    return PostPreview(post_id=post.id, outlets=listed, manifest_entry=entry)


class StatsQuery(BaseModel):
    since: dt.date | None = Field(default=None, description="从这一天起（YYYY-MM-DD，北京时间）")


def _stats(where, since: dt.date | None) -> StatsOut:
    query = select(SplashDailyCount).where(where).order_by(SplashDailyCount.day,
                                                           SplashDailyCount.item_id)
    if since:
        query = query.where(SplashDailyCount.day >= since)
    rows = [DayRow(item_id=r.item_id, post_id=r.post_id, day=r.day.isoformat(),
                   impressions=r.impressions, clicks=r.clicks, skips=r.skips)
            for r in g.db.scalars(query)]
    impressions = sum(r.impressions for r in rows)
    clicks = sum(r.clicks for r in rows)
    return StatsOut(rows=rows, impressions=impressions, clicks=clicks,
                    skips=sum(r.skips for r in rows),
                    click_rate=round(clicks / impressions, 4) if impressions else 0.0)


@route(bp, "/posts/<int:post_id>/stats", "GET", summary="Impressions, clicks and skips of a "
       "promotion's splash, per item per day", tag=TAG, query=StatsQuery, response=StatsOut)
def post_stats(post_id: int, query: StatsQuery):
    post = _post_for(post_id)
    return _stats(SplashDailyCount.post_id == post.id, query.since)


class ItemOut(BaseModel):
    id: int
    slot: str
    post_id: int | None
    title: str
    starts_at: str | None
    ends_at: str | None
    priority: int
    daily_cap: int | None
    regions: list[str]
    accounts: list[str]
    link: dict
    rules: dict
    is_default: bool
    live: bool
    sizes: list[str]
    stats: StatsOut


@route(bp, "/items/<int:item_id>", "GET", summary="One splash item and its counts", tag=TAG,
       query=StatsQuery, response=ItemOut)
def get_item(item_id: int, query: StatsQuery):
    item = g.db.get(SplashItem, item_id)
    if item is None:
        raise NotFound(f"没有编号为 {item_id} 的开屏", field="item")
    slot = g.db.get(SplashSlot, item.slot_id)
    outlet = ports.outlet(g.db, item.outlet_id) if item.outlet_id else None
    owner = outlet.account_code if outlet else ports.account_by_id(g.db, slot.account_id).code
    ports.require_role(g.db, g.user, owner, *READERS)
    return ItemOut(id=item.id, slot=slot.code, post_id=item.post_id, title=item.title,
                   starts_at=local_iso(item.starts_at), ends_at=local_iso(item.ends_at),
                   priority=item.priority, daily_cap=item.daily_cap,
                   regions=item.regions or [], accounts=item.accounts or [],
                   link=item.link or {}, rules=item.rules or {}, is_default=item.is_default,
                   live=item.withdrawn_at is None,
                   sizes=[f"{i.width}x{i.height}" for i in item.images],
                   stats=_stats(SplashDailyCount.item_id == item.id, query.since))

