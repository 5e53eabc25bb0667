"""The publishing calendar: an account's scheduled and published posts on a month or a week
in Beijing time, each scheduled post with a field to move it to another time (the workflow's
own schedule action, so every rule of who may publish still holds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import g, render_template, request
from sqlalchemy import or_, select

from hub.clock import SHANGHAI, to_local
from hub.console.blueprint import bp
from hub.console.post_views import available_actions
from hub.console.views import account_for
from hub.posts.models import Post

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


@dataclass
class Entry:
    post: Post
    at: dt.datetime  # Beijing time
    scheduled: bool
    may_reschedule: bool
    may_unschedule: bool


def _day_arg(value: str | None) -> dt.date:
    today = dt.datetime.now(SHANGHAI).date()
    try:
        return dt.date.fromisoformat(value) if value else today
    except ValueError:
        return today


def _span(view: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day shown: whole weeks, Monday first."""
    if view == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    start = first - dt.timedelta(days=first.weekday())
    last = following - dt.timedelta(days=1)
    return start, last + dt.timedelta(days=6 - last.weekday())


def _utc_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    begin = dt.datetime.combine(start, dt.time(), tzinfo=SHANGHAI).astimezone(dt.UTC)
    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(),
                               tzinfo=SHANGHAI).astimezone(dt.UTC)
    return begin, stop


def entries_between(account, start: dt.date, end: dt.date) -> dict[dt.date, list[Entry]]:
    begin, stop = _utc_bounds(start, end)
    found = g.db.scalars(select(Post).where(
        Post.account_id == account.id,
        or_((Post.state == "scheduled") & (Post.publish_at >= begin) & (Post.publish_at < stop),
            (Post.published_at >= begin) & (Post.published_at < stop)),
    ))
    days: dict[dt.date, list[Entry]] = {}
    for post in found:
        scheduled = post.state == "scheduled" and post.publish_at is not None
        at = to_local(post.publish_at if scheduled else post.published_at)
        allowed = available_actions(post) if scheduled else set()
        days.setdefault(at.date(), []).append(Entry(post, at, scheduled, "schedule" in allowed,
                                                    "unschedule" in allowed))
    for items in days.values():
        items.sort(key=lambda e: e.at)
    return days


@bp.get("/a/<code>/calendar")
def account_calendar(code: str):
    account = account_for(code)
    view = "week" if request.args.get("view") == "week" else "month"
    day = _day_arg(request.args.get("day"))
    start, end = _span(view, day)
    entries = entries_between(account, start, end)
    weeks = [[start + dt.timedelta(days=w * 7 + i) for i in range(7)]
             for w in range(((end - start).days + 1) // 7)]
    step = dt.timedelta(days=7) if view == "week" else None
    previous = day - step if step else (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    following = day + step if step else (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return render_template("console/calendar.html", account=account, page="calendar",
                           view=view, day=day, weeks=weeks, entries=entries,
                           weekdays=WEEKDAYS, previous=previous, following=following,
                           today=dt.datetime.now(SHANGHAI).date())
