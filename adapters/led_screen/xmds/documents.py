"""The XML documents XMDS answers with, made from a screen's live items: one Xibo layout (XLF)
per item at the screen's canvas, the RequiredFiles list, the Schedule, RegisterDisplay's
answer. Plain data in, text out: no database, no Flask.

How the hub's schedule becomes Xibo's: each schedule window is expanded into dated entries
over the playlist's horizon (Asia/Shanghai wall time, which the display is told is its
timezone); priority is Xibo's priority; a full interrupt (share of voice 100) takes the
screen by a priority above every normal item; a partial interrupt is an interrupt layout with
a shareOfVoice; the first default item is the display's default layout.

shareOfVoice's unit: the CMS sends seconds per hour (its Schedule entity takes 0–3600 and
migrated old percentages with `3600 * (shareOfVoice / 100)`), and Xibo's own players read
seconds. The `@xiboplayer` packages (0.5.20, `schedule/src/interrupts.js`) read it as a
percentage (`shareOfVoice / 100 * 3600` seconds), so 900 seconds would fill their hour nine
times over. The hub sends seconds, as the CMS does, unless the display is one of those
(`SHARE_PERCENT`): they get the percentage the hub keeps, the same share of each hour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from adapters.led_screen import schedule
from hub.clock import SHANGHAI

SHARE_SECONDS, SHARE_PERCENT = "seconds", "percent"  # shareOfVoice as the player reads it
TAKEOVER_PRIORITY = 1000  # above any editor's priority: the hub's full interrupts win
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class MediaFile:
    id: int  # the rendition's id: the layout's widget finds it by this fileId
    sha256: str
    extension: str
    size: int
    md5: str


@dataclass
class Layout:
    """One item as a Xibo layout on one screen."""

    id: int  # the item's id
    role: str
    priority: int
    share_of_voice: int
    duration: int
    xlf: str
    media: MediaFile | None
    entries: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)

    @property
    def md5(self) -> str:
        return hashlib.md5(self.xlf.encode(), usedforsecurity=False).hexdigest()

    @property
    def size(self) -> int:
        return len(self.xlf.encode())


def _attrs(**values) -> str:
    return " ".join(f"{name}={quoteattr(str(value))}" for name, value in values.items())


def layout_xlf(item_id: int, width: int, height: int, duration: int, media: MediaFile | None,
               text: str = "") -> str:
    """A full-canvas layout: the picture (native image widget) or the text (a text widget
    the player draws from GetResource's HTML)."""
    if media is not None:
        widget = (f'<media {_attrs(id=media.id, type="image", render="native", duration=duration, useDuration=1, fileId=media.id, enableStat=1)}>'  # noqa: E501
                  f"<options><uri>{media.sha256}.{media.extension}</uri>"
                  "<scaleType>stretch</scaleType></options></media>")
    else:
        widget = (f'<media {_attrs(id=item_id, type="text", render="html", duration=duration, useDuration=1, enableStat=1)}>'  # noqa: E501
                  f"<options/><raw><text>{escape(text)}</text></raw></media>")
    region = (f'<region {_attrs(id=item_id, width=width, height=height, top=0, left=0, zindex=0)}>'  # noqa: E501
              f"<options><loop>0</loop></options>{widget}</region>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<layout {_attrs(schemaVersion=3, width=width, height=height, bgcolor="#000000", duration=duration, enableStat=1)}>'  # noqa: E501
            f"{region}</layout>")


def text_resource(title: str, text: str, style: dict, width: int, height: int) -> str:
    """The HTML a text widget shows (GetResource): the item's text, centred, in its colours."""
    colour = style.get("color") or "#ffffff"
    background = style.get("background") or "#000000"
    size = max(12, min(height // 3, width // max(4, len(text or title))))
    body = escape(text or title)
    return ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>html,body{{margin:0;height:100%;"
            f"background:{background};color:{colour};display:flex;align-items:center;"
            f"justify-content:center;font:{size}px sans-serif;text-align:center}}</style>"
            f"</head><body>{body}</body></html>")


def day_intervals(windows: list[dict], first_day: dt.date, days: int
                  ) -> list[tuple[dt.datetime, dt.datetime]]:
    """Each window's occurrences from `first_day` for `days` days, as Shanghai datetimes."""
    if not windows:
        start = dt.datetime.combine(first_day, dt.time(), SHANGHAI)
        return [(start, start + dt.timedelta(days=days))]
    intervals = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        for window in windows:
            if not schedule.day_matches(window, day):
                continue
            start = dt.datetime.combine(day, schedule.parse_clock(window["start"], "start"),
                                        SHANGHAI)
            end_clock = schedule.parse_clock(window["end"], "end")
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), SHANGHAI) \
                if end_clock is None else dt.datetime.combine(day, end_clock, SHANGHAI)
            if end <= start:  # overnight: runs into the next day
                end += dt.timedelta(days=1)
            intervals.append((start, end))
    return sorted(intervals)


def clip(intervals, valid_from: dt.datetime | None, valid_until: dt.datetime | None):
    """The intervals within the item's validity."""
    kept = []
    for start, end in intervals:
        if valid_from is not None:
            start = max(start, valid_from.astimezone(SHANGHAI))
        if valid_until is not None:
            end = min(end, valid_until.astimezone(SHANGHAI))
        if start < end:
            kept.append((start, end))
    return kept


def _file(kind: str, **attributes) -> str:
    return f"<file {_attrs(type=kind, **attributes)}/>"


def required_files(layouts: list[Layout], root: str, width: int, height: int) -> str:
    """Every file the display must hold: each picture once, then each layout (drawn at the
    display's canvas, `width` × `height`)."""
    lines, seen = [], set()
    for layout in layouts:
        media = layout.media
        if media is not None and media.id not in seen:
            seen.add(media.id)
            lines.append(_file("media", id=media.id, size=media.size, md5=media.md5,
                               download="http", fileType="media",
                               path=f"{root}led/v1/files/{media.sha256}.{media.extension}",
                               saveAs=f"{media.sha256}.{media.extension}"))
    for layout in layouts:
        lines.append(_file("layout", id=layout.id, size=layout.size, md5=layout.md5,
                           download="http", fileType="layout",
                           path=f"{root}xmds/layouts/{layout.id}-{width}x{height}.xlf",
                           saveAs=f"{layout.id}.xlf"))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<files>{"".join(lines)}</files>'


def share_value(percent: int, unit: str) -> int:
    """A share of each hour (the hub keeps a percentage) as the player reads shareOfVoice."""
    return percent if unit == SHARE_PERCENT else percent * 36  # 3600 s / 100 %


def schedule_xml(layouts: list[Layout], share_unit: str = SHARE_SECONDS) -> str:
    """The display's schedule: dated entries per layout, and its default layout."""
    defaults = [layout for layout in layouts if layout.role == "default"]
    others = [layout for layout in layouts if layout.role != "default"]
    default_id = defaults[0].id if defaults else (others[0].id if others else 0)
    lines = []
    for layout in others:
        takeover = layout.role == "interrupt" and layout.share_of_voice >= 100
        partial = layout.role == "interrupt" and not takeover
        priority = layout.priority + (TAKEOVER_PRIORITY if takeover else 0)
        for start, end in layout.entries:
            lines.append(f'<layout {_attrs(file=layout.id, fromdt=start.strftime(DATE_FORMAT), todt=end.strftime(DATE_FORMAT), scheduleid=layout.id, priority=max(0, priority), shareOfVoice=share_value(layout.share_of_voice, share_unit) if partial else 0, duration=layout.duration if partial else 0, isGeoAware=0, geoLocation="", syncEvent=0, cyclePlayback=0, maxPlaysPerHour=0)}/>')  # noqa: E501
    default = f'<default {_attrs(file=default_id)}/>'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<schedule>{"".join(lines)}{default}<dependants/></schedule>'  # noqa: E501


def checksum(document: str) -> str:
    return hashlib.md5(document.encode(), usedforsecurity=False).hexdigest()


def register_answer(code: str, message: str, settings: dict | None = None,
                    check_rf: str = "", check_schedule: str = "", now: dt.datetime | None = None
                    ) -> str:
    """RegisterDisplay's ActivationMessage: READY with the display's settings and the two
    checksums, or WAITING / REFUSED with a message the player shows."""
    attributes = {"code": code, "message": message, "status": 0 if code == "READY" else 1}
    if code == "READY":
        local = (now or dt.datetime.now(dt.UTC)).astimezone(SHANGHAI)
        attributes |= {"checkRf": check_rf, "checkSchedule": check_schedule,
                       "date": local.strftime(DATE_FORMAT), "timezone": "Asia/Shanghai",
                       "localDate": local.strftime(DATE_FORMAT)}
    children = "".join(f"<{name}>{escape(str(value))}</{name}>"
                       for name, value in (settings or {}).items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<display {_attrs(**attributes)}>{children}</display>'  # noqa: E501
