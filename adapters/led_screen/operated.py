"""Rented billboards: a screen operated by an advertising company. The hub cannot reach the
screen; it hands the operator a package per item (the slide as an MP4 at the screen's canvas
and the slot's length, the still, a schedule sheet, a short note) behind a signed, expiring
link, tells the operator's webhook when a post is withdrawn, and takes their play report
back (CSV or XLSX), matching each row to a package by a file's checksum and the slot's dates.

Plain functions over the adapter's rows; the caller commits.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import time
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.led_screen import playlist, services
from adapters.led_screen.models import (
    LedItem,
    LedOperatedSlot,
    LedOperatorVideo,
    LedRendition,
    Screen,
)
from hub.clock import SHANGHAI
from hub.errors import BadRequest, NotFound
from hub.ports import blobs, utcnow

LINK_DAYS = 14
MAX_REPORT_BYTES = 2 * 1024 * 1024
MAX_REPORT_ROWS = 5000
SLOT_FIELDS = ("operator", "contact", "seconds_per_loop", "loops_per_hour", "from_date",
               "to_date", "start", "end", "webhook_url")
WITHDRAWN = "撤下"  # what the operator's webhook is told to do


# -- the slot ------------------------------------------------------------------------------

def set_slot(db: Session, screen: Screen, fields: dict, *, actor=None) -> LedOperatedSlot:
    """Mark the screen as operated by someone else, with its slot."""
    from adapters.led_screen import schedule

    if not (fields.get("operator") or "").strip():
        raise BadRequest("需要运营方名称", field="operator")
    for name in ("seconds_per_loop", "loops_per_hour"):
        value = fields.get(name)
        if not isinstance(value, int) or not 1 <= value <= 3600:
            raise BadRequest(f"{name} 应为 1–3600 的整数", field=name)
    try:
        window = schedule.normalise_window(
            {"from_date": fields.get("from_date"), "to_date": fields.get("to_date"),
             "start": fields.get("start") or "00:00", "end": fields.get("end") or "24:00"}, 0)
    except schedule.ScheduleError as exc:
        raise BadRequest(exc.message, field=exc.field.split(".")[-1]) from None
    if not window["from_date"] or not window["to_date"]:
        raise BadRequest("需要档期的开始和结束日期（YYYY-MM-DD）", field="from_date")
    slot = db.scalar(select(LedOperatedSlot).where(LedOperatedSlot.screen_id == screen.id))
    if slot is None:
        slot = LedOperatedSlot(screen_id=screen.id)
        db.add(slot)
    slot.operator, slot.contact = fields["operator"].strip()[:100], \
        (fields.get("contact") or "").strip()[:200]
    slot.seconds_per_loop, slot.loops_per_hour = fields["seconds_per_loop"], \
        fields["loops_per_hour"]
    slot.from_date, slot.to_date = window["from_date"], window["to_date"]
    slot.start, slot.end = window["start"], window["end"]
    slot.webhook_url = _webhook_url(fields.get("webhook_url"))
    db.flush()
    services.record(db, actor=actor, action="led.operated.slot", account_id=screen.account_id,
                    subject_type="led_screen", subject_id=screen.id, operator=slot.operator)
    return slot


def operate(db: Session, account, code: str, screen_fields: dict, slot_fields: dict, *,
            actor=None) -> tuple[Screen, LedOperatedSlot]:
    """Register a rented screen (or update one): its canvas, in each of the account's screen
    groups so it gets what the account's screens get, and its operator's slot."""
    from adapters.led_screen import publishing
    from adapters.led_screen.models import ScreenGroup

    screen = db.scalar(select(Screen).where(Screen.code == code))
    if screen is None:
        screen = services.create_screen(db, account, code, {
            "name": screen_fields.get("name") or code, "place": screen_fields.get("place", ""),
            "width": screen_fields["width"], "height": screen_fields["height"],
            "controller": "generic", "draws_text": False, "poll_seconds": 300}, actor=actor)
        for group in db.scalars(select(ScreenGroup).where(
                ScreenGroup.account_id == account.id)):
            services.set_members(db, group, [*group.screens, screen], actor=actor)
    elif screen.account_id != account.id:
        raise BadRequest(f"屏幕 {code} 属于另一个账号", field="code")
    elif (screen.width, screen.height) != (screen_fields["width"], screen_fields["height"]):
        services.update_screen(db, screen, {"width": screen_fields["width"],
                                            "height": screen_fields["height"]}, actor=actor)
    publishing.redraw_for_screen(db, screen)  # the live items at its canvas
    return screen, set_slot(db, screen, slot_fields, actor=actor)


def _webhook_url(value) -> str:
    url = (value or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) \
            and len(url) <= 500 and url.isprintable() and " " not in url
    except ValueError:  # e.g. "http://[": an address urllib cannot take apart
        usable = False
    if not usable:
        raise BadRequest("回调地址应为 http(s):// 开头的完整网址（500 字符以内）",
                         field="webhook_url")
    return url


def slot_of(db: Session, screen: Screen) -> LedOperatedSlot | None:
    return db.scalar(select(LedOperatedSlot).where(LedOperatedSlot.screen_id == screen.id))


# -- packages ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Package:
    screen: Screen
    slot: LedOperatedSlot
    item: LedItem
    rendition: LedRendition
    md5: str

    @property
    def withdrawn(self) -> bool:
        return self.item.withdrawn_at is not None

    @property
    def file_name(self) -> str:
        extension = "png" if self.rendition.mime_type == "image/png" else "jpg"
        return f"{self.screen.code}-{self.item.id}.{extension}"

    @property
    def video_name(self) -> str:
        return f"{self.screen.code}-{self.item.id}.mp4"


def packages(db: Session, screen: Screen, *, with_withdrawn: bool = False) -> list[Package]:
    """One package per item the screen is given (its still at the screen's canvas)."""
    slot = slot_of(db, screen)
    if slot is None:
        return []
    outlet_ids = services.outlet_ids_for(db, screen)
    if not outlet_ids:
        return []
    query = select(LedItem).where(LedItem.outlet_id.in_(outlet_ids), LedItem.post_id.isnot(None))
    if not with_withdrawn:
        query = query.where(LedItem.withdrawn_at.is_(None))
    items = [i for i in db.scalars(query.order_by(LedItem.id)) if screen.code not in
             (i.skipped or {})]
    files = playlist.files_for(db, items, screen)
    from adapters.led_screen.xmds.service import file_md5

    return [Package(screen, slot, item, files[item.id], file_md5(db, files[item.id].file_sha256))
            for item in items if item.id in files]


def package_of(db: Session, screen: Screen, item_id: int) -> Package:
    for package in packages(db, screen, with_withdrawn=True):
        if package.item.id == item_id:
            return package
    raise NotFound("没有这个投放包", field="package")


# -- the slide as video -------------------------------------------------------------------

MAX_VIDEO_SECONDS = 300  # what the video maker draws; a longer slot gets the still only


def kept_video(db: Session, package: Package) -> LedOperatorVideo | None:
    """The package's MP4 if it was made: this version of the item, the screen's canvas, the
    slot's seconds."""
    screen, item = package.screen, package.item
    return db.scalar(select(LedOperatorVideo).where(
        LedOperatorVideo.item_id == item.id, LedOperatorVideo.post_version == item.post_version,
        LedOperatorVideo.width == screen.width, LedOperatorVideo.height == screen.height,
        LedOperatorVideo.seconds == package.slot.seconds_per_loop))


def film(db: Session, package: Package) -> tuple[bytes | None, str]:
    """(the slide as MP4 bytes, made by the hub's video maker, "") or (None, why not). Takes
    seconds of CPU: call it with a reading session, keep the result in a short write."""
    from adapters.led_screen import publishing
    from content.layout import LayoutRefused
    from content.layout.video import video

    screen, item, seconds = package.screen, package.item, package.slot.seconds_per_loop
    if screen.width % 2 or screen.height % 2:
        return None, f"屏幕 {screen.width}×{screen.height} 的边长为奇数，做不了 H.264 视频"
    if seconds > MAX_VIDEO_SECONDS:
        return None, f"每轮 {seconds} 秒超过视频上限 {MAX_VIDEO_SECONDS} 秒"
    post = publishing.post_snapshot(db, item.post_id, item.outlet_id)
    card = publishing.card_for(publishing.load_source(db, post), screen.width, screen.height)
    if card.own_picture:
        return None, "该内容使用编辑自备的 LED 图片"
    try:
        return video(card.design(), screen.width, screen.height, seconds), ""
    except (LayoutRefused, ValueError) as exc:
        return None, f"视频生成失败（{getattr(exc, 'reason', None) or exc}）"


def keep_video(db: Session, package: Package, data: bytes) -> None:
    """Keep the package's MP4 (the package read in another session: only its values count);
    a download that kept the same video first wins."""
    from sqlalchemy.exc import IntegrityError

    row = LedOperatorVideo(item_id=package.item.id, post_version=package.item.post_version,
                           width=package.screen.width, height=package.screen.height,
                           seconds=package.slot.seconds_per_loop,
                           file_sha256=blobs.put(db, data, "video/mp4"),
                           md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                           byte_size=len(data))
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        pass


def videos_by_checksum(db: Session, package: Package) -> dict[str, LedOperatorVideo]:
    """Every MP4 made for the package's item on this screen, by MD5 and by SHA-256 (an
    operator may report plays of an earlier version's file)."""
    rows = db.scalars(select(LedOperatorVideo).where(
        LedOperatorVideo.item_id == package.item.id,
        LedOperatorVideo.width == package.screen.width,
        LedOperatorVideo.height == package.screen.height))
    return {key: row for row in rows for key in (row.md5, row.file_sha256)}


def sign(secret: str, screen_code: str, item_id: int, expires: int) -> str:
    message = f"operator-package|{screen_code}|{item_id}|{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def link(secret: str, root: str, screen_code: str, item_id: int, now: dt.datetime) -> str:
    """The signed address the operator downloads the package from, valid LINK_DAYS days."""
    expires = int((now + dt.timedelta(days=LINK_DAYS)).timestamp())
    signature = sign(secret, screen_code, item_id, expires)
    return (f"{root}led/v1/operator-packages/{screen_code}/{item_id}.zip"
            f"?expires={expires}&sig={signature}")


def link_is_valid(secret: str, screen_code: str, item_id: int, expires: str, signature: str,
                  now: dt.datetime) -> bool:
    if not expires.isdigit() or int(expires) < now.timestamp():
        return False
    return hmac.compare_digest(sign(secret, screen_code, item_id, int(expires)),
                               signature or "")


def _days(slot: LedOperatedSlot, item: LedItem) -> list[dt.date]:
    first = dt.date.fromisoformat(slot.from_date)
    last = dt.date.fromisoformat(slot.to_date)
    if item.valid_from is not None:
        first = max(first, item.valid_from.astimezone(SHANGHAI).date())
    if item.valid_until is not None:
        last = min(last, item.valid_until.astimezone(SHANGHAI).date())
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def schedule_sheet(package: Package, film: LedOperatorVideo | None = None) -> bytes:
    """The schedule the operator loads: per day the hours, loops an hour, seconds per loop,
    the still and its checksums, then the video and its checksums when there is one."""
    from openpyxl import Workbook

    slot, item = package.slot, package.item
    book = Workbook()
    sheet = book.active
    sheet.title = "排期"
    sheet.append(["日期", "开始", "结束", "每小时轮次", "每轮秒数", "文件", "MD5", "SHA-256",
                  "内容", "视频文件", "视频 MD5", "视频 SHA-256"])
    video = [package.video_name, film.md5, film.file_sha256] if film else ["", "", ""]
    for day in _days(slot, item):
        sheet.append([day.isoformat(), slot.start, slot.end, slot.loops_per_hour,
                      slot.seconds_per_loop, package.file_name, package.md5,
                      package.rendition.file_sha256, item.title, *video])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def note(package: Package, film: LedOperatorVideo | None = None, no_film: str = "") -> str:
    slot, screen = package.slot, package.screen
    if film is not None:
        files = (f"视频：{package.video_name}（H.264，{screen.width}×{screen.height}，"
                 f"{slot.seconds_per_loop} 秒，MD5 {film.md5}），请优先投放；\n"
                 f"图片：{package.file_name}（MD5 {package.md5}），供只能播图片的播放器使用。\n")
    else:
        files = (f"文件：{package.file_name}（MD5 {package.md5}）。"
                 f"{'没有视频：' + no_film + '。' if no_film else ''}\n")
    return (f"{slot.operator}：\n\n请在「{screen.name}」（{screen.width}×{screen.height}）"
            f"的档期内投放《{package.item.title}》。\n"
            f"档期：{slot.from_date} 至 {slot.to_date}，每天 {slot.start}–{slot.end}，"
            f"每小时 {slot.loops_per_hour} 轮，每轮 {slot.seconds_per_loop} 秒。\n"
            f"{files}详见排期表。\n"
            "播放报告请按「日期、小时、文件 MD5 或 SHA-256、播放次数」四列回传（CSV 或 XLSX）。\n")


def archive(db: Session, package: Package, no_film: str = "") -> bytes:
    """The package as one ZIP: the MP4 (when it was made; else `no_film` says why not), the
    still, the schedule sheet, the note."""
    film = kept_video(db, package)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        if film is not None:  # already compressed: stored as it is
            bundle.writestr(package.video_name, blobs.get(db, film.file_sha256)[0],
                            compress_type=zipfile.ZIP_STORED)
        bundle.writestr(package.file_name, blobs.get(db, package.rendition.file_sha256)[0])
        bundle.writestr(f"{package.screen.code}-{package.item.id}-排期.xlsx",
                        schedule_sheet(package, film))
        bundle.writestr("说明.txt", note(package, film, no_film))
    return buffer.getvalue()


# -- telling the operator ------------------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    """One signed POST to an operator's webhook."""

    url: str
    body: bytes
    headers: dict


def webhook_secret(secret: str, screen_code: str) -> str:
    """The key the operator of `screen_code` checks our signatures with: derived from the
    hub's secret, so nothing more is stored and every process agrees on it."""
    message = f"operator-webhook|{screen_code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def signature(key: str, timestamp: str, body: bytes) -> str:
    """As the hub's other webhooks: HMAC-SHA256 of "<timestamp>.<body>"."""
    mac = hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def withdrawal_notices(db: Session, screens: list[Screen], post_id: int, delivery_key: str,
                       secret: str, root: str) -> list[Notice]:
    """What each operator whose screen had the post's package is told: 撤下, the package id
    and its link (which now answers "已撤回"). Signed; X-Hub-Delivery repeats on a retry, so
    the operator can drop a notice it already had."""
    notices = []
    for screen in screens:
        slot = slot_of(db, screen)
        if slot is None or not slot.webhook_url:
            continue
        for package in packages(db, screen, with_withdrawn=True):
            if package.item.post_id == post_id:
                notices.append(_notice(package, slot.webhook_url, delivery_key, secret, root))
    return notices


def _notice(package: Package, url: str, delivery_key: str, secret: str, root: str) -> Notice:
    screen, item = package.screen, package.item
    now = utcnow()
    event = {"type": "package.withdrawn", "action": WITHDRAWN,
             "package_id": f"{screen.code}-{item.id}", "screen": screen.code,
             "item_id": item.id, "title": item.title,
             "withdrawn_at": (item.withdrawn_at or now).isoformat(timespec="seconds"),
             "link": link(secret, root, screen.code, item.id, now)}
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8",
               "X-Hub-Event": "package.withdrawn",
               "X-Hub-Delivery": f"{delivery_key}:{screen.code}:{item.id}",
               "X-Hub-Timestamp": timestamp,
               "X-Hub-Signature-256": signature(webhook_secret(secret, screen.code),
                                                timestamp, body)}
    return Notice(url, body, headers)


# -- play reports --------------------------------------------------------------------------

@dataclass
class ReportRow:
    line: int
    day: str
    hour: str
    checksum: str
    plays: str


def _rows_of_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("CSV 应为 UTF-8 编码", field="file") from None
    try:
        return [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    except csv.Error:
        raise BadRequest("CSV 文件格式无效", field="file") from None


def _rows_of_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001  (openpyxl raises many kinds for a broken file)
        raise BadRequest("XLSX 文件无法读取", field="file") from None
    rows = []
    for values in book.worksheets[0].iter_rows(values_only=True):
        if len(rows) > MAX_REPORT_ROWS + 1:
            break
        cells = ["" if v is None else (v.isoformat()[:10] if isinstance(v, dt.date) else str(v))
                 for v in values[:4]]
        if any(cell.strip() for cell in cells):
            rows.append(cells)
    return rows


def read_report(data: bytes, filename: str) -> list[ReportRow]:
    """The rows of an operator's play report: date, hour, file checksum, plays (a header row,
    if any, is skipped)."""
    if not data:
        raise BadRequest("播放报告是空文件", field="file")
    if len(data) > MAX_REPORT_BYTES:
        raise BadRequest("播放报告过大（上限 2 MB）", field="file")
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _rows_of_xlsx(data)
    elif name.endswith(".csv"):
        rows = _rows_of_csv(data)
    else:
        raise BadRequest("播放报告应为 .csv 或 .xlsx 文件", field="file")
    if rows and not any(ch.isdigit() for ch in rows[0][0]):
        rows = rows[1:]  # the header
    if len(rows) > MAX_REPORT_ROWS:
        raise BadRequest(f"播放报告最多 {MAX_REPORT_ROWS} 行", field="file")
    out = []
    for index, row in enumerate(rows, start=2):
        cells = [*(c.strip() for c in row), "", "", "", ""][:4]
        out.append(ReportRow(index, *cells))
    return out


def _hour(row: ReportRow) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(row.day[:10])
        hour = int(row.hour.split(":")[0])
    except ValueError:
        return None
    if not 0 <= hour <= 23:
        return None
    return dt.datetime.combine(day, dt.time(hour), SHANGHAI).astimezone(dt.UTC)


def match_report(db: Session, screen: Screen, rows: list[ReportRow]
                 ) -> tuple[list[tuple[Package, dt.datetime, int]], list[dict]]:
    """(matched plays, problems by row): a row counts when its checksum names one of the
    screen's packages and its day is within the slot and the package's dates."""
    by_checksum = {}
    for package in packages(db, screen, with_withdrawn=True):
        by_checksum[package.md5] = by_checksum[package.rendition.file_sha256] = package
        by_checksum |= dict.fromkeys(videos_by_checksum(db, package), package)
    matched, problems = [], []
    latest = utcnow() + dt.timedelta(hours=1)
    for row in rows:
        hour = _hour(row)
        package = by_checksum.get(row.checksum.lower())
        reason = None
        if hour is None:
            reason = "日期或小时无效（应为 YYYY-MM-DD 和 0–23）"
        elif package is None:
            reason = "校验值不属于该屏的任何投放包"
        elif not row.plays.isdigit() or not 0 < int(row.plays) <= 100_000:
            reason = "播放次数应为正整数"
        elif hour > latest:
            reason = "播放时间在未来"
        elif hour.astimezone(SHANGHAI).date() not in _days(package.slot, package.item):
            reason = "不在档期内"
        if reason:
            problems.append({"line": row.line, "reason": reason})
        else:
            matched.append((package, hour, int(row.plays)))
    return matched, problems


def count_report(db: Session, screen: Screen, data: bytes, filename: str) -> dict:
    """Count an uploaded report's matched rows as plays of the screen, once per file."""
    from adapters.led_screen import protocol
    from adapters.led_screen.models import LedPlayBatch
    from hub.ports import batches

    rows = read_report(data, filename)
    matched, problems = match_report(db, screen, rows)
    plays = [protocol.PlayIn(item_id=package.item.id, started_at=hour,
                             duration_seconds=package.slot.seconds_per_loop)
             for package, hour, count in matched for _ in range(min(count, 1000))]
    batch_id = "operator-" + hashlib.sha256(data).hexdigest()[:55]
    marker = LedPlayBatch(screen_id=screen.id, batch_id=batch_id, records=len(plays))
    answer = batches.count_once(db, marker, batch_id, len(plays),
                                lambda: protocol.count_plays(db, screen.id, plays),
                                batches.BatchOut)
    return {"rows": len(rows), "matched_rows": len(matched), "plays": answer.accepted,
            "duplicate": answer.duplicate, "problems": problems}
