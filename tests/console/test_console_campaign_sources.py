"""The campaign page's 会员来源: views of the landing page from an LED screen's QR code show
under their outlet, an editor makes a 虎门 地推 code in two clicks (the form comes filled but
for the place), and its poster downloads with a QR code that opens the landing page with the
code as its source."""

from __future__ import annotations

import io

import zxingcpp
from console_support import csrf_of
from PIL import Image

from hub.attribution.models import PromoCode
from tests.campaigns.campaign_helpers import approve_campaign, publish_post, window


def _campaign(client, token_for) -> int:
    post = client.post("/api/v1/posts", headers=token_for("dg-editor"), json={
        "account": "dongguan", "title": "东莞红包雨", "body": "点击参加", "kind": "promotion"})
    assert post.status_code == 201, post.get_json()
    post_id = post.get_json()["id"]
    publish_post(client, token_for, post_id, "dg-editor", "dg-reviewer")
    made = client.post("/api/v1/campaigns", headers=token_for("dg-editor"), json={
        "account": "dongguan", "post_id": post_id, "kind": "red_packet", "title": "东莞红包雨",
        "budget_fen": 10_000, "count": 10, **window()})
    assert made.status_code == 201, made.get_json()
    return approve_campaign(client, token_for, made.get_json()["id"], "dg-reviewer")["id"]


def test_an_editor_sees_sources_and_makes_a_ground_code_with_its_poster(
        app, db, config, client, token_for, console_as):
    campaign_id = _campaign(client, token_for)
    assert client.get(f"/c/{campaign_id}?src=led").status_code == 200
    editor = console_as("dg-editor")
    page = editor.get(f"/console/campaigns/{campaign_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "会员来源" in html and "还没有地推码" in html
    assert '<option value="dg-humen">' in html  # the editor's accounts beneath, to choose

    made = editor.post(f"/console/campaigns/{campaign_id}/promo-codes", data={
        "csrf_token": csrf_of(page), "account": "dg-humen", "held_on": "2026-12-12",
        "name": "东莞红包雨 地推", "place": "虎门镇人民广场"})
    assert made.status_code == 302
    html = editor.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    code = db.query(PromoCode).filter_by(campaign_id=campaign_id).one()
    assert "虎门镇人民广场" in html and "已生成地推码" in html
    assert f"/console/promo-codes/{code.id}/poster.pdf" in html

    poster = editor.get(f"/console/promo-codes/{code.id}/poster.png?size=a4")
    assert poster.status_code == 200 and poster.mimetype == "image/png"
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(poster.data)))]
    assert f"{config.public_url}/c/{campaign_id}?src=dt-{code.id}" in found
    assert editor.get(f"/console/promo-codes/{code.id}/poster.pdf").data.startswith(b"%PDF")

    missing = editor.post(f"/console/campaigns/{campaign_id}/promo-codes", data={
        "csrf_token": csrf_of(page), "account": "dg-humen", "held_on": "2026-12-12",
        "name": "x", "place": ""}, follow_redirects=True)
    assert "请填写地推活动名称和地点" in missing.get_data(as_text=True)
    assert db.query(PromoCode).filter_by(campaign_id=campaign_id).count() == 1
    stranger = console_as("mz-editor")
    assert stranger.get(f"/console/promo-codes/{code.id}/poster.png").status_code == 403


def test_a_town_editor_makes_a_ground_code_for_the_citys_campaign_on_their_own_page(
        console_as, demo, db):
    """虎门's editor cannot open 东莞's campaign, but makes a code for it on 虎门's 地推码 page,
    downloads its poster and sees the code with its figures there."""
    from sqlalchemy import select

    from hub.campaigns.models import Campaign, CampaignState

    humen = console_as("hm-editor")
    page = humen.get("/console/a/dg-humen/promo-codes")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    city = db.scalars(select(Campaign).where(Campaign.state != CampaignState.closed)
                      .order_by(Campaign.id.desc())).first()
    assert city is not None and city.title in text
    assert humen.get(f"/console/campaigns/{city.id}").status_code in (403, 404)

    back = "/console/a/dg-humen/promo-codes"
    made = humen.post(f"/console/campaigns/{city.id}/promo-codes", data={
        "csrf_token": csrf_of(page), "account": "dg-humen", "back": back,
        "held_on": "2026-12-12", "name": "虎门夜市地推", "place": "虎门镇人民广场"})
    assert made.status_code == 302 and made.headers["Location"].endswith(back)
    db.rollback()
    code = db.scalars(select(PromoCode).where(PromoCode.name == "虎门夜市地推")).one()
    shown = humen.get(back).get_data(as_text=True)
    assert "虎门夜市地推" in shown and "虎门镇人民广场" in shown
    poster = humen.get(f"/console/promo-codes/{code.id}/poster.png?size=a4")
    assert poster.status_code == 200 and poster.mimetype == "image/png"
    # A back address elsewhere is not followed.
    away = humen.post(f"/console/campaigns/{city.id}/promo-codes", data={
        "csrf_token": csrf_of(page), "account": "dg-humen", "back": "https://elsewhere.example/",
        "held_on": "2026-12-13", "name": "又一次", "place": "虎门"})
    assert "elsewhere" not in away.headers["Location"]
