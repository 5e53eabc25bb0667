"""WeChat's own article figures, pulled once a day from the datacube (wechatpy against the
sandbox) for every official account of the matrix, move the reads of the account and of those
above it; a second tick, a second process or a restart never counts a day twice."""

from __future__ import annotations

import datetime as dt

import requests
from sqlalchemy import update
from wechat_adapter_helpers import quotas, received

from hub.clock import SHANGHAI
from hub.outlets.models import Outlet

HTTP_TIMEOUT = 10


def _stats(sandbox_url: str, appid: str, day: str, reads: int) -> None:
    answer = requests.post(f"{sandbox_url}/sandbox/apps/{appid}/article-stats", json={
        "msgid": f"{appid}-1_1", "title": "东莞百万红包雨开抢", "sent": day,
        "target_user": 50_000, "days": {day: {"int_page_read_count": reads,
                                              "int_page_read_user": reads // 2}}},
        timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200, answer.text


def _reads(client, headers, code: str, day: str) -> int:
    body = client.get(f"/api/v1/kpis?account={code}&days=3", headers=headers).get_json()
    return next(p["value"] for p in body["reads"]["series"] if p["date"] == day)


def test_yesterdays_wechat_reads_count_once_for_the_account_and_above(
        client, db, token_for, matrix, wechat, wechat_sandbox):
    headers = token_for("gd-admin")
    # Three of the matrix's 34 accounts stay bound (a disabled outlet is not asked): quicker.
    db.execute(update(Outlet).where(Outlet.channel == "wechat", Outlet.key.not_in(
        [matrix[code]["appid"] for code in ("dongguan", "dg-humen", "dg-changan")]))
        .values(enabled=False))
    db.commit()
    day = (dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)).isoformat()
    dongguan, humen = matrix["dongguan"]["appid"], matrix["dg-humen"]["appid"]
    _stats(wechat_sandbox.url, dongguan, day, 1200)
    _stats(wechat_sandbox.url, humen, day, 300)
    quotas(wechat_sandbox.url, matrix["dg-changan"]["appid"], datacube_getarticlesummary=0)
    before = {code: _reads(client, headers, code, day)
              for code in ("guangdong", "dongguan", "dg-humen")}

    wechat.article_reads.tick()
    assert wechat.article_reads.done_for is None  # 长安 was out of quota: tried again later
    after = {code: _reads(client, headers, code, day) for code in before}
    assert after == {"guangdong": before["guangdong"] + 1500,
                     "dongguan": before["dongguan"] + 1500, "dg-humen": before["dg-humen"] + 300}

    quotas(wechat_sandbox.url, matrix["dg-changan"]["appid"], datacube_getarticlesummary=5)
    wechat.article_reads.tick()  # only 长安 is asked now
    assert str(wechat.article_reads.done_for) == day
    wechat.article_reads.done_for = None  # as a restarted process: the hub knows the day
    wechat.article_reads.tick()
    assert received(wechat_sandbox.url, dongguan)["quota_used"][
        "datacube_getarticlesummary"] == 1
    assert received(wechat_sandbox.url, matrix["dg-changan"]["appid"])["quota_used"][
        "datacube_getarticlesummary"] == 1
    assert {code: _reads(client, headers, code, day) for code in before} == after

    _stats(wechat_sandbox.url, humen, day, 340)  # WeChat's figure corrected: asked again
    wechat.article_reads.pull(dt.date.fromisoformat(day))
    assert _reads(client, headers, "dg-humen", day) == before["dg-humen"] + 340
    assert _reads(client, headers, "guangdong", day) == before["guangdong"] + 1540
