"""Which outlet or 地推 code brought which members, through the real API: the landing page
counts its views by `src`; a 虎门 editor makes a 地推 code for a 东莞 campaign (its
mini-program code from the WeChat sandbox, posters whose QR code opens the landing page with
the code as its source); a member who opens the campaign from it and verifies shows in that
code's funnel, rolled up to 虎门; a member's first, last and sharing sources are kept."""

from __future__ import annotations

import io
from dataclasses import replace

import zxingcpp
from campaign_helpers import request_id
from PIL import Image

from adapters.app_splash import rules as splash_rules
from adapters.app_splash.services import _link as splash_link
from hub import channels
from hub.attribution.models import MemberSource
from hub.channels import PostSnapshot
from hub.members.demo import DEMO_MEMBER
from hub.members.identity import IdKeys
from hub.mp import sharing
from tests.mp.conftest import login_code, members, mini_app, sandbox, sign_in  # noqa: F401


def _funnel(client, headers, campaign_id: int, account: str | None = None) -> dict:
    query = f"?account={account}" if account else ""
    answer = client.get(f"/api/v1/campaigns/{campaign_id}/funnel{query}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _row(rows: list[dict], source: str) -> dict:
    return next(row for row in rows if row["source"] == source)


def _decoded(image_bytes: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(image_bytes)))]


def test_each_outlet_names_itself_on_the_campaign_link():
    landing = "https://hub.example.cn/c/7"
    post = PostSnapshot(id=1, version=1, kind="promotion", account_code="dongguan",
                        account_name="东莞市总工会", title="红包雨", summary="", body="x",
                        body_html="<p>x</p>", link_url=landing, cover_url=None,
                        valid_from=None, valid_until=None, origin_account_code="dongguan",
                        campaign_path="pages/campaign/index?id=7", campaign_url=landing)
    assert splash_link(splash_rules.SplashOptions(), post) == {
        "type": "h5", "url": f"{landing}?src=splash"}
    assert post.link_from("web") == f"{landing}?src=web"
    assert post.campaign_path_from("wechat") == "pages/campaign/index?id=7&src=wechat"
    own = replace(post, link_url="https://union.example.cn/news")
    assert own.link_from("web") == "https://union.example.cn/news"


def test_the_site_button_and_the_landing_page_count_by_source(client, db, config, token_for,
                                                             campaign, dispatcher):
    channels.get_channel("web").load_demo(db, config)
    db.commit()
    made = campaign("red_packet", "dongguan", budget_fen=10_000, count=10, title="东莞红包雨")
    dispatcher.drain()
    page = client.get(f"/sites/dongguan/posts/{made['post_id']}").get_data(as_text=True)
    assert f"/c/{made['id']}?src=web" in page

    for src in ("led", "led", "splash", "web", "bad source!", None):
        query = f"?src={src}" if src else ""
        answer = client.get(f"/c/{made['id']}{query}")
        assert answer.status_code == 200
    assert "src=led" in client.get(f"/c/{made['id']}?src=led").get_data(as_text=True)
    funnel = _funnel(client, token_for("dg-editor"), made["id"])
    visits = {row["source"]: row["visits"] for row in funnel["by_outlet"]}
    assert visits == {"led": 3, "splash": 1, "web": 1, "direct": 2}
    assert _row(funnel["by_outlet"], "direct")["label"] == "直接打开"
    assert funnel["totals"]["visits"] == 7 and funnel["by_code"] == []


def test_a_member_from_a_humen_ground_code_who_verifies_shows_in_its_funnel(
        client, db, config, token_for, campaign, members, sign_in):  # noqa: F811
    made = campaign("red_packet", "dongguan", budget_fen=10_000, count=10, title="东莞红包雨")
    humen = token_for("hm-editor")
    created = client.post("/api/v1/promo-codes", headers=humen, json={
        "account": "dg-humen", "campaign_id": made["id"], "name": "虎门周末地推",
        "place": "虎门镇人民广场", "held_on": "2026-12-12"})
    assert created.status_code == 201, created.get_json()
    code = created.get_json()
    source = code["source"]
    assert code["has_wxacode"] and code["scene"] == f"id={made['id']}&src={source}"

    image = client.get(code["wxacode_url"], headers=humen)
    assert image.status_code == 200
    assert _decoded(image.data) == [f"pages/campaign/index?id={made['id']}&src={source}"]
    landing = f"{config.public_url}/c/{made['id']}?src={source}"
    poster = client.get(code["poster_urls"]["a4.png"], headers=humen)
    assert poster.status_code == 200 and poster.mimetype == "image/png"
    assert landing in _decoded(poster.data)
    pdf = client.get(code["poster_urls"]["banner.pdf"], headers=humen)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    headers, _ = sign_in()
    opened = client.get(f"/mp/v1/campaigns/{made['id']}?src={source}", headers=headers)
    assert opened.status_code == 200, opened.get_json()
    name, number, _, _ = DEMO_MEMBER
    verified = client.post("/mp/v1/verification", headers=headers,
                           json={"name": name, "id_number": number})
    assert verified.status_code == 200, verified.get_json()
    claimed = client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=headers,
                          json={"request_id": request_id()})
    assert claimed.status_code == 200, claimed.get_json()
    client.get(f"/mp/v1/campaigns/{made['id']}", headers=headers)  # a later visit: no new row

    funnel = _funnel(client, token_for("dg-editor"), made["id"])
    row = _row(funnel["by_code"], source)
    assert (row["visits"], row["members"], row["verified"], row["newly_verified"],
            row["claims"]) == (1, 1, 1, 1, 1)
    assert row["welfare_value_fen"] == claimed.get_json()["amount_fen"] > 0
    # The same row in the contract's steps (DESIGN.md): seen, opened, signed in, verified,
    # claimed, redeemed.
    assert (row["seen"], row["opened"], row["signed_in"], row["verified"], row["claimed"],
            row["redeemed"]) == (1, 1, 1, 1, 1, 0)
    assert funnel["totals"]["seen"] >= funnel["totals"]["opened"] >= 1
    assert row["account"]["code"] == "dg-humen" and row["name"] == "虎门周末地推"
    humen_row = next(r for r in funnel["by_account"] if r["account"]["code"] == "dg-humen")
    assert humen_row["codes"] == 1 and humen_row["verified"] == 1
    assert funnel["totals"]["claims"] == 1
    # 虎门's editor sees their own codes' funnel; 梅州's editor sees nothing of 东莞's.
    own = _funnel(client, humen, made["id"], account="dg-humen")
    assert [r["source"] for r in own["by_code"]] == [source]
    assert client.get(f"/api/v1/campaigns/{made['id']}/funnel",
                      headers=token_for("mz-editor")).status_code == 403

    # The month's newly verified members of 东莞 (and of 虎门), by the source that brought them.
    month = client.get("/api/v1/attribution/verified?account=dg-humen", headers=humen)
    assert month.status_code == 200, month.get_json()
    assert month.get_json()["by_source"] == [
        {"source": source, "label": "地推：虎门周末地推", "verified": 1}]
    elsewhere = client.get("/api/v1/attribution/verified?account=meizhou",
                           headers=token_for("mz-editor")).get_json()
    assert elsewhere["total"] == 0
    bad = client.get("/api/v1/attribution/verified?account=dongguan&month=2026-13",
                     headers=token_for("dg-editor"))
    assert bad.status_code == 400 and "month" in bad.get_json()["fields"]

    identity = db.query(MemberSource).one()
    assert (identity.first_source, identity.last_source, identity.verified_source) == (
        source, source, source)


def test_a_share_is_kept_as_the_members_source(client, db, config, token_for, campaign,
                                               people):
    made = campaign("red_packet", "dongguan", budget_fen=10_000, count=10)
    sharer, friend = people(2)
    share = sharing.share_code(IdKeys.from_config(config).secret, sharer.identity_id)
    opened = client.get(f"/mp/v1/campaigns/{made['id']}?source={share}",
                        headers=friend.headers)
    assert opened.status_code == 200
    client.get(f"/mp/v1/posts/{made['post_id']}?source={share}", headers=friend.headers)
    kept = db.get(MemberSource, friend.identity_id)
    assert (kept.first_source, kept.shared_by_id) == ("share", sharer.identity_id)
    assert db.get(MemberSource, sharer.identity_id) is None  # sharing brought them nothing
    read = client.get(f"/mp/v1/posts/{made['post_id']}?src=mp_subscribe",
                      headers=sharer.headers)
    assert read.status_code == 200, read.get_json()
    db.rollback()  # end this session's read, to see the request's write
    assert db.get(MemberSource, sharer.identity_id).first_source == "mp_subscribe"
    funnel = _funnel(client, token_for("dg-editor"), made["id"])
    assert _row(funnel["by_outlet"], "share")["members"] == 1


def test_bad_codes_are_refused_in_plain_chinese(client, token_for, campaign):
    dongguan = campaign("red_packet", "dongguan", budget_fen=1_000, count=5)
    meizhou = campaign("red_packet", "meizhou", budget_fen=1_000, count=5)
    humen = token_for("hm-editor")
    body = {"account": "dg-humen", "campaign_id": dongguan["id"], "name": "虎门地推",
            "place": "虎门", "held_on": "2026-12-12"}
    missing = client.post("/api/v1/promo-codes", headers=humen, json={**body, "name": ""})
    assert missing.status_code == 400 and "name" in missing.get_json()["fields"]
    blank = client.post("/api/v1/promo-codes", headers=humen, json={**body, "place": "  "})
    assert blank.status_code == 400 and blank.get_json()["fields"] == {
        "place": "请填写地推活动名称和地点"}
    elsewhere = client.post("/api/v1/promo-codes", headers=humen,
                            json={**body, "campaign_id": meizhou["id"]})
    assert elsewhere.status_code == 400 and "不能为它制作地推码" in elsewhere.get_json()["message"]
    not_theirs = client.post("/api/v1/promo-codes", headers=token_for("mz-editor"), json=body)
    assert not_theirs.status_code == 403
    made = client.post("/api/v1/promo-codes", headers=humen, json=body).get_json()
    # No WeChat mini-program here: the code is made, its poster carries the landing QR alone.
    assert made["has_wxacode"] is False and made["wxacode_url"] is None
    huge = client.get(f"/api/v1/promo-codes/{made['id']}/poster.png?size=huge", headers=humen)
    assert huge.status_code == 400
    assert huge.get_json()["fields"] == {"size": "海报尺寸只能是 a4 或 banner"}
    listed = client.get(f"/api/v1/promo-codes?campaign_id={dongguan['id']}",
                        headers=token_for("dg-editor")).get_json()["items"]
    assert [c["id"] for c in listed] == [made["id"]]


def test_the_demo_rain_shows_its_ground_codes_and_outlets(client, writer, config, demo,
                                                         token_for):
    from hub.attribution import demo as attribution_demo
    from hub.campaigns import demo as campaigns_demo
    from hub.campaigns.models import Campaign

    for _ in range(2):  # loading twice changes nothing
        with writer() as session:
            campaigns_demo.load(session, config)
            attribution_demo.load(session)
            session.commit()
    with writer() as session:
        rain = session.query(Campaign).filter_by(title=campaigns_demo.RAIN).one().id
    funnel = _funnel(client, token_for("dg-editor"), rain)
    assert [row["name"] for row in funnel["by_code"]] == ["长安镇工业园地推", "虎门周末地推"]
    assert {row["account"]["code"] for row in funnel["by_account"]} == {"dg-humen",
                                                                       "dg-changan"}
    assert _row(funnel["by_outlet"], "led")["visits"] == 31
