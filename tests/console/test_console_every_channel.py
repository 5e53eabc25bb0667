"""The console shows whatever channels the hub is configured with: here the default list
(WeChat, screens, splash, the site, ...), each previewed through its own `render`."""

from __future__ import annotations

import re

import pytest
from console_support import csrf_of, login

from hub.outlets.services import is_post_outlet, outlets_of


@pytest.fixture
def default_app(app, config):
    from hub import demo

    with app.extensions["hub.sessions"]() as db:
        demo.load(db, config)  # every enabled adapter binds its demo outlets
        db.commit()
    return app


@pytest.mark.default_channels
def test_every_outlet_of_the_default_channels_gets_a_preview(default_app):
    client = default_app.test_client()
    assert login(client, "dg-editor").status_code == 302
    page = client.get("/console/a/dongguan/compose")
    offered = re.findall(r'name="channels" value="([^"]+)"', page.get_data(as_text=True))
    created = client.post("/console/a/dongguan/compose", data={
        "csrf_token": csrf_of(page), "kind": "article", "title": "东莞工会服务月",
        "body": "全市工会服务站点延长开放时间。", "channels": offered})
    assert created.status_code == 302, created.get_data(as_text=True)
    html = client.get(created.headers["Location"]).get_data(as_text=True)
    with default_app.extensions["hub.read_sessions"]() as db:
        from hub.accounts.services import get_account

        dongguan = get_account(db, "dongguan")
        expected = [o for o in outlets_of(db, [dongguan.id])
                    if is_post_outlet(o)]
    assert expected, "the demo binds outlets for 东莞"
    assert html.count('<figure class="preview') == len(expected)
    sources = dict(re.findall(r'data-channel="([^"]+)"[^>]*>.*?<iframe [^>]*src="([^"]+)"', html,
                              re.S))
    assert len(sources) == len({o.channel for o in expected})
    for channel, source in sources.items():
        document = client.get(source)
        assert document.status_code == 200
        shown = document.get_data(as_text=True)
        # An editor reads words, never an outlet's raw fields (a table of keys, JSON).
        assert '<table class="fields">' not in shown and '{"' not in shown, (channel, shown)
    # The splash shows promotions only: for this article it says so in plain Chinese.
    assert "开屏只展示「活动 / 福利」稿件" in client.get(sources["splash"]).get_data(as_text=True)
    frames = len(re.findall(r"<iframe ", html))
    refused = html.count('<p class="flash error">')
    assert frames + refused == len(expected)  # each outlet shows its form or says why not
