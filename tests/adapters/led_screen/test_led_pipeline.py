"""The demo's "done when": a promotion published through the editor API reaches 东莞's screens
(1920×1080 and 768×384 among them) and the app's splash slot within one poll, through the
real delivery pipeline; withdrawing takes it off again."""

from __future__ import annotations

import hashlib

from led_helpers import create_post, png_size, poll, publish, upload


def _playlist_item(document: dict, post_id: int) -> dict | None:
    return next((i for i in document["items"] if i["post_id"] == post_id), None)


def test_promotion_reaches_dongguan_screens_and_splash_within_one_poll(
        client, token_for, device_token, dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    tokens = {code: device_token(code) for code in ("dg-guomao", "dg-hongfu")}
    before = {code: poll(client, token) for code, token in tokens.items()}
    assert all(r.status_code == 200 for r in before.values())
    etags = {code: r.headers["ETag"] for code, r in before.items()}
    # Unchanged: a poll costs a 304.
    assert all(poll(client, tokens[c], etags[c]).status_code == 304 for c in tokens)
    # A compressing proxy turns the tag weak (W/"…"): still the controller's copy, still 304.
    assert all(poll(client, tokens[c], f"W/{etags[c]}").status_code == 304 for c in tokens)
    manifest = client.get("/splash/v1/manifest?region=441900&account=dg-humen")
    assert manifest.status_code == 200 and manifest.get_json()["current"] is None

    landscape = upload(client, author, "dongguan", 1600, 900)
    portrait = upload(client, author, "dongguan", 1242, 2688, "splash.jpg")
    post = create_post(client, author, kind="promotion", title="万元消费券 职工专享",
                       summary="东莞职工凭粤工惠领取", cover_media_id=landscape,
                       link_url="https://ygh.example.cn/coupon/2026",
                       overrides={"splash": {"cover_media_id": portrait}})
    assert publish(client, author, reviewer, post["id"]).status_code == 200
    # Published but not yet delivered: the screens still see the old playlist.
    assert poll(client, tokens["dg-guomao"], etags["dg-guomao"]).status_code == 304

    dispatcher.drain()

    deliveries = client.get(f"/api/v1/posts/{post['id']}/deliveries",
                            headers=author).get_json()["deliveries"]
    states = {(d["channel"], d["target"]): d["state"] for d in deliveries}
    assert states == {("led", "东莞市区大屏"): "delivered",
                      ("splash", "粤工惠 App 开屏（东莞）"): "delivered"}
    for code, size in (("dg-guomao", (1920, 1080)), ("dg-hongfu", (768, 384))):
        response = poll(client, tokens[code], etags[code])
        assert response.status_code == 200, code
        assert response.headers["ETag"] != etags[code]
        assert "no-cache" in response.headers["Cache-Control"]
        item = _playlist_item(response.get_json(), post["id"])
        assert item is not None and item["type"] == "image" and item["role"] == "normal"
        file = item["file"]
        assert (file["width"], file["height"]) == size
        data = client.get(file["url"].replace("http://localhost", "")).data
        assert len(data) == file["byte_size"]
        assert hashlib.sha256(data).hexdigest() == file["sha256"]
        assert png_size(data) == size
        assert file in response.get_json()["files"]

    manifest = client.get("/splash/v1/manifest?region=441900&account=dg-humen").get_json()
    current = manifest["current"]
    assert current["post_id"] == post["id"] and current["title"] == "万元消费券 职工专享"
    sizes = {(i["width"], i["height"]) for i in current["images"]}
    assert {(1080, 1920), (1242, 2688), (750, 1334)} <= sizes
    assert current["rules"]["skip_after_seconds"] <= 5
    assert current["rules"]["skip_button"] == "always"
    assert current["link"] == {"type": "h5", "url": "https://ygh.example.cn/coupon/2026"}
    # Members elsewhere (梅州) are not targeted by 东莞's promotion.
    elsewhere = client.get("/splash/v1/manifest?region=441400&account=meizhou").get_json()
    assert elsewhere["current"] is None and elsewhere["default"] is not None


def test_withdrawal_takes_the_item_off_screens_and_splash(
        client, token_for, device_token, dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    token = device_token("dg-guomao")
    cover = upload(client, author, "dongguan", 1920, 1080)
    portrait = upload(client, author, "dongguan", 1080, 1920, "p.jpg")
    post = create_post(client, author, kind="promotion", title="夏季送清凉",
                       cover_media_id=cover, overrides={"splash": {"cover_media_id": portrait}})
    publish(client, author, reviewer, post["id"])
    dispatcher.drain()
    live = poll(client, token)
    assert _playlist_item(live.get_json(), post["id"]) is not None
    manifest = client.get("/splash/v1/manifest?region=441900&account=dongguan")
    assert manifest.get_json()["current"]["post_id"] == post["id"]

    client.post(f"/api/v1/posts/{post['id']}/withdraw", headers=reviewer, json={})
    dispatcher.drain()

    after = poll(client, token, live.headers["ETag"])
    assert after.status_code == 200
    assert _playlist_item(after.get_json(), post["id"]) is None
    again = client.get("/splash/v1/manifest?region=441900&account=dongguan",
                       headers={"If-None-Match": manifest.headers["ETag"]})
    assert again.status_code == 200 and again.get_json()["current"] is None
    states = {d["channel"]: d["state"] for d in client.get(
        f"/api/v1/posts/{post['id']}/deliveries", headers=author).get_json()["deliveries"]}
    assert states == {"led": "withdrawn", "splash": "withdrawn"}


def test_an_article_goes_to_screens_and_is_not_a_splash(
        client, token_for, device_token, dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    token = device_token("dg-hongfu")
    post = create_post(client, author, title="市总工会召开职工代表大会",
                       summary="审议通过年度工作报告")
    assert publish(client, author, reviewer, post["id"]).status_code == 200
    dispatcher.drain()
    item = _playlist_item(poll(client, token).get_json(), post["id"])
    assert item is not None and item["file"]["mime_type"] == "image/png"
    listing = client.get(f"/api/v1/posts/{post['id']}/deliveries", headers=author).get_json()
    splash = next(d for d in listing["deliveries"] if d["channel"] == "splash")
    assert splash["state"] == "delivered" and splash["external_id"].startswith(
        "splash-not-shown")
    manifest = client.get("/splash/v1/manifest?region=441900&account=dongguan").get_json()
    assert manifest["current"] is None


def test_editing_a_live_post_redraws_it_in_place(client, token_for, device_token, dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    token = device_token("dg-guomao")
    post = create_post(client, author, title="周末职工书屋开放", channels=["led"])
    publish(client, author, reviewer, post["id"])
    dispatcher.drain()
    before = poll(client, token)
    old = _playlist_item(before.get_json(), post["id"])
    # Live words change in place only where no review is required (four eyes otherwise).
    assert client.patch("/api/v1/accounts/dongguan", headers=token_for("gd-admin"),
                        json={"requires_review": False}).status_code == 200
    edited = client.patch(f"/api/v1/posts/{post['id']}", headers=reviewer,
                          json={"title": "周末职工书屋延长开放"})
    assert edited.status_code == 200, edited.get_json()
    dispatcher.drain()
    after = poll(client, token, before.headers["ETag"])
    assert after.status_code == 200
    new = _playlist_item(after.get_json(), post["id"])
    assert new["id"] == old["id"] and new["title"] == "周末职工书屋延长开放"
    assert new["file"]["sha256"] != old["file"]["sha256"]
    assert [i["post_id"] for i in after.get_json()["items"]].count(post["id"]) == 1
