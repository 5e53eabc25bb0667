"""wxacode.getUnlimited (`wxa/getwxacodeunlimit`) through wechatpy: a code image for a scene
and a page, and WeChat's refusals of a bad scene, a bad page, an official account's call and
an app out of its quota. The sandbox's code is a plain QR code of `page?scene`, so a test
can read back what a member's scan would open."""

from __future__ import annotations

import io

import pytest
import requests
import zxingcpp
from PIL import Image
from wechat_sandbox_helpers import HTTP_TIMEOUT, register
from wechatpy.exceptions import WeChatClientException

PAGE = "pages/campaign/index"


@pytest.fixture
def miniprogram(sandbox):
    return register(sandbox, account_type="miniprogram")


def _read(image_bytes: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(image_bytes)))]


def test_a_code_opens_the_page_with_its_scene(miniprogram):
    answer = miniprogram.client().wxa.get_wxa_code_unlimited("id=12&src=dt-3", width=430,
                                                              page=PAGE)
    assert answer.headers["Content-Type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(answer.content))
    assert picture.format == "JPEG" and picture.size == (430, 430)
    assert _read(answer.content) == [f"{PAGE}?id=12&src=dt-3"]
    transparent = miniprogram.client().wxa.get_wxa_code_unlimited("a=1", is_hyaline=True,
                                                                   page=PAGE, width=100)
    assert Image.open(io.BytesIO(transparent.content)).format == "PNG"
    assert Image.open(io.BytesIO(transparent.content)).size == (280, 280)  # WeChat's least


@pytest.mark.parametrize(("scene", "page", "errcode"), [
    ("x" * 33, PAGE, 40169),  # more than 32 characters
    ("", PAGE, 40169),
    ("名字=虎门", PAGE, 40129),  # only ASCII letters, digits and !#$&'()*+,/:;=?@-._~
    ("id=1%20", PAGE, 40129),  # no % either: WeChat says encode otherwise
    ("id=1", "/pages/campaign/index", 41030),  # no leading slash
    ("id=1", "pages/campaign/index?id=1", 41030),  # parameters go in the scene
])
def test_wechat_refuses_a_bad_scene_or_page(miniprogram, scene, page, errcode):
    with pytest.raises(WeChatClientException) as raised:
        miniprogram.client().wxa.get_wxa_code_unlimited(scene, page=page)
    assert raised.value.errcode == errcode


def test_only_a_mini_program_gets_codes_and_within_its_quota(sandbox, miniprogram):
    official = register(sandbox)
    with pytest.raises(WeChatClientException) as raised:
        official.client().wxa.get_wxa_code_unlimited("id=1", page=PAGE)
    assert raised.value.errcode == 48001
    limited = requests.post(f"{sandbox.url}/sandbox/apps/{miniprogram.appid}/quotas",
                            json={"getwxacodeunlimit": 1}, timeout=HTTP_TIMEOUT)
    assert limited.status_code == 200
    miniprogram.client().wxa.get_wxa_code_unlimited("id=1", page=PAGE)
    with pytest.raises(WeChatClientException) as raised:
        miniprogram.client().wxa.get_wxa_code_unlimited("id=2", page=PAGE)
    assert raised.value.errcode == 45009
