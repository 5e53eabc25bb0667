"""The datacube's article figures through wechatpy: one past day at a time, the day's own
figures (getarticlesummary) and the first week's running totals (getarticletotal)."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from wechat_sandbox_helpers import HTTP_TIMEOUT, register
from wechatpy.exceptions import WeChatClientException

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _days_ago(n: int) -> str:
    return (dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=n)).isoformat()


def _set_stats(app, **stats) -> None:
    answer = requests.post(f"{app.base_url}/sandbox/apps/{app.appid}/article-stats",
                           json=stats, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200, answer.text


def test_a_days_figures_and_an_articles_first_week(app):
    sent, next_day = _days_ago(3), _days_ago(2)
    _set_stats(app, msgid="2247483650_1", title="东莞百万红包雨开抢", sent=sent,
               target_user=52_000, days={
                   sent: {"int_page_read_user": 900, "int_page_read_count": 1200,
                          "share_user": 40, "share_count": 55},
                   next_day: {"int_page_read_user": 300, "int_page_read_count": 350}})
    _set_stats(app, msgid="2247483651_1", title="梅州职工课堂开课", sent=next_day,
               target_user=8_000, days={next_day: {"int_page_read_count": 70}})
    datacube = app.client().datacube

    summary = datacube.get_article_summary(next_day, next_day)
    assert sorted((row["msgid"], row["int_page_read_count"]) for row in summary) == [
        ("2247483650_1", 350), ("2247483651_1", 70)]
    assert summary[0]["ref_date"] == next_day and "add_to_fav_count" in summary[0]

    total = datacube.get_article_total(sent, sent)
    assert [row["msgid"] for row in total] == ["2247483650_1"]
    details = total[0]["details"]
    assert [(d["stat_date"], d["int_page_read_count"]) for d in details] == [
        (sent, 1200), (next_day, 1550), (_days_ago(1), 1550)]  # never today
    assert details[0]["target_user"] == 52_000 and details[-1]["share_count"] == 55


@pytest.mark.parametrize(("begin", "end", "errcode"), [
    ("2026/12/01", "2026/12/01", 61500),
    (0, 1, 61501), (1, 1, None), (0, 0, 61501), (2, 1, 61501)])
def test_only_one_past_day_at_a_time(app, begin, end, errcode):
    datacube = app.client().datacube
    if isinstance(begin, int):
        begin, end = _days_ago(begin), _days_ago(end)
    if errcode is None:
        assert datacube.get_article_summary(begin, end) == []
        return
    with pytest.raises(WeChatClientException) as refused:
        datacube.get_article_summary(begin, end)
    assert refused.value.errcode == errcode


def test_rationed_per_day_and_for_official_accounts_only(app, sandbox):
    answer = requests.post(f"{app.base_url}/sandbox/apps/{app.appid}/quotas",
                           json={"datacube_getarticletotal": 1}, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200
    datacube = app.client().datacube
    day = _days_ago(1)
    assert datacube.get_article_total(day, day) == []
    with pytest.raises(WeChatClientException) as refused:
        datacube.get_article_total(day, day)
    assert refused.value.errcode == 45009
    assert datacube.get_article_summary(day, day) == []  # each call has its own ration
    mini = register(sandbox, account_type="miniprogram")
    with pytest.raises(WeChatClientException) as refused:
        mini.client().datacube.get_article_summary(day, day)
    assert refused.value.errcode == 48001
