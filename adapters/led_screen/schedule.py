"""Schedule windows and what is due: shared by the hub (previews) and the reference player.

A window is {"from_date", "to_date", "weekdays", "start", "end"} in Asia/Shanghai; a window
whose end is before its start runs overnight and belongs to the day it starts on. Among the
items due, full interrupts (share of voice 100) take the screen alone; otherwise the highest
priority wins and partial interrupts get their share of the airtime; the default program
plays when nothing else is due. Plain data in, plain data out: no database, no Flask.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


class ScheduleError(ValueError):
    """A window an editor must fix; `field` names it, the message is Chinese."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message, self.field = message, field


def parse_clock(value: str, field: str) -> dt.time | None:
    """"HH:MM" -> time; "24:00" (end of day) -> None."""
    if not isinstance(value, str) or not CLOCK.match(value):
        raise ScheduleError(f"时间应为 HH:MM（00:00–24:00），收到 {value!r}", field)
    if value == "24:00":
        return None
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def normalise_window(window: dict, index: int) -> dict:
    """Check one window and return it in its stored form."""
    where = f"schedule.{index}"
    start = window.get("start", "00:00")
    end = window.get("end", "24:00")
    start_time = parse_clock(start, f"{where}.start")
    if start_time is None:
        raise ScheduleError("开始时间不能是 24:00", f"{where}.start")
    parse_clock(end, f"{where}.end")
    if start == end or (start == "00:00" and end == "00:00"):
        raise ScheduleError("开始与结束时间相同；全天请写 00:00–24:00", f"{where}.end")
    weekdays = window.get("weekdays")
    if weekdays is not None:
        if not weekdays or any(not isinstance(d, int) or not 1 <= d <= 7 for d in weekdays):
            raise ScheduleError("weekdays 为 1（周一）到 7（周日）的列表", f"{where}.weekdays")
        weekdays = sorted(set(weekdays))
    dates = {}
    for name in ("from_date", "to_date"):
        value = window.get(name)
        if value is not None:
            try:
                dates[name] = dt.date.fromisoformat(value).isoformat()
            except (TypeError, ValueError):
                raise ScheduleError(f"日期应为 YYYY-MM-DD，收到 {value!r}",
                                    f"{where}.{name}") from None
    if dates.get("from_date") and dates.get("to_date") and dates["to_date"] < dates["from_date"]:
        raise ScheduleError("结束日期早于开始日期", f"{where}.to_date")
    return {"from_date": dates.get("from_date"), "to_date": dates.get("to_date"),
            "weekdays": weekdays, "start": start, "end": end}


def normalise(windows: list[dict] | None) -> list[dict]:
    return [normalise_window(window, i) for i, window in enumerate(windows or [])]


def _day_matches(window: dict, day: dt.date) -> bool:
    if window.get("weekdays") and day.isoweekday() not in window["weekdays"]:
        return False
    if window.get("from_date") and day < dt.date.fromisoformat(window["from_date"]):
        return False
    return not (window.get("to_date") and day > dt.date.fromisoformat(window["to_date"]))


day_matches = _day_matches  # public: the Xibo schedule expands windows day by day


def window_open(window: dict, local: dt.datetime) -> bool:
    """Is `local` (an Asia/Shanghai time) inside the window?"""
    start = parse_clock(window["start"], "start")
    end = parse_clock(window["end"], "end")
    now = local.time()
    today, yesterday = local.date(), local.date() - dt.timedelta(days=1)
    if end is None or start < end:  # within one day
        return _day_matches(window, today) and start <= now and (end is None or now < end)
    # Overnight: the evening part belongs to today, the small hours to yesterday's window.
    return (_day_matches(window, today) and now >= start) or \
        (_day_matches(window, yesterday) and now < end)


def _instant(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def is_due(item: dict, now: dt.datetime) -> bool:
    """`item` as in a playlist (valid_from/valid_until ISO strings, schedule windows)."""
    valid_from, valid_until = _instant(item.get("valid_from")), _instant(item.get("valid_until"))
    if valid_from is not None and now < valid_from:
        return False
    if valid_until is not None and now >= valid_until:
        return False
    windows = item.get("schedule") or []
    local = now.astimezone(SHANGHAI)
    return not windows or any(window_open(w, local) for w in windows)


def program(items: list[dict], now: dt.datetime) -> list[dict]:
    """The loop to play at `now`: the order in which due items follow each other."""
    due = [item for item in items if is_due(item, now)]
    interrupts = [i for i in due if i.get("role") == "interrupt"]
    takeover = [i for i in interrupts if i.get("share_of_voice", 100) >= 100]
    if takeover:
        return _by_priority(takeover)
    normal = [i for i in due if i.get("role", "normal") == "normal"]
    loop = _by_priority(normal) if normal else [i for i in due if i.get("role") == "default"]
    return _with_share_of_voice(loop, [i for i in interrupts if i not in takeover])


def _by_priority(items: list[dict]) -> list[dict]:
    top = max(item.get("priority", 0) for item in items)
    return [item for item in items if item.get("priority", 0) == top]


def _with_share_of_voice(loop: list[dict], partial: list[dict]) -> list[dict]:
    """Insert each partial interrupt often enough to take its share of the loop's airtime."""
    if not partial:
        return loop
    if not loop:
        return partial
    base = sum(item.get("duration_seconds", 10) for item in loop)
    result = list(loop)
    for interrupt in partial:
        share = max(1, min(99, interrupt.get("share_of_voice", 100))) / 100
        seconds = interrupt.get("duration_seconds", 10)
        repeats = max(1, round(share / (1 - share) * base / seconds))
        step = max(1, len(result) // repeats)
        for n in range(repeats):
            result.insert(min(len(result), (n + 1) * step + n), interrupt)
    return result


WEEKDAY_NAMES = "一二三四五六日"


def describe(window: dict) -> str:
    """A window in words, as an editor reads it: "12-01 至 12-31 周一、周五 08:00–20:00"."""
    parts = []
    if window.get("from_date") or window.get("to_date"):
        parts.append(f"{(window.get('from_date') or '即日')[5:] or '即日'} 至 "
                     f"{(window.get('to_date') or '')[5:] or '撤下为止'}")
    days = window.get("weekdays")
    parts.append("每天" if not days else "、".join(f"周{WEEKDAY_NAMES[d - 1]}" for d in days))
    parts.append(f"{window.get('start', '00:00')}–{window.get('end', '24:00')}")
    return " ".join(parts)
