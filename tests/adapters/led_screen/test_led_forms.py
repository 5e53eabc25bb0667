"""The LED form: pictures at each canvas's exact size with Chinese drawn in a CJK font, text
items for controllers that draw text, video passed through, and the problems that stop a
post before it is published (too small to read, wrong proportions, over NovaStar's limit)."""

from __future__ import annotations

import io

import pytest
from led_helpers import create_post, picture, poll, publish, upload
from PIL import Image, ImageChops

from adapters.led_screen import forms, services
from hub.accounts.services import get_account
from hub.outlets.services import bind_outlet


def _glyph(character: str) -> bytes:
    from PIL import ImageDraw

    canvas = Image.new("L", (40, 40))
    ImageDraw.Draw(canvas).text((2, 2), character, font=forms._font(32), fill=255)
    return canvas.tobytes()


def _pixels(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


@pytest.mark.parametrize("size", [(1920, 1080), (768, 384), (580, 256), (128, 64)])
def test_cards_are_exactly_the_canvas_size_and_show_chinese(size):
    card = forms.Card(*size, title="职工书屋周六开放", summary="欢迎职工家属前来阅读")
    data, mime = forms.draw(card)
    drawn = _pixels(data)
    assert drawn.size == size and mime == "image/png"
    # Different Chinese titles give different pictures: glyphs, not one "missing" box.
    other, _ = forms.draw(forms.Card(*size, title="劳模工匠事迹展播",
                                     summary="欢迎职工家属前来阅读"))
    assert ImageChops.difference(drawn, _pixels(other)).getbbox() is not None
    # The font has real glyphs for Chinese: each differs from the "missing glyph" box.
    missing = _glyph("\U000f0000")
    assert _glyph("国") != missing and _glyph("工") != missing and _glyph("国") != _glyph("工")


def test_cover_cards_are_jpeg_with_the_title_band_and_a_qr_code():
    cover = picture(1600, 900)
    card = forms.Card(1920, 1080, "万元消费券 职工专享", cover=cover, cover_size=(1600, 900),
                      qr_url="https://ygh.example.cn/coupon")
    data, mime = forms.draw(card)
    assert mime == "image/jpeg" and _pixels(data).size == (1920, 1080)
    assert forms.layout_of(card).qr_box is not None
    # On a 128×64 canvas there is no room for a QR code people could scan.
    small = forms.Card(128, 64, "消费券", qr_url="https://ygh.example.cn/coupon")
    assert forms.layout_of(small).qr_box is None


def test_too_small_to_read_wrong_proportions_and_blur_are_named():
    long_title = "东莞市总工会关于开展二〇二六年全市职工职业技能大赛暨劳动竞赛活动的通知全文"
    assert "12 像素" in forms.problems(forms.Card(128, 64, long_title))[0]
    # The hub designs the slide around any cover: a portrait or small one is no problem ...
    tall = picture(1080, 1920)
    assert forms.problems(forms.Card(1920, 1080, "招聘会", cover=tall, cover_size=(1080, 1920))) \
        == []
    # ... but an editor's own LED picture is shown as it is, so its shape and size matter.
    portrait = forms.Card(1920, 1080, "招聘会", cover=b"x", cover_size=(1080, 1920),
                          own_picture=True)
    assert any("比例" in p for p in forms.problems(portrait))
    assert not any("比例" in p for p in forms.problems(
        forms.Card(1920, 1080, "招聘会", cover=b"x", cover_size=(1080, 1920), fit="fit",
                   own_picture=True)))
    tiny = forms.Card(1920, 1080, "招聘会", cover=b"x", cover_size=(400, 225), own_picture=True)
    assert any("模糊" in p for p in forms.problems(tiny))


def _novastar_wall(db, config, code="dg-wall"):
    account = get_account(db, "dongguan")
    services.create_screen(db, account, code, {
        "name": "超宽屏", "width": 3840, "height": 1080, "controller": "novastar"})
    bind_outlet(db, account, channel="led", key=code, name="超宽屏",
                hub_secret=config.secret())
    db.commit()


def test_publishing_is_refused_with_the_screens_problems(client, db, config, token_for,
                                                         led_demo, dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    _novastar_wall(db, config)
    post = create_post(client, author, title="超宽屏测试")
    preview = client.get(f"/api/v1/led/posts/{post['id']}/preview", headers=author).get_json()
    wall = next(o for o in preview["outlets"] if o["outlet"] == "dg-wall")
    assert any("2160" in p for p in wall["problems"])
    refused = publish(client, author, reviewer, post["id"])
    assert refused.status_code == 400
    message = refused.get_json()["message"]
    assert "NovaStar" in message and "2160" in message and "dg-wall" in message
    assert client.get(f"/api/v1/posts/{post['id']}", headers=author).get_json()["state"] \
        != "published"


def test_a_portrait_cover_is_designed_into_the_slide_and_an_led_picture_wins(
        client, token_for, device_token, dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    portrait = upload(client, author, "dongguan", 1080, 1920)
    landscape = upload(client, author, "dongguan", 1920, 1080, "wide.jpg")
    designed = create_post(client, author, title="劳模事迹展", cover_media_id=portrait,
                           channels=["led"])
    assert publish(client, author, reviewer, designed["id"]).status_code == 200
    # An editor's own LED picture is shown as it is: a portrait one is refused for the wall.
    own = create_post(client, author, title="劳模事迹展（专用图）", cover_media_id=portrait,
                      channels=["led"], overrides={"led": {"cover_media_id": portrait}})
    refused = publish(client, author, reviewer, own["id"])
    assert refused.status_code == 400 and "比例" in refused.get_json()["message"]
    wide = create_post(client, author, title="劳模事迹展（横图）", cover_media_id=portrait,
                       channels=["led"], overrides={"led": {"cover_media_id": landscape}})
    assert publish(client, author, reviewer, wide["id"]).status_code == 200
    dispatcher.drain()
    items = {i["post_id"]: i for i in poll(client, device_token("dg-guomao")).get_json()["items"]}
    for post in (designed, wide):
        file = items[post["id"]]["file"]
        assert (file["width"], file["height"]) == (1920, 1080)
        assert file["mime_type"] == "image/jpeg"
    assert items[designed["id"]]["file"]["sha256"] != items[wide["id"]]["file"]["sha256"]


def test_text_items_for_controllers_that_draw_text_and_video_passed_through(
        client, token_for, device_token, dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    post = create_post(client, author, title="今晚八点 职工夜校开课", channels=["led"])
    options = client.put(f"/api/v1/led/posts/{post['id']}/options", headers=author, json={
        "form": "text", "duration_seconds": 20,
        "text_style": {"size": 48, "colour": "#FFFF00", "scroll_speed": 120}})
    assert options.status_code == 200, options.get_json()
    publish(client, author, reviewer, post["id"])
    dispatcher.drain()
    hongfu = poll(client, device_token("dg-hongfu")).get_json()  # draws text itself
    item = next(i for i in hongfu["items"] if i["post_id"] == post["id"])
    assert item["type"] == "text" and item["text"] == "今晚八点 职工夜校开课　报名截至月底"
    assert item["style"]["scroll_speed"] == 120 and item["duration_seconds"] == 20
    guomao = poll(client, device_token("dg-guomao")).get_json()  # does not: a picture
    assert next(i for i in guomao["items"] if i["post_id"] == post["id"])["type"] == "image"

    video = create_post(client, author, title="职工运动会宣传片", channels=["led"])
    client.put(f"/api/v1/led/posts/{video['id']}/options", headers=author, json={
        "form": "video", "video": {
            "url": "https://cdn.example.cn/v/games.mp4", "sha256": "a" * 64,
            "byte_size": 52_000_000, "width": 1920, "height": 1080, "duration_seconds": 30}})
    refused = publish(client, author, reviewer, video["id"])
    assert refused.status_code == 400 and "视频" in refused.get_json()["message"]  # 768×384


def test_led_options_are_validated_field_by_field(client, token_for, led_demo):
    author = token_for("dg-editor")
    post = create_post(client, author, title="排期测试")
    url = f"/api/v1/led/posts/{post['id']}/options"
    for body, field in [({"duration_seconds": 0}, "duration_seconds"),
                        ({"schedule": [{"start": "25:00"}]}, "schedule"),
                        ({"schedule": [{"weekdays": [0]}]}, "schedule"),
                        ({"role": "sometimes"}, "role"),
                        ({"text_style": {"colour": "red"}}, "text_style.colour")]:
        response = client.put(url, headers=author, json=body)
        assert response.status_code == 400, body
        assert any(key.startswith(field) for key in response.get_json()["fields"]), \
            response.get_json()
    ok = client.put(url, headers=author, json={"schedule": [
        {"weekdays": [5, 6], "start": "22:00", "end": "02:00"}], "priority": 5})
    assert ok.status_code == 200
    assert client.get(url, headers=author).get_json()["schedule"][0]["end"] == "02:00"


def test_a_video_is_passed_through_as_given(client, token_for, device_token, dispatcher):
    editor = token_for("mz-editor")  # 梅州: one 1920×1080 screen, no review
    post = create_post(client, editor, account="meizhou", title="客家职工风采", channels=["led"])
    video = {"url": "https://cdn.example.cn/v/hakka.mp4", "sha256": "b" * 64,
             "byte_size": 48_000_000, "width": 1920, "height": 1080, "duration_seconds": 45}
    client.put(f"/api/v1/led/posts/{post['id']}/options", headers=editor,
               json={"form": "video", "video": video})
    assert client.post(f"/api/v1/posts/{post['id']}/publish", headers=editor).status_code == 200
    dispatcher.drain()
    document = poll(client, device_token("mz-culture-square")).get_json()
    item = next(i for i in document["items"] if i["post_id"] == post["id"])
    assert item["type"] == "video" and item["duration_seconds"] == 45
    assert {k: item["file"][k] for k in ("url", "sha256", "byte_size")} == {
        k: video[k] for k in ("url", "sha256", "byte_size")}
    assert item["file"] in document["files"]


def test_the_editors_preview_shows_the_very_slide_and_poster_delivery_sends(
        client, db, config, token_for, led_demo):
    """The console previews an outlet by its `render`: the LED screens and the app's splash
    must come with their drawn pictures at their exact pixels, not a sketch of the title."""
    import base64

    from hub import channels, ports

    author = token_for("dg-editor")
    cover = upload(client, author, "dongguan", 900, 383)
    post = create_post(client, author, kind="promotion", title="职工篮球联赛开始报名",
                       summary="各镇街工会组队参赛", cover_media_id=cover)

    def pictures(channel_name: str) -> list[Image.Image]:
        channel = channels.get_channel(channel_name)
        snapshot = ports.post_snapshot(db, post["id"], channel_name, "dongguan",
                                       config.public_url)
        shown = []
        for outlet in ports.outlets(db, channel_name):
            form = channel.render(snapshot, outlet)
            for part in form.get("screens") or [form]:
                url = part.get("image_data_url")
                if url:
                    picture = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
                    assert picture.size == (part["width"], part["height"])
                    shown.append(picture)
        return shown

    slides = pictures("led")
    assert {(1920, 1080), (768, 384)} <= {slide.size for slide in slides}
    posters = pictures("splash")
    assert posters and all(p.height > p.width for p in posters)  # portrait, from one cover
