"""Images: `media/uploadimg` for article bodies and permanent thumb material."""

from __future__ import annotations

import io

import pytest
import requests
from wechat_sandbox_helpers import HTTP_TIMEOUT, add_thumb, image_bytes, upload_image
from wechatpy.exceptions import WeChatClientException

MB = 1024 * 1024
JPEG_HEAD = image_bytes("JPEG")


def padded_jpeg(size: int) -> bytes:
    return JPEG_HEAD + b"\0" * (size - len(JPEG_HEAD))


def test_wechatpy_upload_gives_a_url_the_sandbox_serves(app):
    client = app.client()
    data = image_bytes("PNG")

    url = client.media.upload_image(("poster.png", data))

    assert url.startswith(f"{app.base_url}/mmbiz/{app.appid}/")
    served = requests.get(url, timeout=HTTP_TIMEOUT)
    assert served.content == data
    assert served.headers["Content-Type"] == "image/png"
    assert app.received()["images"][0]["filename"] == "poster.png"


def test_a_bare_stream_without_a_jpg_name_is_refused_with_40005(app):
    client = app.client()

    with pytest.raises(WeChatClientException) as raised:
        client.media.upload_image(io.BytesIO(image_bytes()))

    assert raised.value.errcode == 40005
    assert app.received()["images"] == []


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"GIF89a not allowed here", "anim.gif"),
        (b"plain text pretending", "fake.jpg"),
        (image_bytes("PNG"), "named-wrong.jpg"),
    ],
)
def test_only_real_jpg_and_png_with_matching_names_are_accepted(app, data, filename):
    token = app.fetch_token()

    assert upload_image(app, token, data, filename)["errcode"] == 40005


def test_uploadimg_must_be_under_one_megabyte(app):
    token = app.fetch_token()

    assert "url" in upload_image(app, token, padded_jpeg(MB - 1), "big.jpg")
    assert upload_image(app, token, padded_jpeg(MB), "too-big.jpg")["errcode"] == 45001


def test_empty_upload_is_refused(app):
    token = app.fetch_token()

    assert upload_image(app, token, b"", "empty.jpg")["errcode"] == 44001


def test_wechatpy_retry_after_40001_resends_an_exhausted_file_which_is_refused(app):
    # wechatpy 1.8.18 retries a multipart call after 40001 with the same file object, now
    # read to its end: the retry uploads nothing. The sandbox must refuse that, not store it.
    client = app.client()
    client.tag.get()
    app.faults(token_storm=1)
    upload = io.BytesIO(image_bytes())
    upload.name = "photo.jpg"

    with pytest.raises(WeChatClientException) as raised:
        client.media.upload_image(upload)

    assert raised.value.errcode == 44001
    assert app.received()["images"] == []


def test_thumb_material_is_a_small_jpg_with_a_permanent_media_id(app):
    token = app.fetch_token()

    answer = add_thumb(app, token)

    assert answer["media_id"]
    assert requests.get(answer["url"], timeout=HTTP_TIMEOUT).content == image_bytes()
    assert app.received()["materials"][0]["media_id"] == answer["media_id"]


def test_thumb_limits(app):
    token = app.fetch_token()

    assert "media_id" in add_thumb(app, token, padded_jpeg(64 * 1024))
    assert add_thumb(app, token, padded_jpeg(64 * 1024 + 1))["errcode"] == 45001
    assert add_thumb(app, token, image_bytes("PNG"), "cover.png")["errcode"] == 40005


def test_unsupported_material_type(app):
    token = app.fetch_token()
    answer = requests.post(
        f"{app.base_url}/cgi-bin/material/add_material", timeout=HTTP_TIMEOUT,
        params={"access_token": token, "type": "voice"},
        files={"media": ("a.jpg", image_bytes())}).json()

    assert answer["errcode"] == 40004
