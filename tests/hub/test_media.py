"""Media upload: real images accepted and served, bad ones refused with a reason, 413 on size."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from hub.media import names, sizes


def _png(width=64, height=32, color=(200, 16, 46)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def _upload(client, headers, data, account="dongguan", filename="封面.png"):
    return client.post("/api/v1/media", headers=headers, content_type="multipart/form-data",
                       data={"account": account, "file": (io.BytesIO(data), filename)})


def test_upload_is_stored_served_and_usable_as_cover(client, token_for):
    headers = token_for("dg-editor")
    data = _png()
    response = _upload(client, headers, data)
    assert response.status_code == 201, response.get_json()
    media = response.get_json()
    assert (media["width"], media["height"], media["mime_type"]) == (64, 32, "image/png")
    served = client.get(media["url"])
    assert served.status_code == 200 and served.data == data
    assert "immutable" in served.headers["Cache-Control"]
    again = _upload(client, headers, data).get_json()
    assert again["id"] == media["id"]  # same bytes, same media
    post = client.post("/api/v1/posts", headers=headers, json={
        "account": "dg-humen", "title": "带封面", "cover_media_id": media["id"]})
    assert post.status_code == 201  # a parent's media may be used below it


def test_cover_from_another_branch_is_refused(client, token_for):
    media = _upload(client, token_for("mz-editor"), _png(), account="meizhou").get_json()
    response = client.post("/api/v1/posts", headers=token_for("dg-editor"), json={
        "account": "dongguan", "title": "x", "cover_media_id": media["id"]})
    assert response.status_code == 400 and "cover_media_id" in response.get_json()["fields"]


def test_not_an_image_is_400_naming_the_file(client, token_for):
    response = _upload(client, token_for("dg-editor"), b"%PDF-1.4 not an image", filename="a.pdf")
    assert response.status_code == 400
    assert "file" in response.get_json()["fields"]


def test_missing_fields_are_named(client, token_for):
    headers = token_for("dg-editor")
    no_file = client.post("/api/v1/media", headers=headers, data={"account": "dongguan"})
    assert no_file.status_code == 400 and "file" in no_file.get_json()["fields"]
    no_account = client.post("/api/v1/media", headers=headers, content_type="multipart/form-data",
                             data={"file": (io.BytesIO(_png()), "a.png")})
    assert no_account.status_code == 400 and "account" in no_account.get_json()["fields"]


def test_oversized_upload_is_413(client, token_for, app):
    app.config["HUB"].max_upload_bytes = 50_000
    app.config["MAX_CONTENT_LENGTH"] = 10_000_000
    big = Image.frombytes("RGB", (400, 400), os.urandom(400 * 400 * 3))  # incompressible
    buffer = io.BytesIO()
    big.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 50_000
    response = _upload(client, token_for("dg-editor"), buffer.getvalue())
    assert response.status_code == 413
    app.config["MAX_CONTENT_LENGTH"] = 60_000
    response = _upload(client, token_for("dg-editor"), buffer.getvalue())
    assert response.status_code == 413 and response.is_json


def test_upload_outside_grants_is_403(client, token_for):
    assert _upload(client, token_for("dg-editor"), _png(), account="meizhou").status_code == 403


def test_renditions_have_the_exact_size_and_are_cached(client, token_for, app):
    media = _upload(client, token_for("dg-editor"), _png(640, 480)).get_json()
    for size, mode in (("900x383", "crop"), ("224x168", "fit"), ("1080x1920", "crop")):
        response = client.get(f"{media['renditions_url']}/{size}.jpg?mode={mode}")
        assert response.status_code == 200
        width, height = (int(n) for n in size.split("x"))
        assert Image.open(io.BytesIO(response.data)).size == (width, height)
    cached = list((app.config["HUB"].var_dir / "renditions").rglob("*.jpg"))
    assert len(cached) == 3
    again = client.get(f"{media['renditions_url']}/900x383.jpg")
    assert again.data == client.get(f"{media['renditions_url']}/900x383.jpg?mode=crop").data
    # The address made before crops had a tag leads to the current crop's.
    moved = client.get(f"{media['url']}/900x383.jpg?mode=fit")
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"{media['renditions_url']}/900x383.jpg?mode=fit")


def test_bad_rendition_requests_are_4xx(client, token_for):
    media = _upload(client, token_for("dg-editor"), _png()).get_json()
    for base in (media["url"], media["renditions_url"]):
        assert client.get(f"{base}/224x168.gif").status_code == 400
        assert client.get(f"{base}/224x168.jpg?mode=stretch").status_code == 400
    wrong = media["url"].rsplit("/", 1)[0] + "/deadbeefdeadbeef/224x168.jpg"
    assert client.get(wrong).status_code == 404


def test_only_the_hubs_own_rendition_sizes_are_made(client, token_for, app):
    media = _upload(client, token_for("dg-editor"), _png(640, 480)).get_json()
    for size in ("4096x4096", "768x384", "225x168", "0x10", "99999x10", "1x1"):
        answer = client.get(f"{media['renditions_url']}/{size}.jpg")
        assert answer.status_code == 404 and answer.is_json, size
    assert not list((app.config["HUB"].var_dir / "renditions").rglob("*.jpg"))
    for width, height in sizes.RENDITION_SIZES:
        assert client.get(f"{media['renditions_url']}/{width}x{height}.png").status_code == 200


def test_media_and_screen_files_are_served_with_nosniff(client, token_for):
    media = _upload(client, token_for("dg-editor"), _png()).get_json()
    for url in (media["url"], f"{media['renditions_url']}/224x168.jpg",
                f"{media['renditions_url']}/1x1.jpg"):
        assert client.get(url).headers["X-Content-Type-Options"] == "nosniff", url
    led = client.get("/led/v1/files/" + "0" * 64 + ".png")
    assert led.headers["X-Content-Type-Options"] == "nosniff"


def test_uploaded_file_names_are_kept_as_safe_display_names(client, token_for):
    sent = "..\\..\\C:\\temp/evil\u202egnp.exe" + "长" * 300 + ".png"
    media = _upload(client, token_for("dg-editor"), _png(), filename=sent).get_json()
    name = media["filename"]
    assert "/" not in name and "\\" not in name and "\u202e" not in name
    assert name.startswith("evilgnp.exe长") and name.endswith("长.png") and len(name) == 100


@pytest.mark.parametrize(("sent", "kept"), [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\王\\照片.jpg", "照片.jpg"),
    ("a\nb\r\x00c.png", "abc.png"), ("\u202egnp.exe", "gnp.exe"), ("  ", "upload"),
    ("..", "upload"), (None, "upload"), ("活动  海报 .png", "活动 海报 .png"),
    ("x" * 150, "x" * 100), ("y" * 120 + ".jpeg", "y" * 95 + ".jpeg"),
])
def test_display_names(sent, kept):
    assert names.display_name(sent) == kept
