"""A printable 地推 poster: the campaign's title and the event (name, place, date) in the
account's colours, the mini-program code members scan in WeChat, and a QR code of the
campaign's landing page with the code as its source, for phones outside WeChat. A4 (portrait,
150 dpi) or a roll-up banner (80 × 200 cm, drawn at 1:10 pixels per millimetre), as PNG or
PDF. No Flask, no database: the hub hands it what to draw."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from content.layout.colour import WHITE, darkened, rgb
from content.layout.fonts import BOLD, REGULAR, font
from content.layout.paint import _paste_qr
from content.layout.typeset import balanced, line_height

# Pixels at print resolution: A4 at 150 dpi; a roll-up banner 80 × 200 cm at ~64 dpi.
SIZES = {"a4": (1240, 1754), "banner": (2000, 5000)}
DPI = {"a4": 150, "banner": 64}
FORMATS = ("png", "pdf")


@dataclass(frozen=True)
class PosterSpec:
    campaign_title: str
    event: str  # the 地推 event's name
    place: str
    date_text: str  # as members read it: 12月12日（周六）
    account_name: str
    theme: str  # the account's colour, #RRGGBB
    landing_url: str  # the campaign's landing page with `src=dt-<id>`
    wxacode_png: bytes | None = None  # the mini-program code, where WeChat gave one


def draw(spec: PosterSpec, size: str = "a4") -> Image.Image:
    width, height = SIZES[size]
    unit = width / 1240  # everything below is laid out for A4's width, then scaled
    canvas = Image.new("RGB", (width, height), WHITE)
    pen = ImageDraw.Draw(canvas)
    theme = darkened(rgb(spec.theme), against=WHITE, ratio=4.5)
    band = int(min(height * 0.3, width * 0.42))  # a banner's top is not its whole third
    pen.rectangle((0, 0, width, band), fill=theme)
    y = _text_block(pen, spec.account_name, int(48 * unit), int(80 * unit), width, REGULAR,
                    WHITE)
    _text_block(pen, spec.campaign_title, int(96 * unit), y + int(30 * unit), width, BOLD,
                WHITE, max_lines=3)
    y = band + int(60 * unit)
    y = _text_block(pen, spec.event, int(64 * unit), y, width, BOLD, theme, max_lines=2)
    y = _text_block(pen, f"{spec.date_text} · {spec.place}", int(44 * unit),
                    y + int(16 * unit), width, REGULAR, (60, 60, 60), max_lines=2)
    _codes(canvas, pen, spec, y + int(60 * unit), unit, theme)
    return canvas


def _text_block(pen, text: str, px: int, top: int, width: int, weight: str, fill,
                max_lines: int = 1) -> int:
    """Centred lines of `text`; returns the y below them."""
    margin = width // 12
    lines = balanced(text, px, width - 2 * margin, weight)[:max_lines]
    for line in lines:
        pen.text((width // 2, top), line, font=font(px, weight), fill=fill, anchor="mt")
        top += line_height(px)
    return top


def _codes(canvas: Image.Image, pen, spec: PosterSpec, top: int, unit: float, theme) -> None:
    """The mini-program code (large, the way most members come) and the landing page's QR
    code beside it, each with what to do in a line beneath."""
    width = canvas.width
    tall = canvas.height > 2 * width  # a roll-up banner: the codes one above the other
    side = int((620 if tall else 460) * unit)
    gap = int(80 * unit)
    if spec.wxacode_png is None:
        boxes = [(width // 2 - side // 2, top, "微信或手机扫码 参加活动")]
    elif tall:
        step = side + int(180 * unit)
        boxes = [(width // 2 - side // 2, top, "微信扫码 进入小程序"),
                 (width // 2 - side // 2, top + step, "手机扫码 打开活动页")]
    else:
        boxes = [(width // 2 - side - gap // 2, top, "微信扫码 进入小程序"),
                 (width // 2 + gap // 2, top, "手机扫码 打开活动页")]
    for index, (left, top, caption) in enumerate(boxes):
        if spec.wxacode_png is not None and index == 0:
            code = Image.open(io.BytesIO(spec.wxacode_png)).convert("RGB")
            canvas.paste(code.resize((side, side), Image.Resampling.LANCZOS), (left, top))
        else:
            _paste_qr(canvas, spec.landing_url, (left, top, left + side, top + side))
        pen.text((left + side // 2, top + side + int(24 * unit)), caption,
                 font=font(int(36 * unit)), fill=theme, anchor="mt")


def render(spec: PosterSpec, size: str = "a4", fmt: str = "png") -> bytes:
    """The poster as file bytes (PNG, or a one-page PDF at print resolution)."""
    picture = draw(spec, size)
    out = io.BytesIO()
    if fmt == "pdf":
        picture.save(out, "PDF", resolution=DPI[size])
    else:
        picture.save(out, "PNG", dpi=(DPI[size],) * 2, optimize=True)
    return out.getvalue()
