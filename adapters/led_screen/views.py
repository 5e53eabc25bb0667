"""Editors' API for LED screens: register screens and groups, tokens and pairing, see which
are online and what they play, set a post's LED options and preview it per screen."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, g, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from adapters.led_screen import options, playlist, publishing, schedule, services
from adapters.led_screen.models import LedItem, LedPlayHour, LedPostOptions, Screen, ScreenGroup
from adapters.led_screen.store import attach_from_app
from hub import api
from hub.accounts.models import Account
from hub.accounts.services import get_account
from hub.api import refuse_nulls, route
from hub.clock import as_utc, local_iso
from hub.db import utcnow
from hub.errors import BadRequest, NotFound
from hub.outlets.models import Outlet
from hub.posts.services import get_post
from hub.pull.conditional import root_of
from hub.users.permissions import require_role

bp = Blueprint("led_api", __name__, url_prefix="/api/v1/led")
bp.record(attach_from_app)
TAG = "led"
READERS = ("author", "reviewer", "admin")


# -- shapes ----------------------------------------------------------------------------------

class BrightnessStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: str = Field(description="HH:MM（北京时间）")
    percent: int = Field(ge=0, le=100)


class ScreenFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    place: str | None = Field(default=None, max_length=200)
    width: int | None = Field(default=None, ge=1, le=services.MAX_SIDE, description="像素")
    height: int | None = Field(default=None, ge=1, le=services.MAX_SIDE)
    orientation: str | None = Field(default=None, description="landscape / portrait")
    controller: str | None = Field(default=None, description="novastar / colorlight / huidu "
                                   "/ xixun / generic")
    draws_text: bool | None = None
    brightness: list[BrightnessStep] | None = None
    on_time: str | None = Field(default=None, description="开屏时间 HH:MM")
    off_time: str | None = Field(default=None, description="关屏时间 HH:MM")
    poll_seconds: int | None = Field(default=None, ge=3, le=3600)
    min_poll_seconds: int | None = Field(default=None, ge=0, le=3600)


class ScreenCreate(ScreenFields):
    account: str
    code: str
    name: str = Field(min_length=1, max_length=100)
    width: int = Field(ge=1, le=services.MAX_SIDE)
    height: int = Field(ge=1, le=services.MAX_SIDE)
    groups: list[str] = Field(default_factory=list, description="加入的屏幕组代码")


class ScreenOut(BaseModel):
    code: str
    account: str
    name: str
    place: str
    width: int
    height: int
    orientation: str
    controller: str
    draws_text: bool
    brightness: list[dict]
    on_time: str | None
    off_time: str | None
    poll_seconds: int
    min_poll_seconds: int
    groups: list[str]
    online: bool
    last_seen_at: str | None
    last_poll_at: str | None
    last_heartbeat_at: str | None
    has_token: bool
    token_issued_at: str | None
    playlist_version: int
    reported_status: dict


class ScreenList(BaseModel):
    screens: list[ScreenOut]
    online: int
    offline: int


class TokenOut(BaseModel):
    screen: str
    token: str = Field(description="只显示这一次，请写入控制器")


class PairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pairing_code: str = Field(min_length=4, max_length=12)


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str
    code: str
    name: str = Field(min_length=1, max_length=100)
    screens: list[str] = Field(default_factory=list)


class MembersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    screens: list[str]


class GroupOut(BaseModel):
    code: str
    account: str
    name: str
    screens: list[str]


class GroupList(BaseModel):
    groups: list[GroupOut]


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


class PlaylistView(BaseModel):
    playlist: dict
    now_playing: list[dict] = Field(description="此刻应轮播的节目（按排期、优先级、插播计算）")


class ScreenPreview(BaseModel):
    screen: str
    width: int
    height: int
    kind: str
    problems: list[str]
    preview_url: str | None


class OutletPreview(BaseModel):
    outlet: str
    name: str
    screens: list[ScreenPreview]
    problems: list[str]


class PostPreview(BaseModel):
    post_id: int
    options: dict
    outlets: list[OutletPreview]


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str


# -- helpers ---------------------------------------------------------------------------------

def screen_out(screen: Screen) -> ScreenOut:
    return ScreenOut(
        code=screen.code, account=screen.account.code, name=screen.name, place=screen.place,
        width=screen.width, height=screen.height, orientation=screen.orientation,
        controller=screen.controller, draws_text=screen.draws_text,
        brightness=screen.brightness or [], on_time=screen.on_time, off_time=screen.off_time,
        poll_seconds=screen.poll_seconds, min_poll_seconds=screen.min_poll_seconds,
        groups=sorted(group.code for group in screen.groups),
        online=services.is_online(screen), last_seen_at=local_iso(services.last_seen(screen)),
        last_poll_at=local_iso(screen.last_poll_at),
        last_heartbeat_at=local_iso(screen.last_heartbeat_at),
        has_token=screen.token_hash is not None,
        token_issued_at=local_iso(screen.token_issued_at),
        playlist_version=screen.playlist_version, reported_status=screen.reported_status or {})


def _screen_for(code: str, *roles: str) -> Screen:
    screen = services.get_screen(g.db, code)
    require_role(g.db, g.user, screen.account, *(roles or READERS))
    return screen


def _screens(codes: list[str]) -> list[Screen]:
    return [services.get_screen(g.db, code) for code in codes]


def _fields(body: ScreenFields) -> dict:
    data = body.model_dump(exclude_unset=True)
    data.pop("account", None)
    data.pop("code", None)
    data.pop("groups", None)
    return data


# -- screens ---------------------------------------------------------------------------------

@route(bp, "/screens", "GET", summary="Screens of an account and its subtree, online or "
       "offline", tag=TAG, query=ListQuery, response=ScreenList)
def list_screens(query: ListQuery):
    account = get_account(g.db, query.account)
    require_role(g.db, g.user, account, *READERS)
    screens = g.db.scalars(select(Screen).join(Account).where(
        Account.path.startswith(account.path)).order_by(Screen.code))
    listed = [screen_out(s) for s in screens]
    online = sum(1 for s in listed if s.online)
    return ScreenList(screens=listed, online=online, offline=len(listed) - online)


@route(bp, "/screens", "POST", summary="Register a screen (admin): exact canvas size, "
       "place, controller, brightness and on/off times", tag=TAG, body=ScreenCreate,
       response=ScreenOut, status=201, errors=(409,))
def create_screen(body: ScreenCreate):
    account = get_account(g.db, body.account)
    require_role(g.db, g.user, account, "admin")
    screen = services.create_screen(g.db, account, body.code, _fields(body), actor=g.user)
    for code in body.groups:
        group = services.get_group(g.db, code)
        services.set_members(g.db, group, [*group.screens, screen], actor=g.user)
    publishing.redraw_for_screen(g.db, screen)
    return screen_out(screen)


@route(bp, "/screens/<code>", "GET", summary="One screen", tag=TAG, response=ScreenOut)
def get_screen(code: str):
    return screen_out(_screen_for(code))


@route(bp, "/screens/<code>", "PATCH", summary="Change a screen (admin); its next poll gets "
       "the change", tag=TAG, body=ScreenFields, response=ScreenOut)
def update_screen(code: str, body: ScreenFields):
    screen = _screen_for(code, "admin")
    services.update_screen(g.db, screen, refuse_nulls(_fields(body), Screen), actor=g.user)
    publishing.redraw_for_screen(g.db, screen)
    return screen_out(screen)


@route(bp, "/screens/<code>/token", "POST", summary="Issue a new device token (admin); the "
       "old one stops working at once", tag=TAG, response=TokenOut, status=201)
def rotate_token(code: str):
    screen = _screen_for(code, "admin")
    return TokenOut(screen=screen.code, token=services.issue_token(g.db, screen, actor=g.user))


@route(bp, "/screens/<code>/token", "DELETE", summary="Revoke the screen's device token "
       "(admin)", tag=TAG, response=ScreenOut)
def revoke_token(code: str):
    screen = _screen_for(code, "admin")
    services.revoke_token(g.db, screen, actor=g.user)
    return screen_out(screen)


@route(bp, "/screens/<code>/pair", "POST", summary="Pair the controller showing this code "
       "with the screen (admin)", tag=TAG, body=PairIn, response=ScreenOut, errors=(409,))
def pair_screen(code: str, body: PairIn):
    screen = _screen_for(code, "admin")
    services.claim_pairing(g.db, screen, body.pairing_code, actor=g.user)
    return screen_out(screen)


@route(bp, "/screens/<code>/playlist", "GET", summary="What the screen pulls, and what it "
       "should be playing now", tag=TAG, response=PlaylistView)
def screen_playlist(code: str):
    screen = _screen_for(code)
    now = utcnow()
    document = playlist.build(g.db, screen, root_of(request.environ), now)
    return PlaylistView(playlist=document,
                        now_playing=schedule.program(document["items"], now))


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
    screen = _screen_for(code)
    return _hours(query, LedPlayHour.screen_id == screen.id)


@route(bp, "/plays", "GET", summary="Proof of play of one post on every screen, per hour",
       tag=TAG, query=PostPlaysQuery, response=PlayReport)
def post_plays(query: PostPlaysQuery):
    post = get_post(g.db, query.post)
    require_role(g.db, g.user, post.account, *READERS)
    return _hours(query, LedPlayHour.post_id == post.id)


# -- groups ----------------------------------------------------------------------------------

def group_out(group: ScreenGroup) -> GroupOut:
    return GroupOut(code=group.code, account=group.account.code, name=group.name,
                    screens=[s.code for s in group.screens])


@route(bp, "/groups", "GET", summary="Screen groups of an account and its subtree", tag=TAG,
       query=ListQuery, response=GroupList)
def list_groups(query: ListQuery):
    account = get_account(g.db, query.account)
    require_role(g.db, g.user, account, *READERS)
    groups = g.db.scalars(select(ScreenGroup).join(Account).where(
        Account.path.startswith(account.path)).order_by(ScreenGroup.code))
    return GroupList(groups=[group_out(group) for group in groups])


@route(bp, "/groups", "POST", summary="Create a screen group (admin); bind it as an outlet "
       "of channel led with the group's code as key", tag=TAG, body=GroupIn,
       response=GroupOut, status=201, errors=(409,))
def create_group(body: GroupIn):
    account = get_account(g.db, body.account)
    require_role(g.db, g.user, account, "admin")
    group = services.create_group(g.db, account, body.code, body.name, actor=g.user)
    services.set_members(g.db, group, _screens(body.screens), actor=g.user)
    return group_out(group)


@route(bp, "/groups/<code>/screens", "PUT", summary="Set a group's screens (admin)", tag=TAG,
       body=MembersIn, response=GroupOut)
def set_members(code: str, body: MembersIn):
    group = services.get_group(g.db, code)
    require_role(g.db, g.user, group.account, "admin")
    screens = _screens(body.screens)
    services.set_members(g.db, group, screens, actor=g.user)
    for screen in screens:
        publishing.redraw_for_screen(g.db, screen)
    return group_out(group)


# -- posts -----------------------------------------------------------------------------------

def _post_for(post_id: int):
    post = get_post(g.db, post_id)
    require_role(g.db, g.user, post.account, *READERS)
    return post


@route(bp, "/posts/<int:post_id>/options", "GET", summary="A post's LED options", tag=TAG,
       response=options.LedOptions)
def get_options(post_id: int):
    _post_for(post_id)
    row = g.db.get(LedPostOptions, post_id)
    return options.load(row.settings if row else None)


@route(bp, "/posts/<int:post_id>/options", "PUT", summary="Set a post's LED options: form, "
       "duration, schedule windows, priority, interrupt, share of voice (used by its next "
       "delivery)", tag=TAG, body=options.LedOptions, response=options.LedOptions)
def put_options(post_id: int, body: options.LedOptions):
    _post_for(post_id)
    row = g.db.get(LedPostOptions, post_id) or LedPostOptions(post_id=post_id)
    row.settings = body.model_dump(mode="json")
    row.updated_at = utcnow()
    g.db.add(row)
    return body


def _led_outlets(post) -> list[Outlet]:
    from hub.outlets.services import reached_accounts

    accounts = [account.id for account, _ in reached_accounts(g.db, post)]
    return list(g.db.scalars(select(Outlet).where(
        Outlet.channel == services.CHANNEL, Outlet.account_id.in_(accounts),
        Outlet.enabled.is_(True)).order_by(Outlet.id)))


@route(bp, "/posts/<int:post_id>/preview", "GET", summary="The post on every LED screen it "
       "would reach: what each gets and why it could not be shown", tag=TAG,
       response=PostPreview)
def preview(post_id: int):
    post = _post_for(post_id)
    outlets = []
    for outlet in _led_outlets(post):
        snapshot = publishing.post_snapshot(g.db, post, outlet)
        source = publishing.load_source(g.db, snapshot)
        screens = [publishing.screen_info(s) for s in services.screens_for_key(g.db, outlet.key)]
        found = publishing.problems_by_screen(source, screens)
        listed = [ScreenPreview(
            screen=s.code, width=s.width, height=s.height,
            kind=publishing.kind_for(source, s), problems=found.get(s.code, []),
            preview_url=f"/api/v1/led/posts/{post.id}/preview.img?screen={s.code}"
            if publishing.kind_for(source, s) == "image" else None) for s in screens]
        outlets.append(OutletPreview(outlet=outlet.key, name=outlet.name, screens=listed,
                                     problems=publishing.describe_problems(found, screens)))
    row = g.db.get(LedPostOptions, post.id)
    return PostPreview(post_id=post.id, options=options.load(row.settings if row else None)
                       .model_dump(mode="json"), outlets=outlets)


class PreviewImageQuery(BaseModel):
    screen: str = Field(description="屏幕代码")


@bp.get("/posts/<int:post_id>/preview.img")
def preview_image(post_id: int):
    """The picture a screen would get for the post (editors' bearer token)."""
    from hub.users.services import current_user_from_request

    g.user = current_user_from_request(g.db)
    post = _post_for(post_id)
    code = request.args.get("screen", "")
    if not code:
        raise BadRequest("缺少 screen 参数", field="screen")
    screen = services.get_screen(g.db, code)
    outlets = [o for o in _led_outlets(post) if o.key in services.outlet_keys_for(g.db, screen)]
    outlet = outlets[0] if outlets else None
    if outlet is None:
        raise NotFound(f"稿件 {post.id} 不会投放到屏幕 {code}", field="screen")
    source = publishing.load_source(g.db, publishing.post_snapshot(g.db, post, outlet))
    picture = publishing.draw_sizes(source, [publishing.screen_info(screen)])
    if not picture:
        raise BadRequest("该屏幕收到的不是图片（文字或视频）", field="screen")
    return Response(picture[0].data, mimetype=picture[0].mime_type,
                    headers={"Cache-Control": "private, no-store"})


api.OPERATIONS.append(api.Operation(
    "get", "/api/v1/led/posts/{post_id}/preview.img", "The picture one screen would get for "
    "the post (query: screen), at its exact canvas size", TAG, errors=(404,),
    query=PreviewImageQuery, media_type="image/png",
    path_types={"post_id": api.INTEGER_PARAMETER}))


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
    outlet = g.db.get(Outlet, item.outlet_id)
    require_role(g.db, g.user, outlet.account, *READERS)
    plays = g.db.scalar(select(func.coalesce(func.sum(LedPlayHour.plays), 0)).where(
        LedPlayHour.item_id == item.id))
    return ItemOut(id=item.id, outlet=outlet.key, post_id=item.post_id,
                   post_version=item.post_version, role=item.role, title=item.title,
                   duration_seconds=item.duration_seconds, priority=item.priority,
                   share_of_voice=item.share_of_voice, schedule=item.schedule or [],
                   sizes=sorted(f"{r.width}x{r.height}" for r in item.renditions),
                   skipped=item.skipped or {}, live=item.withdrawn_at is None,
                   plays=int(plays))
