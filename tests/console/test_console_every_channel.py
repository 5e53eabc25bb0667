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
    for source in re.findall(r'<iframe title="[^"]+" src="([^"]+)"', html):
        assert client.get(source).status_code == 200
    frames = len(re.findall(r"<iframe ", html))
    refused = html.count('<p class="flash error">')
    assert frames + refused == len(expected)  # each outlet shows its form or says why not
