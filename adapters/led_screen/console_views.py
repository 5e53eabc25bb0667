"""The account's screens in the console (`console_pages`): per screen its kind (the hub's own
pull protocol, a Xibo player), when it was last seen, its last screenshot, what it plays now
and its plays per day; Xibo players waiting for approval, approved from here by an admin.
An admin also registers a screen of the hub's own protocol here and, on the screen's page,
pairs its controller by the code it shows, issues a new device token (shown that once) or
revokes it, sets its on/off times and brightness steps, and puts it into screen groups (or
makes one, bound as the account's LED outlet): a screen in no group gets nothing to play.
The same services, checks and audit records as the editors' API (`/api/v1/led/screens`).

The page is the console's: hub.console.outlet_pages runs the console's guards (login, CSRF,
session freshness) and headers around every outlet page and answers its HubErrors as the
console does (a refused form of one screen goes back to that screen's page, see the channel's
`console_refusal_page`), so this adapter needs no import of the console.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from adapters.led_screen import controllers, operated, playlist, publishing, schedule, services
from adapters.led_screen.models import (
    LedItem,
    LedOperatedSlot,
    LedPlayHour,
    Screen,
    XiboDisplay,
)
from adapters.led_screen.xmds import service as xibo
from hub import ports
from hub.clock import SHANGHAI
from hub.errors import BadRequest, NotFound
from hub.ports import root_of, utcnow

bp = Blueprint("led_console", __name__, url_prefix="/console", template_folder="templates")
PLAY_DAYS = 7
KIND_LABELS = {"xibo": "Xibo 播放器（XMDS）", "pull": "自有协议（拉取节目单）",
               "operated": "运营方代播"}


def _days(today: dt.date) -> list[dt.date]:
    return [today - dt.timedelta(days=n) for n in range(PLAY_DAYS - 1, -1, -1)]


def _plays_per_day(db, screen_ids: list[int], days: list[dt.date]) -> dict[int, list[int]]:
    start = dt.datetime.combine(days[0], dt.time(), SHANGHAI).astimezone(dt.UTC)
    counts = {screen_id: dict.fromkeys(days, 0) for screen_id in screen_ids}
    rows = db.execute(select(LedPlayHour.screen_id, LedPlayHour.hour, LedPlayHour.plays).where(
        LedPlayHour.screen_id.in_(screen_ids), LedPlayHour.hour >= start)) if screen_ids else []
    for screen_id, hour, plays in rows:
        day = hour.astimezone(SHANGHAI).date()
        if day in counts[screen_id]:
            counts[screen_id][day] += plays
    return {screen_id: list(by_day.values()) for screen_id, by_day in counts.items()}


def _packages(db, screen: Screen) -> list[dict]:
    """The operated screen's packages with their signed links (for the operator)."""
    secret, root, now = current_app.config["HUB"].secret(), root_of(request.environ), utcnow()
    return [{"title": p.item.title, "withdrawn": p.withdrawn, "md5": p.md5,
             "link": operated.link(secret, root, screen.code, p.item.id, now)}
            for p in operated.packages(db, screen, with_withdrawn=True)]


def _kind(display: XiboDisplay | None, slot: LedOperatedSlot | None) -> str:
    if slot is not None:
        return f"{KIND_LABELS['operated']}（{slot.operator}）"
    return KIND_LABELS["xibo" if display else "pull"]


def _row(db, screen: Screen, display: XiboDisplay | None, slot: LedOperatedSlot | None,
         plays: list[int]) -> dict:
    playing_id = (screen.reported_status or {}).get("playing_item_id")
    playing = db.get(LedItem, playing_id) if isinstance(playing_id, int) else None
    screenshot = None
    if display is not None and display.screenshot_sha256:
        screenshot = url_for("led.led_protocol.get_file", sha256=display.screenshot_sha256,
                             extension="png")
    return {"screen": screen, "kind": _kind(display, slot), "operated": slot is not None,
            "packages": _packages(db, screen) if slot else [],
            "online": services.is_online(screen), "last_seen": services.last_seen(screen),
            "screenshot": screenshot, "screenshot_at": display.screenshot_at if display else None,
            "playing": playing.title if playing else None, "plays": plays}


@bp.get("/a/<code>/screens")
def screens(code: str):
    account = ports.account(g.db, code)
    roles = ports.require_role(g.db, g.user, code, "admin", "reviewer", "author")
    found = list(g.db.scalars(select(Screen).where(
        Screen.account_id.in_(ports.subtree_ids(g.db, code))).order_by(Screen.code)))
    displays = {d.screen_id: d for d in g.db.scalars(select(XiboDisplay).where(
        XiboDisplay.screen_id.in_([s.id for s in found])))} if found else {}
    days = _days(utcnow().astimezone(SHANGHAI).date())
    plays = _plays_per_day(g.db, [s.id for s in found], days)
    slots = {slot.screen_id: slot for slot in g.db.scalars(select(LedOperatedSlot).where(
        LedOperatedSlot.screen_id.in_([s.id for s in found])))} if found else {}
    rows = [_row(g.db, s, displays.get(s.id), slots.get(s.id), plays[s.id]) for s in found]
    return render_template("led/screens.html", account=account, page="led-screens", rows=rows,
                           days=days, waiting=xibo.waiting_displays(g.db),
                           may_approve="admin" in roles, may_register="admin" in roles,
                           controllers=controllers.PROFILES,
                           groups=services.joinable_groups(g.db, account))


@bp.post("/a/<code>/screens/approve")
def approve(code: str):
    account = ports.account(g.db, code)
    ports.require_role(g.db, g.user, code, "admin")
    form = request.form
    display = xibo.get_display(g.db, form.get("hardware_key", ""))
    width, height = _size(form.get("width", ""), "width"), _size(form.get("height", ""),
                                                                 "height")
    screen = xibo.approve(g.db, display, account, form.get("code", "").strip(),
                          name=form.get("name", "").strip() or None, width=width,
                          height=height, actor=g.user)
    g.db.commit()
    flash(f"已批准：{screen.name}（{screen.code}，{screen.width}×{screen.height}）", "ok")
    return redirect(url_for(".screens", code=code))


def _size(value: str, field: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= services.MAX_SIDE:
        side = "宽" if field == "width" else "高"
        raise BadRequest(f"{side}应为 1–{services.MAX_SIDE} 的整数像素", field=field)
    return int(value)


# -- registering and running a screen of the hub's own protocol ----------------------------

BRIGHTNESS_ROWS = 4  # steps offered on the form; blank rows are left out


def _text(name: str, limit: int) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def _clock(name: str) -> str | None:
    """A time field ("HH:MM" from the browser), None when left blank."""
    return (request.form.get(name) or "").strip() or None


def _brightness() -> list[dict]:
    steps = []
    for i in range(BRIGHTNESS_ROWS):
        at, percent = _clock(f"brightness_at_{i}"), _text(f"brightness_percent_{i}", 4)
        if not at and not percent:
            continue
        if not at:
            raise BadRequest(f"第 {i + 1} 行亮度缺少时间", field=f"brightness.{i}.at")
        if not percent.isdigit() or not 0 <= int(percent) <= 100:
            raise BadRequest(f"第 {i + 1} 行亮度应为 0–100 的整数",
                             field=f"brightness.{i}.percent")
        steps.append({"at": at, "percent": int(percent)})
    return sorted(steps, key=lambda step: step["at"])


@bp.post("/a/<code>/screens/register")
def register(code: str):
    account = ports.account(g.db, code)
    ports.require_role(g.db, g.user, code, "admin")
    width, height = _size(request.form.get("width", ""), "width"), _size(
        request.form.get("height", ""), "height")
    if width is None or height is None:
        raise BadRequest("请填写屏幕的宽和高（像素）", field="width" if width is None else "height")
    fields = {"name": _text("name", 100) or None, "place": _text("place", 200),
              "width": width, "height": height,
              "controller": request.form.get("controller") or "generic"}
    if fields["name"] is None:
        raise BadRequest("请填写屏幕名称", field="name")
    screen = services.create_screen(g.db, account, _text("code", 64), fields, actor=g.user)
    services.set_screen_groups(g.db, screen, request.form.getlist("groups"), actor=g.user)
    publishing.redraw_for_screen(g.db, screen)
    g.db.commit()
    flash(f"已登记：{screen.name}（{screen.code}，{screen.width}×{screen.height}）。"
          "请在控制器上获取配对码并在此填写，或签发设备令牌写入控制器。", "ok")
    return redirect(url_for(".screen_page", code=code, screen_code=screen.code))


def _screen_of(code: str, screen_code: str, *roles: str) -> tuple[ports.AccountInfo, Screen,
                                                                   frozenset[str]]:
    """The screen, if it belongs to this account or below and the editor holds one of
    `roles` on the screen's own account (as the API asks)."""
    account = ports.account(g.db, code)
    screen = services.get_screen(g.db, screen_code)
    owner = services.owner_of(g.db, screen)
    if not owner.is_within(account):
        raise NotFound(f"{account.name} 及其下级没有屏幕 {screen_code}", field="screen")
    held = ports.require_role(g.db, g.user, owner.code, *roles)
    return account, screen, held


def _group_choices(screen: Screen, owner: ports.AccountInfo) -> list[dict]:
    """The groups the screen may join, each with its account, whether the screen is in it,
    and whether it is bound as an LED outlet (a group that is not gets no posts)."""
    bound = ports.outlet_keys(g.db, services.CHANNEL)
    names = {owner.id: owner.name}
    choices = []
    for group in services.joinable_groups(g.db, owner):
        if group.account_id not in names:
            names[group.account_id] = services.owner_of(g.db, group).name
        choices.append({"group": group, "account": names[group.account_id],
                        "joined": any(s.id == screen.id for s in group.screens),
                        "bound": group.code in bound})
    return choices


def _screen_view(account, screen: Screen, held, *, token: str | None = None):
    steps = list(screen.brightness or [])
    rows = steps + [{}] * max(0, BRIGHTNESS_ROWS - len(steps))
    owner = services.owner_of(g.db, screen)
    return render_template(
        "led/screen.html", account=account, page="led-screens", screen=screen,
        owner=owner, may_manage="admin" in held, token=token,
        online=services.is_online(screen), last_seen=services.last_seen(screen),
        controller=controllers.profile(screen.controller).label,
        groups=[group.name for group in screen.groups], brightness_rows=rows,
        group_choices=_group_choices(screen, owner),
        reached=bool(services.outlet_ids_for(g.db, screen)),
        new_group_code=services.free_group_code(g.db, owner),
        poll_url=root_of(request.environ) + "/led/v1/playlist",
        # What the screen plays next, as its controller will get it (pictures and times).
        program=playlist.build(g.db, screen, root_of(request.environ), utcnow())["items"],
        describe_window=schedule.describe)


@bp.get("/a/<code>/screens/<screen_code>")
def screen_page(code: str, screen_code: str):
    account, screen, held = _screen_of(code, screen_code, "admin", "reviewer", "author")
    return _screen_view(account, screen, held)


@bp.post("/a/<code>/screens/<screen_code>/settings")
def screen_settings(code: str, screen_code: str):
    _, screen, _ = _screen_of(code, screen_code, "admin")
    name = _text("name", 100)
    if not name:
        raise BadRequest("请填写屏幕名称", field="name")
    changes = {"name": name, "place": _text("place", 200), "on_time": _clock("on_time"),
               "off_time": _clock("off_time"), "brightness": _brightness()}
    services.update_screen(g.db, screen, changes, actor=g.user)
    g.db.commit()
    flash("已保存，屏幕下次拉取节目单时生效", "ok")
    return redirect(url_for(".screen_page", code=code, screen_code=screen_code))


@bp.post("/a/<code>/screens/<screen_code>/groups")
def screen_groups(code: str, screen_code: str):
    _, screen, _ = _screen_of(code, screen_code, "admin")
    services.set_screen_groups(g.db, screen, request.form.getlist("groups"), actor=g.user)
    publishing.redraw_for_screen(g.db, screen)
    g.db.commit()
    joined = "、".join(group.name for group in screen.groups)
    flash(f"已保存：本屏在屏幕组 {joined} 中，下次拉取节目单时生效" if joined
          else "已保存：本屏不在任何屏幕组中，收不到稿件", "ok")
    return redirect(url_for(".screen_page", code=code, screen_code=screen_code))


@bp.post("/a/<code>/screens/<screen_code>/groups/new")
def new_screen_group(code: str, screen_code: str):
    """A group on the screen's own account, bound as its LED outlet, the screen in it."""
    _, screen, _ = _screen_of(code, screen_code, "admin")
    owner = services.owner_of(g.db, screen)
    group = services.create_outlet_group(
        g.db, owner, _text("group_code", 64), _text("group_name", 100),
        hub_secret=current_app.config["HUB"].secret(), actor=g.user)
    services.set_members(g.db, group, [screen], actor=g.user)
    publishing.redraw_for_screen(g.db, screen)
    g.db.commit()
    flash(f"已新建屏幕组「{group.name}」（{group.code}）并把本屏加入：此后{owner.name}发布到 "
          "LED 大屏的稿件会进入本屏的节目单", "ok")
    return redirect(url_for(".screen_page", code=code, screen_code=screen_code))


@bp.post("/a/<code>/screens/<screen_code>/pair")
def pair(code: str, screen_code: str):
    _, screen, _ = _screen_of(code, screen_code, "admin")
    services.claim_pairing(g.db, screen, request.form.get("pairing_code", ""), actor=g.user)
    g.db.commit()
    flash("配对成功：控制器将在下一次询问时领取设备令牌并开始播放", "ok")
    return redirect(url_for(".screen_page", code=code, screen_code=screen_code))


@bp.post("/a/<code>/screens/<screen_code>/token")
def new_token(code: str, screen_code: str):
    """The new token is shown on this answer only (never flashed: the session cookie would
    carry it), and the old token stops working at once."""
    account, screen, held = _screen_of(code, screen_code, "admin")
    token = services.issue_token(g.db, screen, actor=g.user)
    g.db.commit()
    return _screen_view(account, screen, held, token=token)


@bp.post("/a/<code>/screens/<screen_code>/token/revoke")
def revoke(code: str, screen_code: str):
    _, screen, _ = _screen_of(code, screen_code, "admin")
    services.revoke_token(g.db, screen, actor=g.user)
    g.db.commit()
    flash("设备令牌已作废：控制器再拉取节目单会被拒绝，直至重新配对或签发新令牌", "ok")
    return redirect(url_for(".screen_page", code=code, screen_code=screen_code))
