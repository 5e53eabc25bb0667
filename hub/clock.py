"""Times: stored in UTC, entered and shown in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(SHANGHAI) if value is not None else None


def local_iso(value: dt.datetime | None) -> str | None:
    local = to_local(value)
    return local.isoformat(timespec="seconds") if local is not None else None


def chinese_time(value: dt.datetime | None) -> str:
    """A time as people here write it, in Beijing time: 2026年12月7日 19:23."""
    local = to_local(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" if local else ""


def as_utc(value: dt.datetime) -> dt.datetime:
    """An editor's time as UTC; a time without an offset is read as Asia/Shanghai."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(dt.UTC)
