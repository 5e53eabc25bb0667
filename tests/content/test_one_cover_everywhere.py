"""The stable contract's "one cover": a 东莞 promotion whose only image is an ordinary 900×383
cover, with a campaign, published through the editor API, reaches every outlet of 东莞 with
no per-outlet image and no refusal. The screens get designed slides of exactly 1920×1080 and
768×384 whose QR codes decode (zxing-cpp) to the campaign's landing page with "led" as the
source; the splash gets portrait posters at all four sizes; WeChat (the sandbox, over real
HTTP) gets its 2.35:1 thumb cropped around the cover's focal point."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

sys.path.insert(0, str(Path(__file__).parents[1] / "adapters" / "wechat"))

from wechat_adapter_helpers import (  # noqa: E402
    ServedApp,
    received,
    register_in_sandbox,
    settled,
    wechat_outlets,
)

from adapters.wechat.miniapp import demo_credentials  # noqa: E402
from adapters.wechat.sandbox import SandboxSettings, serve  # noqa: E402
from adapters.wechat.settings import WeChatSettings  # noqa: E402
from content.layout import checks, samples  # noqa: E402
from hub import channels  # noqa: E402

SPLASH_SIZES = {(1080, 1920), (1242, 2688), (750, 1334), (1125, 2436)}


@pytest.fixture
def outlets(app, db, config):
    """The whole demo (every adapter's outlets), WeChat pointed at a sandbox on a real port
    calling back the hub on another."""
    from adapters.app_splash import manifest
    from adapters.led_screen import playlist
    from hub import demo as demo_data

    sandbox = serve(settings=SandboxSettings(publish_delay=0.2, callback_timeout=2.0,
                                             callback_retry_delay=0.5))
    served = ServedApp(app)
    config.public_url = served.url
    mini = demo_credentials(config.secret())  # subscribe messages go through the mini-program
    requests.post(f"{sandbox.url}/sandbox/apps", timeout=10, json={
        "appid": mini.appid, "secret": mini.secret, "token": mini.token,
        "account_type": "miniprogram"}).raise_for_status()
    wechat = channels.get_channel("wechat")
    wechat.settings = WeChatSettings(api_base=sandbox.url, timeout=5.0,
                                     confirm_schedule=(1.0, 0.5, 0.5), poll_budget=50,
                                     submit_grace=1.0, token_hold=5.0,
                                     miniprogram_appid=mini.appid, miniprogram_secret=mini.secret)
    playlist.CACHE.clear()
    for cache in (manifest.ENTRIES, manifest.BODIES, manifest.LINEAGES, manifest.CHOICES):
        cache.clear()
    demo_data.load(db, config)
    db.commit()
    dongguan = next(o for o in wechat_outlets(db) if o.account.code == "dongguan")
    appid = register_in_sandbox(sandbox.url, served.url, dongguan, config)["appid"]
    db.rollback()
    yield sandbox, appid
    served.stop()
    sandbox.shutdown()


def _picture(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def test_one_landscape_cover_publishes_to_every_outlet_of_dongguan(
        client, db, token_for, outlets, dispatcher, config):
    sandbox, appid = outlets
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    uploaded = client.post("/api/v1/media", headers=author, data={
        "account": "dongguan", "file": (io.BytesIO(samples.cover(True)), "cover.jpg")},
        content_type="multipart/form-data").get_json()
    assert (uploaded["width"], uploaded["height"]) == (900, 383)
    assert uploaded["focal"]["x"] > 0.6  # the subject stands right of the middle
    post = client.post("/api/v1/posts", headers=author, json={
        "account": "dongguan", "kind": "promotion", "title": "百万红包雨：今晚八点准时开抢",
        "summary": "实名认证会员每天可抢三次", "body": "红包直接存入工会卡。",
        "cover_media_id": uploaded["id"]}).get_json()
    campaign = client.post("/api/v1/campaigns", headers=author, json={
        "account": "dongguan", "post_id": post["id"], "kind": "red_packet", "title": "红包雨",
        "starts_at": "2026-01-01T00:00:00", "ends_at": "2036-01-01T00:00:00",
        "budget_fen": 100_000, "count": 1000}).get_json()
    approved = client.post(f"/api/v1/campaigns/{campaign['id']}/approve", headers=reviewer,
                           json={})
    assert approved.status_code == 200, approved.get_json()
    # Every outlet's check passes: no refusal of the cover anywhere.
    assert client.post(f"/api/v1/posts/{post['id']}/submit", headers=author).status_code == 200
    client.post(f"/api/v1/posts/{post['id']}/approve", headers=reviewer)
    published = client.post(f"/api/v1/posts/{post['id']}/publish", headers=reviewer)
    assert published.status_code == 200, published.get_json()

    dispatcher.drain()
    listing = client.get(f"/api/v1/posts/{post['id']}/deliveries", headers=author).get_json()
    if listing["summary"] != {"delivered": len(listing["deliveries"])}:
        listing = settled(client, author, post["id"], {"delivered": len(listing["deliveries"])})
    reached = {d["channel"] for d in listing["deliveries"]}
    assert {"led", "splash", "wechat", "web"} <= reached
    landing = f"{config.public_url}/c/{campaign['id']}?src=led"
    _assert_screens(client, db, post["id"], landing)
    _assert_splash(client, post["id"])
    _assert_wechat(sandbox, appid)


def _assert_screens(client, db, post_id: int, landing: str) -> None:
    from adapters.led_screen import services

    for code, size in (("dg-guomao", (1920, 1080)), ("dg-hongfu", (768, 384))):
        token = services.issue_token(db, services.get_screen(db, code))
        db.commit()
        document = client.get("/led/v1/playlist",
                              headers={"Authorization": f"Bearer {token}"}).get_json()
        item = next(i for i in document["items"] if i["post_id"] == post_id)
        assert item["type"] == "image" and (item["file"]["width"], item["file"]["height"]) == size
        data = client.get(urlsplit(item["file"]["url"]).path).data
        picture = _picture(data)
        assert picture.size == size
        assert checks.decoded_qr(picture) == landing, code


def _assert_splash(client, post_id: int) -> None:
    manifest = client.get("/splash/v1/manifest?slot=app-launch&region=441900").get_json()
    current = manifest["current"]
    assert current is not None and current["post_id"] == post_id
    sizes = {(image["width"], image["height"]) for image in current["images"]}
    assert sizes == SPLASH_SIZES
    for image in current["images"]:
        data = client.get(urlsplit(image["url"]).path).data
        assert _picture(data).size == (image["width"], image["height"])


def _assert_wechat(sandbox, appid: str) -> None:
    got = received(sandbox.url, appid)
    draft = got["drafts"][-1]["articles"][0]
    thumb = requests.get(draft["thumb_url"], timeout=10)
    assert thumb.status_code == 200
    assert _picture(thumb.content).size == (900, 383)
