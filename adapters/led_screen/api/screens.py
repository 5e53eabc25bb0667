"""LED editors' API, screens: register and change them, device tokens and pairing, what
each pulls and whether it is online."""

from __future__ import annotations

from flask import g, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from adapters.led_screen import playlist, publishing, schedule, services
from adapters.led_screen.api.common import READERS, TAG, ListQuery, bp
from adapters.led_screen.models import Screen
from hub import ports
from hub.api import refuse_nulls, route
from hub.clock import local_iso
from hub.ports import root_of, utcnow


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


class PlaylistView(BaseModel):
    playlist: dict
    now_playing: list[dict] = Field(description="此刻应轮播的节目（按排期、优先级、插播计算）")



# -- helpers ---------------------------------------------------------------------------------

def screen_out(screen: Screen) -> ScreenOut:
    return ScreenOut(
        code=screen.code, account=services.owner_of(g.db, screen).code, name=screen.name,
        place=screen.place,
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


def screen_for(code: str, *roles: str) -> Screen:
    screen = services.get_screen(g.db, code)
    ports.require_role(g.db, g.user, services.owner_of(g.db, screen).code,
                       *(roles or READERS))
    return screen


def screens_by_code(codes: list[str]) -> list[Screen]:
    return [services.get_screen(g.db, code) for code in codes]


def _fields(body: ScreenFields) -> dict:
    data = body.model_dump(exclude_unset=True)
    data.pop("account", None)
    data.pop("code", None)
    data.pop("groups", None)
    return data


# -- routes ----------------------------------------------------------------------------------

@route(bp, "/screens", "GET", summary="Screens of an account and its subtree, online or "
       "offline", tag=TAG, query=ListQuery, response=ScreenList)
def list_screens(query: ListQuery):
    ports.require_role(g.db, g.user, query.account, *READERS)
    screens = g.db.scalars(select(Screen).where(
        Screen.account_id.in_(ports.subtree_ids(g.db, query.account))).order_by(Screen.code))
    listed = [screen_out(s) for s in screens]
    online = sum(1 for s in listed if s.online)
    return ScreenList(screens=listed, online=online, offline=len(listed) - online)


@route(bp, "/screens", "POST", summary="Register a screen (admin): exact canvas size, "
       "place, controller, brightness and on/off times", tag=TAG, body=ScreenCreate,
       response=ScreenOut, status=201, errors=(409,))
def create_screen(body: ScreenCreate):
    account = ports.account(g.db, body.account)
    ports.require_role(g.db, g.user, account.code, "admin")
    screen = services.create_screen(g.db, account, body.code, _fields(body), actor=g.user)
    for code in body.groups:
        group = services.get_group(g.db, code)
        services.set_members(g.db, group, [*group.screens, screen], actor=g.user)
    publishing.redraw_for_screen(g.db, screen)
    return screen_out(screen)


@route(bp, "/screens/<code>", "GET", summary="One screen", tag=TAG, response=ScreenOut)
def get_screen(code: str):
    return screen_out(screen_for(code))


@route(bp, "/screens/<code>", "PATCH", summary="Change a screen (admin); its next poll gets "
       "the change", tag=TAG, body=ScreenFields, response=ScreenOut)
def update_screen(code: str, body: ScreenFields):
    screen = screen_for(code, "admin")
    services.update_screen(g.db, screen, refuse_nulls(_fields(body), Screen), actor=g.user)
    publishing.redraw_for_screen(g.db, screen)
    return screen_out(screen)


@route(bp, "/screens/<code>/token", "POST", summary="Issue a new device token (admin); the "
       "old one stops working at once", tag=TAG, response=TokenOut, status=201)
def rotate_token(code: str):
    screen = screen_for(code, "admin")
    return TokenOut(screen=screen.code, token=services.issue_token(g.db, screen, actor=g.user))


@route(bp, "/screens/<code>/token", "DELETE", summary="Revoke the screen's device token "
       "(admin)", tag=TAG, response=ScreenOut)
def revoke_token(code: str):
    screen = screen_for(code, "admin")
    services.revoke_token(g.db, screen, actor=g.user)
    return screen_out(screen)


@route(bp, "/screens/<code>/pair", "POST", summary="Pair the controller showing this code "
       "with the screen (admin)", tag=TAG, body=PairIn, response=ScreenOut, errors=(409,))
def pair_screen(code: str, body: PairIn):
    screen = screen_for(code, "admin")
    services.claim_pairing(g.db, screen, body.pairing_code, actor=g.user)
    return screen_out(screen)


@route(bp, "/screens/<code>/playlist", "GET", summary="What the screen pulls, and what it "
       "should be playing now", tag=TAG, response=PlaylistView)
def screen_playlist(code: str):
    screen = screen_for(code)
    now = utcnow()
    document = playlist.build(g.db, screen, root_of(request.environ), now)
    return PlaylistView(playlist=document,
                        now_playing=schedule.program(document["items"], now))


