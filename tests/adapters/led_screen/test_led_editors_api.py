"""The editors' side: registering screens and groups (admins), who may do what, previews per
screen, what a screen plays now, play counts per post, and the OpenAPI description."""

from __future__ import annotations

import datetime as dt

from led_helpers import create_post, png_size, poll, publish, upload


def test_register_a_screen_join_a_group_and_get_live_items_at_its_size(
        client, token_for, device_token, dispatcher):
    admin, author, reviewer = token_for("gd-admin"), token_for("dg-editor"), \
        token_for("dg-reviewer")
    cover = upload(client, author, "dongguan", 1600, 900)
    post = create_post(client, author, kind="promotion", title="松山湖职工招聘会",
                       cover_media_id=cover, channels=["led"])
    publish(client, author, reviewer, post["id"])
    dispatcher.drain()

    created = client.post("/api/v1/led/screens", headers=admin, json={
        "account": "dg-songshanhu", "code": "dg-songshan-lake", "name": "松山湖园区屏",
        "place": "松山湖科技产业园", "width": 1280, "height": 512, "controller": "xixun",
        "on_time": "07:00", "off_time": "22:30", "groups": ["dg-city-screens"]})
    assert created.status_code == 201, created.get_json()
    screen = created.get_json()
    assert screen["groups"] == ["dg-city-screens"] and screen["has_token"] is False
    assert screen["orientation"] == "landscape" and screen["online"] is False
    document = poll(client, device_token("dg-songshan-lake")).get_json()
    item = next(i for i in document["items"] if i["post_id"] == post["id"])
    assert (item["file"]["width"], item["file"]["height"]) == (1280, 512)
    data = client.get(item["file"]["url"].replace("http://localhost", "")).data
    assert png_size(data) == (1280, 512)
    detail = client.get(f"/api/v1/led/items/{item['id']}", headers=author).get_json()
    assert "1280x512" in detail["sizes"] and detail["live"] is True


def test_only_admins_register_and_bad_fields_are_named(client, token_for, led_demo):
    author, admin = token_for("dg-editor"), token_for("gd-admin")
    screen = {"account": "dongguan", "code": "dg-new", "name": "新屏", "width": 128,
              "height": 64}
    assert client.post("/api/v1/led/screens", headers=author, json=screen).status_code == 403
    assert client.post("/api/v1/led/screens/dg-guomao/token", headers=author).status_code \
        == 403
    for changes, field in [({"width": 0}, "width"), ({"controller": "acme"}, "controller"),
                           ({"on_time": "25:00"}, "on_time"), ({"code": "Bad Code"}, "code"),
                           ({"code": "dg-guomao"}, "code"),
                           ({"code": "dg-city-screens"}, "code")]:
        response = client.post("/api/v1/led/screens", headers=admin, json=screen | changes)
        assert response.status_code in (400, 409), changes
        assert field in response.get_json().get("fields", {}), response.get_json()
    mz = client.get("/api/v1/led/screens?account=meizhou", headers=author)
    assert mz.status_code == 403  # 东莞's author does not see 梅州's screens
    issued = client.post("/api/v1/led/screens/dg-guomao/token", headers=admin)
    assert issued.status_code == 201 and issued.get_json()["token"].startswith("led_")
    shown = client.get("/api/v1/led/screens/dg-guomao", headers=admin).get_json()
    assert shown["has_token"] is True and "token" not in shown
    revoked = client.delete("/api/v1/led/screens/dg-guomao/token", headers=admin)
    assert revoked.get_json()["has_token"] is False


def test_groups_become_outlets_through_the_outlets_api(client, token_for, device_token,
                                                       dispatcher):
    admin = token_for("gd-admin")
    group = client.post("/api/v1/led/groups", headers=admin, json={
        "account": "dg-humen", "code": "dg-humen-transit", "name": "虎门交通枢纽屏",
        "screens": ["dg-humen-station"]})
    assert group.status_code == 201 and group.get_json()["screens"] == ["dg-humen-station"]
    outside = client.put("/api/v1/led/groups/dg-humen-transit/screens", headers=admin,
                         json={"screens": ["dg-guomao"]})
    assert outside.status_code == 400 and "screens" in outside.get_json()["fields"]
    bound = client.post("/api/v1/accounts/dg-humen/outlets", headers=admin, json={
        "channel": "led", "key": "dg-humen-transit", "name": "虎门交通枢纽屏"})
    assert bound.status_code == 201
    editor = token_for("hm-editor")
    post = client.post("/api/v1/posts", headers=editor, json={
        "account": "dg-humen", "title": "虎门镇春运返乡专车", "channels": ["led"]}).get_json()
    assert client.post(f"/api/v1/posts/{post['id']}/publish", headers=editor).status_code \
        == 200
    dispatcher.drain()
    deliveries = client.get(f"/api/v1/posts/{post['id']}/deliveries",
                            headers=editor).get_json()["deliveries"]
    assert sorted(d["target"] for d in deliveries) == ["虎门交通枢纽屏", "虎门镇大屏"]
    assert all(d["state"] == "delivered" for d in deliveries)
    # The station screen is in both groups: the post plays there once per outlet's item.
    document = poll(client, device_token("dg-humen-station")).get_json()
    assert sum(1 for i in document["items"] if i["post_id"] == post["id"]) == 2


def test_preview_what_a_screen_plays_now_and_play_counts(client, token_for, device_token,
                                                         dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    post = create_post(client, author, title="春节慰问困难职工", channels=["led"])
    preview = client.get(f"/api/v1/led/posts/{post['id']}/preview", headers=author).get_json()
    (outlet,) = preview["outlets"]
    assert outlet["outlet"] == "dg-city-screens" and outlet["problems"] == []
    sizes = {(s["width"], s["height"]) for s in outlet["screens"]}
    assert sizes == {(1920, 1080), (768, 384), (580, 256)}
    hongfu = next(s for s in outlet["screens"] if s["screen"] == "dg-hongfu")
    image = client.get(hongfu["preview_url"], headers=author)
    assert image.status_code == 200 and png_size(image.data) == (768, 384)
    assert client.get(hongfu["preview_url"]).status_code == 401

    client.put(f"/api/v1/led/posts/{post['id']}/options", headers=author,
               json={"role": "interrupt", "share_of_voice": 100, "duration_seconds": 30})
    publish(client, author, reviewer, post["id"])
    dispatcher.drain()
    now = client.get("/api/v1/led/screens/dg-guomao/playlist", headers=author).get_json()
    assert [i["post_id"] for i in now["now_playing"]] == [post["id"]]  # the interrupt alone
    assert now["playlist"]["items"][0]["role"] == "interrupt"

    item_id = now["now_playing"][0]["id"]
    token = device_token("dg-guomao")
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    client.post("/led/v1/plays", headers={"Authorization": f"Bearer {token}"}, json={
        "batch_id": "p1", "plays": [{"item_id": item_id, "started_at": an_hour_ago.isoformat(),
                                     "duration_seconds": 30}] * 2})
    report = client.get(f"/api/v1/led/plays?post={post['id']}", headers=author).get_json()
    assert report["total_plays"] == 2 and report["rows"][0]["screen"] == "dg-guomao"
    assert client.get(f"/api/v1/led/items/{item_id}", headers=author).get_json()["plays"] == 2
    # What the console's overview shows of the post, through the channel port.
    from hub import channels
    assert channels.get_channel("led").post_figures([post["id"]]) == \
        {post["id"]: {"大屏播放": 2}}


def test_openapi_describes_the_controller_protocol_and_the_editors_api(client, led_demo):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("/led/v1/playlist", "/led/v1/heartbeat", "/led/v1/plays",
                 "/led/v1/pairings", "/api/v1/led/screens", "/api/v1/led/posts/{post_id}/options",
                 "/splash/v1/manifest", "/splash/v1/events"):
        assert path in paths, path


def test_an_led_outlet_is_online_once_its_screens_poll(client, db, device_token):
    """The console's outlet health: a screen group that has not polled is offline."""
    from hub import channels, ports

    channel = channels.get_channel("led")
    outlet = ports.outlets(db, "led", key="mz-screens")[0]
    assert channel.outlet_status([outlet]) == {outlet.id: "offline"}
    token = device_token("mz-culture-square")
    polled = client.get("/led/v1/playlist", headers={"Authorization": f"Bearer {token}"})
    assert polled.status_code == 200
    from adapters.led_screen.protocol import LIVENESS

    LIVENESS.flush()  # polls are noted in memory and written every few seconds
    assert channel.outlet_status([outlet]) == {outlet.id: "online"}
