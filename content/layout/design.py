"""What a designed form is made from (`Design`) and its layout before any pixel is drawn
(`Plan`, its `Text`s and `Box`es): the plain values that the layouts make, and painting and
the checks read. Drawing a form is forms.py's.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from content.layout import colour
from content.layout.focal import Focal
from content.layout.typeset import Setting
from content.links import with_source  # noqa: F401 (content.layout's name for it)

DEFAULT_THEME = "#C8102E"
OUTLETS = ("led", "splash", "wechat")
LAYOUT_VERSION = "1"  # part of every cache key: a changed layout draws every form anew
QR_MIN_HEIGHT = 256  # a QR code needs room to be scanned from the pavement
MIN_CONTRAST = {"led": 7.0, "splash": 4.5, "wechat": 4.5}
Box = tuple[int, int, int, int]  # left, top, right, bottom


class LayoutRefused(ValueError):
    """The post cannot be laid out on this canvas; `reason` says why, in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Design:
    """What a form is made from, outlet-free."""

    title: str
    summary: str = ""
    short_title: str = ""  # the outlet's own; else the title's main clause
    cover: bytes | None = None
    cover_size: tuple[int, int] | None = None
    focal: Focal | None = None
    account_name: str = ""
    theme: str = DEFAULT_THEME
    qr_url: str | None = None  # a campaign's landing page, with the outlet as its source
    call_to_action: str = ""  # "立即参与" on a poster

    def digest(self) -> str:
        """Names the design's content: equal designs draw equal forms."""
        cover = hashlib.sha256(self.cover).hexdigest() if self.cover else ""
        parts = [LAYOUT_VERSION, self.title, self.summary, self.short_title, cover,
                 repr(self.focal), self.account_name, self.theme, self.qr_url or "",
                 self.call_to_action]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Text:
    role: str  # "title", "summary", "account", "action"
    setting: Setting
    box: Box  # the lines' block, placed
    colour: colour.RGB
    align: str = "left"  # or "centre"
    backing: colour.RGB | None = None  # a solid pill behind it (the call to action)


@dataclass(frozen=True)
class Plan:
    """A form's layout before any pixel is drawn: what `draw` paints and `checks` verify."""

    design: Design
    outlet: str
    width: int
    height: int
    kind: str  # "tiny", "slide", "poster"
    field: colour.RGB
    safe: Box
    texts: tuple[Text, ...]
    cover_box: Box | None = None
    blurred_backdrop: bool = False
    qr_box: Box | None = None
    keep_clear: tuple[Box, ...] = ()
    dropped: tuple[str, ...] = ()  # what did not fit: "summary", "title"

    @property
    def min_contrast(self) -> float:
        return MIN_CONTRAST.get(self.outlet, 4.5)

def min_text_px(outlet: str, width: int, height: int) -> tuple[int, int]:
    """The smallest title and summary character heights that read on this canvas: LED pixels
    are seen from the street, a phone's from a hand's length."""
    if outlet == "led":
        side = min(width, height)
        return max(12, side // 16), max(12, side // 22)
    if outlet == "splash":
        return max(16, width // 20), max(14, width // 30)
    return max(14, height // 14), max(12, height // 20)

def cover_image(design: Design) -> Image.Image | None:
    if design.cover is None:
        return None
    with Image.open(io.BytesIO(design.cover)) as opened:
        return ImageOps.exif_transpose(opened).convert("RGB")


def cover_aspect(design: Design) -> float | None:
    if design.cover is None:
        return None
    if design.cover_size:
        return design.cover_size[0] / design.cover_size[1]
    image = cover_image(design)
    return image.width / image.height
