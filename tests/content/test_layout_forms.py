"""Designed forms from one ordinary 900×383 cover: every size the outlets ask for comes out
exact, passes its checks (contrast, safe area) and carries a QR code that a real decoder
(zxing-cpp) reads as the campaign's landing page with the outlet as its source. The checks
themselves catch what they are for, and focal points decide what a crop keeps."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

from content import images
from content.layout import FormCache, checks, compose, focal, paint, plan, samples, with_source

SIZES = [canvas for canvas in samples.CANVASES if canvas != ("led", 128, 64)]
DRAWN = FormCache()  # each form drawn once for the tests of this module


def _decoded(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


@pytest.fixture(scope="module")
def campaign():
    design = samples.posts()["campaign"]
    return dataclasses.replace(design, qr_url=with_source(design.qr_url, "led"))


@pytest.mark.parametrize("outlet, width, height", SIZES)
def test_every_canvas_is_drawn_exactly_from_a_landscape_cover(campaign, outlet, width, height):
    form = DRAWN.get(campaign, outlet, width, height)  # raises if a check fails
    picture = _decoded(form.data)
    assert picture.size == (width, height)
    assert form.mime_type == "image/jpeg"
    roles = [text.role for text in form.plan.texts]
    assert "title" in roles and "account" in roles
    if outlet == "splash":
        assert "action" in roles
        for text in form.plan.texts:
            for _, box in paint.line_boxes(text):
                assert all(not checks._overlaps(box, clear) for clear in form.plan.keep_clear)


@pytest.mark.parametrize("outlet, width, height", [("led", 1920, 1080), ("led", 768, 384)])
def test_the_qr_code_decodes_to_the_landing_page_with_its_source(campaign, outlet, width,
                                                                 height):
    form = DRAWN.get(campaign, outlet, width, height)
    assert form.plan.qr_box is not None
    decoded = checks.decoded_qr(_decoded(form.data))
    assert decoded == "https://ygh.example.cn/c/7?src=led"


def test_small_canvases_have_no_qr_code_and_tiny_ones_text_alone(campaign):
    assert DRAWN.get(campaign, "led", 580, 256).plan.qr_box is not None  # 256 rows: enough
    strip = compose(campaign, "led", 128, 64)
    assert strip.plan.qr_box is None and strip.plan.cover_box is None
    assert strip.mime_type == "image/png" and _decoded(strip.data).size == (128, 64)


def test_text_on_led_reads_at_seven_to_one_and_on_phones_at_four_and_a_half(campaign):
    for outlet, width, height in (("led", 1920, 1080), ("splash", 1080, 1920)):
        laid_out = plan(campaign, outlet, width, height)
        canvas, backdrop = paint.paint(laid_out)
        for text in laid_out.texts:
            for _, box in paint.line_boxes(text):
                ratio = checks.worst_contrast(backdrop, box, text.colour, text.backing)
                assert ratio >= laid_out.min_contrast, (outlet, text.role, ratio)


def test_the_checks_catch_low_contrast_text_outside_the_safe_area_and_a_broken_qr(campaign):
    laid_out = plan(campaign, "led", 1920, 1080)
    title = next(t for t in laid_out.texts if t.role == "title")
    grey = dataclasses.replace(title, colour=(90, 90, 90))
    faint = dataclasses.replace(laid_out, texts=(grey,))
    canvas, backdrop = paint.paint(faint)
    assert any("对比度" in p for p in checks.problems(faint, canvas, backdrop))
    left, top, right, bottom = title.box
    shifted = dataclasses.replace(title, box=(left, top - top + 1, right, bottom - top + 1))
    outside = dataclasses.replace(laid_out, texts=(shifted,))
    canvas, backdrop = paint.paint(outside)
    assert any("安全区" in p for p in checks.problems(outside, canvas, backdrop))
    canvas, backdrop = paint.paint(laid_out)
    qr_left, qr_top, qr_right, qr_bottom = laid_out.qr_box
    canvas.paste((255, 255, 255), (qr_left, qr_top, qr_right, (qr_top + qr_bottom) // 2))
    assert any("二维码" in p for p in checks.problems(laid_out, canvas, backdrop))


def test_the_focal_point_is_found_and_decides_every_crop():
    right_subject = samples.cover(True, subject_at=0.8)
    found = focal.find_focal(right_subject)
    assert found[0] > 0.6, found
    left_subject = samples.cover(True, subject_at=0.2)
    assert focal.find_focal(left_subject)[0] < 0.4
    # A square crop around the focal point keeps the red subject; the middle would not.
    def red_share(data: bytes) -> float:
        pixels = list(_decoded(data).resize((40, 40)).get_flattened_data())
        return sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90) / len(pixels)

    around = images.render(right_subject, 300, 300, focal=found)
    middle = images.render(right_subject, 300, 300)
    assert red_share(around) > 0.2 and red_share(middle) < 0.05


def test_forms_are_drawn_once_per_design_and_canvas(campaign, tmp_path):
    cache = FormCache(tmp_path)
    first = cache.get(campaign, "led", 768, 384)
    again = cache.get(campaign, "led", 768, 384)
    assert again.data == first.data and cache.drawn == 1
    other_process = FormCache(tmp_path)  # a second worker on the same machine
    assert other_process.get(campaign, "led", 768, 384).data == first.data
    assert other_process.drawn == 0
    moved = dataclasses.replace(campaign, focal=(0.2, 0.5))
    assert cache.get(moved, "led", 768, 384).data != first.data and cache.drawn == 2
