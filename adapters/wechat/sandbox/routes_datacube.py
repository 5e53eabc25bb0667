"""WeChat's article figures (图文分析): `datacube/getarticlesummary` and `getarticletotal`.

As WeChat answers them: one day at a time (begin_date = end_date, 最大时间跨度 1 天), never
today or later (the figures of a day are ready the next day), dates as YYYY-MM-DD (61500 when
not, 61501 for a range WeChat refuses), for official accounts only (48001), rationed per day.

- getarticlesummary(D): every article read on D, with that day's own figures.
- getarticletotal(D): the articles sent on D, each with `details`: one entry per day from D
  to at most six days later (and before today), the figures added up to that day.

The figures come from the admin route `POST /sandbox/apps/<appid>/article-stats`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response

from .errors import WeChatError
from .guard import with_access_token
from .records import CHINA_UTC_OFFSET, AppRecord, ArticleStats
from .routes_publish import require_official_account
from .runtime import SandboxRuntime
from .wire import json_body, wechat_json

bp = Blueprint("wechat_datacube", __name__)

# The figures of a day, as both calls name them.
FIGURES = ("int_page_read_user", "int_page_read_count", "ori_page_read_user",
           "ori_page_read_count", "share_user", "share_count", "add_to_fav_user",
           "add_to_fav_count")
TOTAL_DAYS = 7  # getarticletotal follows an article for its first seven days


def _date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise WeChatError(61500)
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise WeChatError(61500) from None


def _one_past_day(rt: SandboxRuntime) -> dt.date:
    """The day asked about: begin_date = end_date, before today (Beijing time)."""
    body = json_body()
    begin, end = _date(body.get("begin_date")), _date(body.get("end_date"))
    today = dt.datetime.fromtimestamp(rt.state.now() + CHINA_UTC_OFFSET, dt.UTC).date()
    if begin != end or end >= today:
        raise WeChatError(61501)
    return begin


def _figures(day: dict[str, int]) -> dict[str, int]:
    return {name: int(day.get(name, 0)) for name in FIGURES}


@bp.post("/datacube/getarticlesummary")
@with_access_token
def article_summary(rt: SandboxRuntime, app: AppRecord) -> Response:
    require_official_account(app)
    day = _one_past_day(rt).isoformat()
    with rt.state.lock:
        app.take_quota(rt.settings, "datacube_getarticlesummary", rt.state.now())
        found = [{"ref_date": day, "msgid": stats.msgid, "title": stats.title,
                  **_figures(stats.days[day])}
                 for stats in app.article_stats.values() if day in stats.days]
    return wechat_json({"list": found})


def _details(stats: ArticleStats, sent: dt.date, today: dt.date) -> list[dict[str, Any]]:
    totals = dict.fromkeys(FIGURES, 0)
    details = []
    for offset in range(TOTAL_DAYS):
        day = sent + dt.timedelta(days=offset)
        if day >= today:
            break
        for name, value in _figures(stats.days.get(day.isoformat(), {})).items():
            totals[name] += value
        details.append({"stat_date": day.isoformat(), "target_user": stats.target_user,
                        **totals})
    return details


@bp.post("/datacube/getarticletotal")
@with_access_token
def article_total(rt: SandboxRuntime, app: AppRecord) -> Response:
    require_official_account(app)
    sent = _one_past_day(rt)
    today = dt.datetime.fromtimestamp(rt.state.now() + CHINA_UTC_OFFSET, dt.UTC).date()
    with rt.state.lock:
        app.take_quota(rt.settings, "datacube_getarticletotal", rt.state.now())
        found = [{"ref_date": sent.isoformat(), "msgid": stats.msgid, "title": stats.title,
                  "details": _details(stats, sent, today)}
                 for stats in app.article_stats.values() if stats.sent == sent.isoformat()]
    return wechat_json({"list": found})
