"""Image checks and renditions, on real images made with Pillow and on hostile byte strings."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zlib

import pytest
from PIL import Image

from content.images import ImageInfo, ImageRejected, inspect_image, render

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 255, 0)


def encoded(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def solid_jpeg(width: int, height: int, colour=RED) -> bytes:
    return encoded(Image.new("RGB", (width, height), colour), "JPEG", quality=95)


def transparent_png(width: int, height: int) -> bytes:
    return encoded(Image.new("RGBA", (width, height), (255, 0, 0, 0)), "PNG")


def half_red_half_blue(width: int, height: int) -> Image.Image:
    """Red left half, blue right half, so a rotation shows up in the pixels."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return image


def jpeg_stored_sideways(stored_width: int, stored_height: int) -> bytes:
    """A JPEG whose EXIF says: turn me 90 degrees clockwise to view (orientation 6)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encoded(half_red_half_blue(stored_width, stored_height), "JPEG", exif=exif)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    checksum = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", checksum)


def png_header_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG (correct CRCs) whose IHDR claims a size its data does not have."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    tiny_image_data = zlib.compress(b"\x00" * 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", tiny_image_data)
        + png_chunk(b"IEND", b"")
    )


def noise_png(width: int, height: int) -> bytes:
    noise = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    return encoded(noise, "PNG")


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def reason_for(data: bytes, **limits) -> str:
    with pytest.raises(ImageRejected) as raised:
        inspect_image(data, **limits)
    assert str(raised.value) == raised.value.reason
    return raised.value.reason


# inspect_image: accepted images


def test_jpeg_is_described():
    data = solid_jpeg(64, 48)
    assert inspect_image(data) == ImageInfo(
        format="JPEG",
        mime_type="image/jpeg",
        width=64,
        height=48,
        byte_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def test_png_with_alpha_is_described():
    info = inspect_image(transparent_png(30, 20))
    assert (info.format, info.mime_type, info.width, info.height) == ("PNG", "image/png", 30, 20)


@pytest.mark.parametrize(
    ("image_format", "mime_type"), [("GIF", "image/gif"), ("WEBP", "image/webp")]
)
def test_gif_and_webp_are_accepted(image_format, mime_type):
    data = encoded(Image.new("RGB", (12, 7), GREEN), image_format)
    info = inspect_image(data)
    assert (info.format, info.mime_type, info.width, info.height) == (
        image_format,
        mime_type,
        12,
        7,
    )


def test_size_is_reported_after_exif_orientation():
    info = inspect_image(jpeg_stored_sideways(400, 300))
    assert (info.width, info.height) == (300, 400)


# inspect_image: rejected images


def test_empty_data_is_rejected():
    assert reason_for(b"") == "图片为空"


def test_oversize_data_is_rejected_before_decoding():
    # Not an image at all: only a size check that runs first can produce this reason.
    assert reason_for(b"\x00" * (10 * 1024 * 1024 + 1)) == "图片超过 10 MB"


def test_byte_limit_is_configurable():
    data = solid_jpeg(64, 64)
    assert reason_for(data, max_bytes=len(data) - 1).startswith("图片超过 ")
    assert reason_for(b"\x00" * 600_000, max_bytes=512 * 1024) == "图片超过 512 KB"
    assert inspect_image(data, max_bytes=len(data)).byte_size == len(data)


def test_bmp_is_not_an_allowed_format():
    bmp = encoded(Image.new("RGB", (8, 8), RED), "BMP")
    assert reason_for(bmp) == "不支持的图片格式 BMP"


def test_allowed_formats_can_be_narrowed():
    png = transparent_png(4, 4)
    assert reason_for(png, allowed_formats=("JPEG",)) == "不支持的图片格式 PNG"


def test_unknown_bytes_are_rejected():
    assert reason_for(b"<html>not an image</html>") == "无法识别的图片格式"


@pytest.mark.parametrize("make", [lambda: solid_jpeg(200, 200), lambda: noise_png(64, 64)])
def test_truncated_file_is_rejected_as_corrupt(make):
    data = make()
    assert reason_for(data[: len(data) // 2]) == "图片文件已损坏"


def test_header_claiming_enormous_size_is_a_bomb():
    # 10^10 pixels: past Pillow's own hard limit, which raises DecompressionBombError.
    assert reason_for(png_header_claiming(100_000, 100_000)) == "图片像素过多（疑似解压炸弹）"


def test_header_over_our_limit_is_a_bomb_before_any_decoding():
    # 48 million pixels: under Pillow's limits, over ours; the data could never decode,
    # so only a check on the header size gives this reason.
    assert reason_for(png_header_claiming(8000, 6000)) == "图片像素过多（疑似解压炸弹）"


def test_pillow_bomb_warning_is_a_rejection():
    # 100 million pixels: Pillow only warns; a generous max_pixels must not let it through.
    data = png_header_claiming(10_000, 10_000)
    assert reason_for(data, max_pixels=10**9) == "图片像素过多（疑似解压炸弹）"


def test_pixel_limit_is_configurable():
    data = solid_jpeg(100, 100)
    assert reason_for(data, max_pixels=9_999) == "图片像素过多（疑似解压炸弹）"
    assert inspect_image(data, max_pixels=10_000).width == 100


# render


SOURCES = {
    "landscape jpeg": lambda: solid_jpeg(640, 360),
    "portrait jpeg": lambda: solid_jpeg(300, 500),
    "png with alpha": lambda: transparent_png(200, 200),
    "sideways exif jpeg": lambda: jpeg_stored_sideways(400, 300),
}


@pytest.mark.parametrize("source", SOURCES.values(), ids=SOURCES.keys())
@pytest.mark.parametrize("size", [(768, 384), (128, 64), (1920, 1080), (1080, 1920), (1, 3)])
@pytest.mark.parametrize("mode", ["crop", "fit"])
def test_render_gives_exactly_the_size_asked(source, size, mode):
    out = opened(render(source(), *size, mode=mode))
    assert out.format == "JPEG"
    assert out.size == size
    assert out.mode == "RGB"


def test_render_png_keeps_transparency():
    out = opened(render(transparent_png(50, 50), 40, 20, format="PNG"))
    assert out.format == "PNG"
    assert out.size == (40, 20)
    assert out.mode == "RGBA"
    assert out.getpixel((20, 10))[3] == 0


@pytest.mark.parametrize(
    ("background", "expected"), [("#ffffff", (255, 255, 255)), (None, (0, 0, 0))]
)
def test_render_jpeg_lays_transparency_on_background(background, expected):
    options = {"background": background} if background else {}
    out = opened(render(transparent_png(50, 50), 50, 50, **options))
    assert close_to(out.getpixel((25, 25)), expected)


def test_crop_fills_the_box_from_the_middle():
    wide = Image.new("RGB", (400, 100), BLUE)
    wide.paste(RED, (100, 0, 300, 100))
    out = opened(render(encoded(wide, "PNG"), 100, 100, mode="crop"))
    for corner in [(0, 0), (99, 0), (0, 99), (99, 99)]:
        assert close_to(out.getpixel(corner), RED)


def test_fit_pads_with_the_background():
    wide = encoded(Image.new("RGB", (200, 100), RED), "PNG")
    out = opened(render(wide, 100, 100, mode="fit", background="#00ff00"))
    assert close_to(out.getpixel((50, 2)), GREEN)
    assert close_to(out.getpixel((50, 97)), GREEN)
    assert close_to(out.getpixel((50, 50)), RED)


def test_render_applies_exif_orientation_first():
    # Stored red-left/blue-right; turned clockwise for viewing, red is on top.
    out = opened(render(jpeg_stored_sideways(400, 300), 300, 400, mode="fit"))
    assert close_to(out.getpixel((150, 50)), RED)
    assert close_to(out.getpixel((150, 350)), BLUE)


def test_render_carries_no_exif():
    out = opened(render(jpeg_stored_sideways(40, 30), 30, 40))
    assert not out.getexif()


def test_max_bytes_steps_quality_down_until_it_fits():
    source = noise_png(512, 512)
    unconstrained = render(source, 512, 512)
    limit = len(unconstrained) * 2 // 3
    constrained = render(source, 512, 512, max_bytes=limit)
    assert len(constrained) <= limit
    assert opened(constrained).size == (512, 512)


def test_max_bytes_that_cannot_be_met_is_rejected():
    with pytest.raises(ImageRejected) as raised:
        render(noise_png(512, 512), 512, 512, max_bytes=5_000)
    assert "最低质量" in raised.value.reason


def test_png_over_max_bytes_is_rejected():
    with pytest.raises(ImageRejected):
        render(noise_png(128, 128), 128, 128, format="PNG", max_bytes=1_000)


@pytest.mark.parametrize(
    "arguments",
    [
        {"width": 0, "height": 10},
        {"width": 10, "height": -1},
        {"width": 10, "height": 10, "mode": "stretch"},
        {"width": 10, "height": 10, "format": "BMP"},
    ],
)
def test_render_rejects_bad_arguments(arguments):
    with pytest.raises(ValueError):
        render(solid_jpeg(20, 20), **arguments)


def test_render_refuses_bombs_and_broken_files():
    with pytest.raises(ImageRejected):
        render(png_header_claiming(100_000, 100_000), 10, 10)
    data = solid_jpeg(200, 200)
    with pytest.raises(ImageRejected) as raised:
        render(data[: len(data) // 2], 10, 10)
    assert raised.value.reason == "图片文件已损坏"


def close_to(actual, expected, tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual[:3], expected[:3], strict=True))
