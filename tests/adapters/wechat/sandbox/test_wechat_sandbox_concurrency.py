"""The sandbox under concurrent calls: one lock keeps its state consistent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
from wechat_sandbox_helpers import HTTP_TIMEOUT, add_thumb

WORKERS = 16


def test_concurrent_stable_token_calls_share_one_token(app):
    def fetch(_: int) -> str:
        return requests.post(f"{app.base_url}/cgi-bin/stable_token", timeout=HTTP_TIMEOUT,
                             json={"grant_type": "client_credential", "appid": app.appid,
                                   "secret": app.secret}).json()["access_token"]

    with ThreadPoolExecutor(WORKERS) as pool:
        tokens = set(pool.map(fetch, range(WORKERS * 2)))

    assert len(tokens) == 1
    assert app.received()["quota_used"]["stable_token"] == WORKERS * 2


def test_concurrent_drafts_are_all_kept(app):
    token = app.fetch_token()
    thumb = add_thumb(app, token)["media_id"]

    def add(number: int) -> str:
        return app.call("/cgi-bin/draft/add", token, {"articles": [
            {"title": f"第{number}篇", "content": "<p>正文</p>",
             "thumb_media_id": thumb}]})["media_id"]

    with ThreadPoolExecutor(WORKERS) as pool:
        media_ids = set(pool.map(add, range(WORKERS * 2)))

    drafts = app.received()["drafts"]
    assert len(media_ids) == len(drafts) == WORKERS * 2
    assert {d["articles"][0]["title"] for d in drafts} == {
        f"第{n}篇" for n in range(WORKERS * 2)}
