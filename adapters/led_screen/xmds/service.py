"""What each XMDS method does with the hub's data: displays wait for approval, approved ones
get their screen's layouts, files and schedule, and their reports (proof of play, status,
inventory, logs, screenshots) land on that screen.

Functions change rows in the caller's session; the view commits once.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.led_screen import playlist, publishing, services
from adapters.led_screen.models import LedItem, LedPlayBatch, Screen, ScreenGroup, XiboDisplay
from adapters.led_screen.xmds import documents
from adapters.led_screen.xmds.soap import SoapFault, TooOften, parse_document
from hub.clock import SHANGHAI
from hub.errors import BadRequest, Conflict, NotFound
from hub.ports import AccountInfo, LruCache, batches, blobs, utcnow
from hub.ports import audit as record

MAX_WAITING = 500  # displays waiting at once: beyond, a stranger is flooding the hub
MAX_STATS_BYTES = 1024 * 1024
MAX_STATS = 2000
MAX_LOG_BYTES = 1024 * 1024
MAX_INVENTORY_BYTES = 1024 * 1024
MAX_STATUS_BYTES = 64 * 1024
MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024
MIN_COLLECT_SECONDS = 60  # players refuse shorter collection intervals
# Collections (RegisterDisplay calls) a display may start within one collection interval: one
# on schedule and a few restarts (a player reopened, a reboot); more is a player polling
# faster than it was told to, refused with 429 until the interval's window frees a place.
COLLECTIONS_PER_INTERVAL = 4
DEFAULT_CANVAS = (1920, 1080)
# Without coordinates a player looks itself up on public IP-location services; the hub
# answers with Dongguan's, where its screens are.
COORDINATES = (23.0207, 113.7518)
MD5_BY_SHA256 = LruCache(4096)  # a file's bytes never change under its sha256


def cms_key(secret: str) -> str:
    """The CMS key players are configured with: derived from the hub's secret, so every
    process agrees on it and nothing more is stored."""
    digest = hmac.new(secret.encode(), b"xibo-cms-key", hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:16].lower()


def check_key(secret: str, given: str) -> None:
    if not hmac.compare_digest(cms_key(secret).encode(), (given or "").strip().encode()):
        raise SoapFault("CMS 密钥不正确（hub screen xibo-key 可查看）")


def _hardware_key(value: str) -> str:
    key = (value or "").strip()
    if not 1 <= len(key) <= 100 or not key.isprintable():
        raise SoapFault("hardwareKey 缺失或无效（1–100 个可打印字符）")
    return key


def display_for(db: Session, hardware_key: str) -> XiboDisplay | None:
    return db.scalar(select(XiboDisplay).where(
        XiboDisplay.hardware_key == _hardware_key(hardware_key)))


def approved_screen(db: Session, secret: str, params: dict) -> tuple[XiboDisplay, Screen]:
    """The display calling and its screen; a fault unless the key is right and it is approved."""
    check_key(secret, params.get("serverKey", ""))
    display = display_for(db, params.get("hardwareKey", ""))
    if display is None:
        raise SoapFault("未登记的显示器，请先调用 RegisterDisplay")
    if display.state != "approved" or display.screen_id is None:
        raise SoapFault("显示器尚未获批准")
    display.last_seen_at = utcnow()
    return display, db.get(Screen, display.screen_id)


# -- RegisterDisplay ---------------------------------------------------------------------

def collect_interval(db: Session, display: XiboDisplay) -> int:
    """Seconds between the display's collections: its screen's poll interval once approved
    (at least Xibo's minimum), the minimum while it waits."""
    screen = db.get(Screen, display.screen_id) if display.screen_id else None
    return _settings(screen)["collectInterval"] if screen else MIN_COLLECT_SECONDS


def check_collection_rate(db: Session, secret: str, params: dict, limits) -> None:
    """TooOften when a known display starts more than COLLECTIONS_PER_INTERVAL collections
    within its collection interval (on the app's rate limits: with Redis every web process
    counts the same display)."""
    check_key(secret, params.get("serverKey", ""))
    display = display_for(db, params.get("hardwareKey", ""))
    if display is None:
        return  # a new display: MAX_WAITING bounds those
    interval = collect_interval(db, display)
    rule = f"{COLLECTIONS_PER_INTERVAL} per {interval} seconds"
    if limits.hit(rule, "xmds-collect", display.hardware_key):
        return
    wait = limits.wait(rule, "xmds-collect", display.hardware_key)
    raise TooOften(f"采集过于频繁：本显示器的采集间隔为 {interval} 秒，请 {wait} 秒后再试",
                   wait)


def register(db: Session, secret: str, params: dict, root: str) -> str:
    check_key(secret, params.get("serverKey", ""))
    hardware_key = _hardware_key(params.get("hardwareKey", ""))
    display = display_for(db, hardware_key)
    if display is None:
        waiting = db.scalar(select(func.count(XiboDisplay.id)).where(
            XiboDisplay.state == "waiting"))
        if waiting >= MAX_WAITING:
            raise SoapFault("待批准的显示器过多，请稍后再试", "Receiver")
        display = XiboDisplay(hardware_key=hardware_key, state="waiting", status={})
        db.add(display)
    display.display_name = (params.get("displayName") or "")[:100]
    display.client_type = (params.get("clientType") or "")[:40]
    display.client_version = (params.get("clientVersion") or "")[:40]
    display.status = (display.status or {}) | {"client_code": _int(params.get("clientCode"))}
    display.last_seen_at = now = utcnow()
    db.flush()
    if display.state == "refused":
        return documents.register_answer("REFUSED", "该显示器已被管理员拒绝")
    if display.state != "approved" or display.screen_id is None:
        return documents.register_answer(
            "WAITING", f"等待管理员批准：hub screen approve --hardware-key {hardware_key}")
    screen = db.get(Screen, display.screen_id)
    screen.last_poll_at = now
    layouts = screen_layouts(db, screen, now)
    return documents.register_answer(
        "READY", "显示器已就绪", _settings(screen),
        documents.checksum(documents.required_files(layouts, root, screen.width, screen.height)),
        documents.checksum(documents.schedule_xml(layouts, share_unit(display))), now)


def share_unit(display: XiboDisplay) -> str:
    """How the display's player reads shareOfVoice (see documents): Xibo's players number
    their releases from 100 up (R406 sends clientCode 406); the `@xiboplayer` packages send
    clientCode 1 and read a percentage."""
    code = _int((display.status or {}).get("client_code"))
    return documents.SHARE_PERCENT if 0 < code < 100 else documents.SHARE_SECONDS


def _settings(screen: Screen) -> dict:
    return {"collectInterval": max(MIN_COLLECT_SECONDS, screen.poll_seconds),
            "statsEnabled": 1, "aggregationLevel": "Individual", "xmrNetworkAddress": "",
            "sizeX": screen.width, "sizeY": screen.height, "offsetX": 0, "offsetY": 0,
            "displayName": screen.name, "screenShotRequested": 0,
            "latitude": COORDINATES[0], "longitude": COORDINATES[1], "logLevel": "error"}


# -- layouts, files, schedule ------------------------------------------------------------

def file_md5(db: Session, sha256: str) -> str:
    digest = MD5_BY_SHA256.get(sha256)
    if digest is None:
        stored = blobs.get(db, sha256)
        digest = hashlib.md5(stored[0] if stored else b"", usedforsecurity=False).hexdigest()
        MD5_BY_SHA256.put(sha256, digest)
    return digest


def screen_layouts(db: Session, screen: Screen, now: dt.datetime) -> list[documents.Layout]:
    """The screen's live items as Xibo layouts, with their dated entries over the horizon.
    Videos are left to the hub's own protocol: their checksum is not known here."""
    day = playlist.local_day(now)
    items = playlist.live_items(db, screen, day)
    files = playlist.files_for(db, items, screen)
    layouts = []
    for item in sorted(items, key=lambda i: (playlist.ROLE_ORDER.get(i.role, 1), -i.priority,
                                             i.id)):
        layout = _layout(db, item, screen, files.get(item.id), day)
        if layout is not None:
            layouts.append(layout)
    return layouts


def _layout(db: Session, item: LedItem, screen: Screen, rendition, day: dt.date
            ) -> documents.Layout | None:
    kind = publishing.kind_of(item.form, item.video is not None, screen.draws_text)
    if kind == "video":
        return None
    media = None
    if kind == "image":
        if rendition is None:
            return None  # not drawn at this size (yet): better absent than a broken picture
        extension = "png" if rendition.mime_type == "image/png" else "jpg"
        media = documents.MediaFile(rendition.id, rendition.file_sha256, extension,
                                    rendition.byte_size, file_md5(db, rendition.file_sha256))
    xlf = documents.layout_xlf(item.id, screen.width, screen.height, item.duration_seconds,
                               media, item.text or item.title)
    entries = documents.clip(
        documents.day_intervals(item.schedule or [], day, playlist.HORIZON_DAYS + 1),
        item.valid_from, item.valid_until)
    return documents.Layout(item.id, item.role, item.priority, item.share_of_voice,
                            item.duration_seconds, xlf, media, entries)


def layout_of(db: Session, screen: Screen, layout_id: int) -> documents.Layout:
    for layout in screen_layouts(db, screen, utcnow()):
        if layout.id == layout_id:
            return layout
    raise SoapFault(f"该显示器没有布局 {layout_id}")


def layout_for_download(db: Session, item_id: int, width: int, height: int) -> str | None:
    """A layout's XLF by item and canvas (the RequiredFiles path), for any screen of that
    size it is live on; None when there is none."""
    screens = db.scalars(select(Screen).where(Screen.width == width, Screen.height == height))
    for screen in screens:
        for layout in screen_layouts(db, screen, utcnow()):
            if layout.id == item_id:
                return layout.xlf
    return None


def text_resource(db: Session, screen: Screen, layout_id: int) -> str:
    layout = layout_of(db, screen, layout_id)
    item = db.get(LedItem, layout.id)
    return documents.text_resource(item.title, item.text, item.text_style or {}, screen.width,
                                   screen.height)


# -- reports -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Play:
    item_id: int
    started_at: dt.datetime
    duration_seconds: float


def _local_time(value: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value or "", documents.DATE_FORMAT).replace(
            tzinfo=SHANGHAI).astimezone(dt.UTC)
    except ValueError:
        return None


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def plays_in(stat_xml: str) -> list[Play]:
    """The layout plays of a SubmitStats document (media and event records are the same
    plays seen closer, so only layouts count); records without a usable time are dropped."""
    root = parse_document(stat_xml, "statXml", MAX_STATS_BYTES)
    stats = [node for node in root.iter() if node.tag == "stat"]
    if len(stats) > MAX_STATS:
        raise SoapFault(f"一次最多 {MAX_STATS} 条播放记录")
    latest = utcnow() + batches.FUTURE_SLACK
    plays = []
    for stat in stats:
        if stat.get("type", "").lower() != "layout":
            continue
        item_id, started = _int(stat.get("layoutid")), _local_time(stat.get("fromdt"))
        if item_id <= 0 or started is None or started > latest:
            continue
        ended = _local_time(stat.get("todt")) or started
        count = max(1, min(1000, _int(stat.get("count"), 1)))
        seconds = float(_int(stat.get("duration"), int((ended - started).total_seconds())))
        plays.extend(Play(item_id, started, max(0.0, seconds) / count) for _ in range(count))
    return plays


def submit_stats(db: Session, screen: Screen, stat_xml: str) -> None:
    """Proof of play into the screen's plays; the same document sent again counts once."""
    from adapters.led_screen import protocol

    plays = plays_in(stat_xml)
    if not plays:
        return
    given = protocol.given_to(db, screen, {play.item_id for play in plays})
    kept = [play for play in plays if play.item_id in given]
    batch_id = hashlib.sha256(stat_xml.encode()).hexdigest()
    marker = LedPlayBatch(screen_id=screen.id, batch_id=batch_id, records=len(kept))
    batches.count_once(db, marker, batch_id, len(kept),
                       lambda: protocol.count_plays(db, screen.id, kept), batches.BatchOut)


def _bounded(values: dict) -> dict:
    return {str(k)[:40]: v for k, v in list(values.items())[:20]
            if isinstance(v, (str, int, float, bool)) and len(str(v)) <= 200}


def notify_status(display: XiboDisplay, screen: Screen, status_json: str) -> None:
    if len(status_json) > MAX_STATUS_BYTES:
        raise SoapFault("status 过大")
    try:
        status = json.loads(status_json or "{}")
    except ValueError:
        raise SoapFault("status 不是有效的 JSON") from None
    if not isinstance(status, dict):
        raise SoapFault("status 应为 JSON 对象")
    kept = _bounded(status)
    display.status = (display.status or {}) | {"status": kept}
    _note_size(display, status)
    now = utcnow()
    screen.last_heartbeat_at = now
    layout = _int(status.get("currentLayoutId"), 0)
    screen.reported_status = {"player": "xibo", "client": display.client_type,
                              "playing_item_id": layout or None}


def _note_size(display: XiboDisplay, status: dict) -> None:
    width, height = _int(status.get("width")), _int(status.get("height"))
    if 0 < width <= services.MAX_SIDE and 0 < height <= services.MAX_SIDE:
        display.reported_width, display.reported_height = width, height


def media_inventory(display: XiboDisplay, inventory_xml: str) -> None:
    root = parse_document(inventory_xml, "mediaInventory", MAX_INVENTORY_BYTES)
    files = [node for node in root.iter() if node.tag == "file"]
    complete = sum(1 for node in files if node.get("complete") == "1")
    display.status = (display.status or {}) | {
        "inventory": {"files": len(files), "complete": complete,
                      "at": utcnow().isoformat(timespec="seconds")}}


def submit_log(display: XiboDisplay, log_xml: str) -> None:
    root = parse_document(log_xml, "logXml", MAX_LOG_BYTES)
    entries = []
    for node in [n for n in root.iter() if n.tag == "log"][-10:]:
        message = node.findtext("message") or node.get("message") or ""
        entries.append({"date": (node.get("date") or "")[:19],
                        "category": (node.get("category") or "")[:20],
                        "message": message[:200]})
    if entries:
        display.status = (display.status or {}) | {"log": entries}


def submit_screenshot(db: Session, display: XiboDisplay, encoded: str) -> None:
    try:
        data = base64.b64decode(encoded or "", validate=True)
    except (binascii.Error, ValueError):
        raise SoapFault("screenShot 不是有效的 base64") from None
    if len(data) > MAX_SCREENSHOT_BYTES:
        raise SoapFault("截图过大（上限 8 MB）")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        content_type = "image/jpeg"
    else:
        raise SoapFault("截图应为 PNG 或 JPEG")
    display.screenshot_sha256 = blobs.put(db, data, content_type)
    display.screenshot_at = utcnow()


# -- approval ------------------------------------------------------------------------------

def waiting_displays(db: Session) -> list[XiboDisplay]:
    return list(db.scalars(select(XiboDisplay).where(XiboDisplay.state == "waiting")
                           .order_by(XiboDisplay.created_at, XiboDisplay.id)))


def get_display(db: Session, hardware_key: str) -> XiboDisplay:
    display = db.scalar(select(XiboDisplay).where(
        XiboDisplay.hardware_key == (hardware_key or "").strip()))
    if display is None:
        raise NotFound(f"没有硬件码为 {hardware_key} 的显示器（它需先连接一次）",
                       field="hardware_key")
    return display


def approve(db: Session, display: XiboDisplay, account: AccountInfo, code: str, *,
            name: str | None = None, width: int | None = None, height: int | None = None,
            actor=None) -> Screen:
    """The display becomes screen `code` of `account`, in each of the account's screen
    groups, so it gets what the account's screens get."""
    if display.state == "approved":
        raise Conflict("该显示器已获批准", field="hardware_key")
    if (width is None) != (height is None):
        raise BadRequest("宽和高需同时给出", field="width")
    size = (width, height) if width else (
        (display.reported_width, display.reported_height) if display.reported_width
        else DEFAULT_CANVAS)
    screen = services.create_screen(db, account, code, {
        "name": name or display.display_name or code, "place": "", "width": size[0],
        "height": size[1], "controller": "xibo", "draws_text": False, "poll_seconds": 300,
        "min_poll_seconds": 0}, actor=actor)
    for group in db.scalars(select(ScreenGroup).where(ScreenGroup.account_id == account.id)):
        services.set_members(db, group, [*group.screens, screen], actor=actor)
    publishing.redraw_for_screen(db, screen)  # its canvas may be a size nobody drew yet
    display.state, display.screen_id = "approved", screen.id
    record(db, actor=actor, action="led.xibo.approve", account_id=account.id,
           subject_type="led_screen", subject_id=screen.id, display=display.id)
    return screen


def refuse(db: Session, display: XiboDisplay, *, actor=None) -> None:
    if display.state == "approved":
        raise Conflict("该显示器已获批准，不能再拒绝", field="hardware_key")
    display.state = "refused"
    record(db, actor=actor, action="led.xibo.refuse", account_id=None,
           subject_type="led_xibo_display", subject_id=display.id)


def display_of_screen(db: Session, screen: Screen) -> XiboDisplay | None:
    return db.scalar(select(XiboDisplay).where(XiboDisplay.screen_id == screen.id))
