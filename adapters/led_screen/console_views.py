"""The account's screens in the console (`console_pages`): per screen its kind (the hub's own
pull protocol, a Xibo player), when it was last seen, its last screenshot, what it plays now
and its plays per day; Xibo players waiting for approval, approved from here by an admin.

The page is the console's: the console's own guards (login, CSRF, session freshness) and
headers run around it, found on the app by the console blueprint's name, so this adapter
needs no import of the console.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from adapters.led_screen import operated, services
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
from hub.errors import BadRequest, HubError
from hub.ports import root_of, utcnow

bp = Blueprint("led_console", __name__, url_prefix="/console", template_folder="templates")
CONSOLE = "console"  # the console blueprint whose guards and headers wrap these pages
PLAY_DAYS = 7
KIND_LABELS = {"xibo": "Xibo 播放器（XMDS）", "pull": "自有协议（拉取节目单）",
               "operated": "运营方代播"}


@bp.before_request
def _console_guard():
    for guard in current_app.before_request_funcs.get(CONSOLE, []):
        answer = guard()
        if answer is not None:
            return answer
    return None


@bp.after_request
def _console_headers(response):
    for finish in current_app.after_request_funcs.get(CONSOLE, []):
        response = finish(response)
    return response


@bp.errorhandler(HubError)
def _hub_error(exc: HubError):
    if request.method == "POST":
        flash(exc.message, "error")
        code = (request.view_args or {}).get("code", "")
        return redirect(url_for(".screens", code=code))
    return render_template("console/error.html", message=exc.message), exc.status


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
                           may_approve="admin" in roles)


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
