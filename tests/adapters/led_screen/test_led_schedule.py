"""Schedule windows and what plays: date ranges, weekdays, time of day, overnight windows,
priority, interrupts (full and by share of voice), the default program."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.led_screen import schedule

SH = schedule.SHANGHAI


def at(text: str) -> dt.datetime:
    """A Shanghai wall-clock time as an aware instant."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def item(id_, **fields):
    return {"id": id_, "role": "normal", "priority": 0, "duration_seconds": 10,
            "share_of_voice": 100, "schedule": [], **fields}


def test_weekday_and_time_of_day():
    window = schedule.normalise_window({"weekdays": [1, 2, 3, 4, 5], "start": "07:30",
                                        "end": "09:00"}, 0)
    assert schedule.window_open(window, at("2026-11-23T08:00"))  # Monday
    assert not schedule.window_open(window, at("2026-11-23T09:00"))  # end is exclusive
    assert not schedule.window_open(window, at("2026-11-22T08:00"))  # Sunday


def test_overnight_window_belongs_to_the_day_it_starts():
    window = schedule.normalise_window({"weekdays": [5], "start": "22:00", "end": "02:00"}, 0)
    assert schedule.window_open(window, at("2026-11-27T23:00"))  # Friday night
    assert schedule.window_open(window, at("2026-11-28T01:30"))  # small hours of Saturday
    assert not schedule.window_open(window, at("2026-11-28T02:00"))
    assert not schedule.window_open(window, at("2026-11-28T23:00"))  # Saturday night
    assert not schedule.window_open(window, at("2026-11-27T01:30"))  # Thursday's small hours


def test_date_range_and_all_day():
    window = schedule.normalise_window({"from_date": "2026-12-01", "to_date": "2026-12-03"}, 0)
    assert window["start"] == "00:00" and window["end"] == "24:00"
    assert not schedule.window_open(window, at("2026-11-30T12:00"))
    assert schedule.window_open(window, at("2026-12-03T23:59"))
    assert not schedule.window_open(window, at("2026-12-04T00:00"))


@pytest.mark.parametrize("window, field", [
    ({"start": "7:30"}, "schedule.0.start"),
    ({"start": "24:00"}, "schedule.0.start"),
    ({"start": "08:00", "end": "08:00"}, "schedule.0.end"),
    ({"weekdays": [8]}, "schedule.0.weekdays"),
    ({"from_date": "2026-13-01"}, "schedule.0.from_date"),
    ({"from_date": "2026-12-05", "to_date": "2026-12-01"}, "schedule.0.to_date"),
])
def test_bad_windows_name_their_field(window, field):
    with pytest.raises(schedule.ScheduleError) as caught:
        schedule.normalise([window])
    assert caught.value.field == field


def test_validity_of_the_post_bounds_every_window():
    promo = item(1, valid_from="2026-11-25T00:00:00+08:00",
                 valid_until="2026-11-26T00:00:00+08:00")
    assert not schedule.is_due(promo, at("2026-11-24T12:00"))
    assert schedule.is_due(promo, at("2026-11-25T12:00"))
    assert not schedule.is_due(promo, at("2026-11-26T00:00"))


def test_highest_priority_wins_and_default_fills_the_gaps():
    morning = [{"start": "07:00", "end": "09:00"}]
    items = [item(1, priority=1), item(2, priority=5, schedule=morning),
             item(3, role="default")]
    assert [i["id"] for i in schedule.program(items, at("2026-11-24T08:00"))] == [2]
    assert [i["id"] for i in schedule.program(items, at("2026-11-24T12:00"))] == [1]
    assert [i["id"] for i in schedule.program([items[1], items[2]],
                                              at("2026-11-24T12:00"))] == [3]


def test_a_full_interrupt_takes_the_screen_at_once():
    items = [item(1, priority=9), item(2, role="interrupt", share_of_voice=100),
             item(3, role="default")]
    assert [i["id"] for i in schedule.program(items, at("2026-11-24T12:00"))] == [2]


def test_partial_interrupts_get_their_share_of_voice():
    items = [item(n) for n in range(1, 7)] + [item(9, role="interrupt", share_of_voice=25)]
    loop = schedule.program(items, at("2026-11-24T12:00"))
    seconds = Counter()
    for entry in loop:
        seconds[entry["id"] == 9] += entry["duration_seconds"]
    share = seconds[True] / (seconds[True] + seconds[False])
    assert 0.2 <= share <= 0.3
    assert loop[0]["id"] != 9  # spread through the loop, not bunched at the start


@given(start=st.integers(0, 23 * 60 + 59), length=st.integers(1, 23 * 60),
       minute=st.integers(0, 7 * 24 * 60 - 1))
def test_a_window_is_open_for_exactly_its_length_each_day(start, length, minute):
    """Property: whatever the window (overnight or not), the minute is inside iff it falls
    within `length` minutes after the start on some day."""
    end = (start + length) % (24 * 60)
    window = schedule.normalise_window({"start": f"{start // 60:02d}:{start % 60:02d}",
                                        "end": "24:00" if end == 0 else
                                        f"{end // 60:02d}:{end % 60:02d}"}, 0)
    moment = at("2026-11-23T00:00") + dt.timedelta(minutes=minute)
    minute_of_day = minute % (24 * 60)
    expected = (minute_of_day - start) % (24 * 60) < length
    assert schedule.window_open(window, moment) == expected
