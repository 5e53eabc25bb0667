"""Drawing a post for an LED canvas of exact pixel size, and saying why it cannot be drawn.

A card is the post's title (and summary when there is room) drawn in a CJK font, over its
cover when it has one, with a QR code for a promotion's link on canvases big enough to scan
from the street. `problems()` gives the reasons a card would be unreadable or refused, in
Chinese, before anything is published; `draw()` makes the bytes.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont

from content import images

MIN_TEXT_PX = 12  # below this an LED pixel pitch turns Chinese into blots
MIN_KEPT_AREA = 0.5  # cropping a cover to the canvas must keep at least this much of it
MAX_UPSCALE = 2.5  # a cover blown up more than this looks blurred on the canvas
BAND_MIN_HEIGHT = 120  # canvases lower than this show the cover without a title band
QR_MIN_SIDE = 256  # a QR code needs room to be scanned from the pavement
DEFAULT_THEME = "#C8102E"

# The pip wheel first (installed from requirements.txt everywhere), then Debian's packages.
SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


class FontMissing(RuntimeError):
    """No font with Chinese glyphs on this machine: cards would show empty boxes."""


@functools.cache
def font_path() -> str:
    spec = importlib.util.find_spec("cvttf_NotoSansCJK_Regular")
    candidates = []
    if spec is not None and spec.origin:
        candidates += sorted(Path(spec.origin).parent.glob("*.[ot]t[fc]"))
    candidates += [Path(p) for p in SYSTEM_FONTS]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    raise FontMissing("服务器缺少中文字体（pip 包 cvttf-notosanscjk-regular 或 "
                      "fonts-wqy-microhei），无法绘制 LED 画面")


@functools.lru_cache(maxsize=256)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(), size)


@dataclass(frozen=True)
class Card:
    width: int
    height: int
    title: str
    summary: str = ""
    cover: bytes | None = None
    cover_size: tuple[int, int] | None = None
    fit: str = "crop"  # "crop" fills the canvas; "fit" keeps the whole cover, padded
    qr_url: str | None = None
    theme: str = DEFAULT_THEME


@dataclass(frozen=True)
class Layout:
    margin: int
    qr_side: int  # 0: no QR code
    band: tuple[int, int, int, int] | None  # the title's box: left, top, right, bottom
    title: tuple[int, list[str]] | None  # font size and lines, None when it does not fit
    summary: tuple[int, list[str]] | None


_TOKENS = re.compile(r"[A-Za-z0-9@#&+._%/:-]+|\s+|.", re.S)


def _wrap(text: str, size: int, width: int) -> list[str]:
    """Break text into lines no wider than `width` (CJK anywhere, Latin words kept whole)."""
    font = _font(size)
    lines, line = [], ""
    for token in _TOKENS.findall(" ".join(text.split())):
        candidate = line + token
        if font.getlength(candidate) <= width or not line:
            line = candidate
            continue
        lines.append(line.rstrip())
        line = token.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fits(text: str, size: int, box_w: int, box_h: int, max_lines: int) -> list[str] | None:
    lines = _wrap(text, size, box_w)
    if len(lines) > max_lines or len(lines) * _line_height(size) > box_h:
        return None
    if any(_font(size).getlength(line) > box_w for line in lines):
        return None  # one word alone wider than the box
    return lines


def _line_height(size: int) -> int:
    return round(size * 1.25)


def fit_text(text: str, box_w: int, box_h: int, *, max_lines: int = 4,
             max_size: int | None = None) -> tuple[int, list[str]] | None:
    """The largest font size (>= MIN_TEXT_PX) at which `text` fits the box, with its lines."""
    high = min(max_size or box_h, box_h)
    if high < MIN_TEXT_PX or not text.strip():
        return None
    if _fits(text, MIN_TEXT_PX, box_w, box_h, max_lines) is None:
        return None
    low = MIN_TEXT_PX  # fits; find the largest that still fits by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if _fits(text, middle, box_w, box_h, max_lines) is not None:
            low = middle
        else:
            high = middle - 1
    return low, _fits(text, low, box_w, box_h, max_lines)


def layout(card: Card) -> Layout:
    w, h = card.width, card.height
    margin = max(2, round(min(w, h) * 0.05))
    qr_side = round(min(w, h) * 0.3) if card.qr_url and min(w, h) >= QR_MIN_SIDE else 0
    if card.cover is not None:
        if h < BAND_MIN_HEIGHT:
            return Layout(margin, qr_side, None, None, None)
        band_h = max(round(MIN_TEXT_PX * 1.6), round(h * 0.2))
        band = (margin, h - band_h, w - margin, h)
        title = fit_text(card.title, band[2] - band[0], band_h - margin // 2, max_lines=2,
                         max_size=round(band_h * 0.7))
        return Layout(margin, qr_side, band, title, None)
    right = w - margin - (qr_side + margin if qr_side else 0)
    box = (margin, margin, right, h - margin)
    box_w, box_h = box[2] - box[0], box[3] - box[1]
    with_summary = bool(card.summary) and h >= 200
    title_h = round(box_h * 0.62) if with_summary else box_h
    title = fit_text(card.title, box_w, title_h, max_lines=4, max_size=round(h * 0.3))
    summary = None
    if with_summary and title is not None:
        summary = fit_text(card.summary, box_w, box_h - title_h, max_lines=3,
                           max_size=max(MIN_TEXT_PX, title[0] * 6 // 10))
    return Layout(margin, qr_side, box, title, summary)


def problems(card: Card) -> list[str]:
    """Why this card would be unreadable or look wrong on its canvas (Chinese)."""
    found = []
    plan = layout(card)
    if plan.band is not None and plan.title is None:
        found.append(f"标题在 {card.width}×{card.height} 屏上字号将小于 {MIN_TEXT_PX} 像素，"
                     "无法辨认；请为 LED 设置短标题（overrides.led.title）")
    if card.cover_size:
        found += _cover_problems(card)
    return found


def _cover_problems(card: Card) -> list[str]:
    cover_w, cover_h = card.cover_size
    found = []
    canvas_ratio, cover_ratio = card.width / card.height, cover_w / cover_h
    if card.fit == "crop":
        kept = min(canvas_ratio, cover_ratio) / max(canvas_ratio, cover_ratio)
        if kept < MIN_KEPT_AREA:
            found.append(f"封面 {cover_w}×{cover_h} 与屏幕 {card.width}×{card.height} 比例相差"
                         f"过大，裁切后只剩 {kept:.0%} 画面；请换图或在 LED 选项中选 fit（留边）")
        scale = max(card.width / cover_w, card.height / cover_h)
    else:
        scale = min(card.width / cover_w, card.height / cover_h)
    if scale > MAX_UPSCALE:
        found.append(f"封面 {cover_w}×{cover_h} 太小，需放大 {scale:.1f} 倍才能铺满 "
                     f"{card.width}×{card.height} 屏，会模糊")
    return found


def draw(card: Card) -> tuple[bytes, str]:
    """The card as image bytes and their MIME type (JPEG over a photo, PNG for text)."""
    plan = layout(card)
    if card.cover is not None:
        canvas = Image.open(io.BytesIO(images.render(
            card.cover, card.width, card.height, mode=card.fit, format="PNG"))).convert("RGB")
    else:
        canvas = Image.new("RGB", (card.width, card.height), ImageColor.getrgb(card.theme))
    pen = ImageDraw.Draw(canvas, "RGBA")
    if card.cover is not None and plan.band is not None:
        left, top, right, bottom = plan.band
        pen.rectangle((0, top, card.width, bottom), fill=(0, 0, 0, 170))
    if plan.title is not None:
        _draw_lines(pen, plan.band, plan.title, centre_vertically=plan.summary is None)
    if plan.summary is not None:
        left, top, right, bottom = plan.band
        title_h = round((bottom - top) * 0.62)
        _draw_lines(pen, (left, top + title_h, right, bottom), plan.summary,
                    centre_vertically=False, colour=(255, 235, 200))
    if plan.qr_side:
        _paste_qr(canvas, card.qr_url, plan.qr_side, plan.margin)
    buffer = io.BytesIO()
    if card.cover is not None:
        canvas.save(buffer, "JPEG", quality=88, optimize=True)
        return buffer.getvalue(), "image/jpeg"
    canvas.save(buffer, "PNG", optimize=True)
    return buffer.getvalue(), "image/png"


def _draw_lines(pen, box, fitted, *, centre_vertically, colour=(255, 255, 255)):
    size, lines = fitted
    left, top, right, bottom = box
    font = _font(size)
    step = _line_height(size)
    height = step * len(lines)
    y = top + ((bottom - top) - height) // 2 if centre_vertically else top
    for line in lines:
        width = font.getlength(line)
        x = left + ((right - left) - width) / 2
        # Anchor "lt" puts the glyphs' top at y; the line's extra height sits below.
        pen.text((x, y + (step - size) // 2), line, font=font, fill=colour, anchor="lt")
        y += step


def _paste_qr(canvas: Image.Image, url: str, side: int, margin: int) -> None:
    import qrcode

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    picture = code.make_image(fill_color="black", back_color="white").get_image()
    picture = picture.convert("RGB").resize((side, side), Image.Resampling.NEAREST)
    canvas.paste(picture, (canvas.width - margin - side, margin))
