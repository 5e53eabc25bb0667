"""A post's picture for an LED canvas of exact pixel size, and why it cannot be drawn.

The hub designs the slide (content.layout): the cover cropped around its focal point, the
title and summary set as large as reads from the street, the campaign's QR code (leading to
its landing page with "led" as the source) and the account's name and colours. An editor's
own picture for LED wins: it is shown as it is, fitted or cropped to the canvas.
`problems()` gives the reasons in Chinese before anything is published; `draw()` makes the
bytes (once per design and canvas: the forms are cached by content hash).
"""

from __future__ import annotations

from dataclasses import dataclass

from content import images, layout
from content.layout import fonts
from content.layout.design import DEFAULT_THEME  # noqa: F401  (publishing's fallback colour)
from content.layout.design import QR_MIN_HEIGHT as QR_MIN_SIDE  # noqa: F401
from hub.channels import PermanentError
from hub.errors import BadRequest

FontMissing = fonts.FontMissing
MIN_TEXT_PX = 12  # below this an LED pixel pitch turns Chinese into blots
MIN_KEPT_AREA = 0.5  # cropping an editor's own picture must keep at least this much of it
MAX_UPSCALE = 2.5  # an editor's own picture blown up more than this looks blurred
OUTLET = "led"
CACHE = layout.FormCache(entries=128)


class CannotDraw(PermanentError, BadRequest):
    """A slide the layout refuses or that fails its checks: a delivery fails for good (an
    editor must act) and a preview answers 400, both with the reason."""


@dataclass(frozen=True)
class Card:
    width: int
    height: int
    title: str
    summary: str = ""
    cover: bytes | None = None
    cover_size: tuple[int, int] | None = None
    fit: str = "crop"  # for an editor's own picture: "crop" fills, "fit" keeps it whole
    qr_url: str | None = None
    theme: str = DEFAULT_THEME
    focal: tuple[float, float] | None = None
    account_name: str = ""
    own_picture: bool = False  # the cover is the editor's finished LED picture

    def design(self) -> layout.Design:
        return layout.Design(
            title=self.title, summary=self.summary, cover=self.cover, cover_size=self.cover_size,
            focal=self.focal, account_name=self.account_name, theme=self.theme or DEFAULT_THEME,
            qr_url=layout.with_source(self.qr_url, OUTLET) if self.qr_url else None)


def card_for(post, settings, cover: bytes | None, cover_size, theme: str, width: int,
             height: int) -> Card:
    """The card of a post snapshot (its LED overrides applied) on one canvas."""
    qr = post.link_url if post.kind == "promotion" and settings.qr else None
    ref = post.cover
    return Card(width=width, height=height, title=post.title, summary=post.summary,
                cover=cover, cover_size=cover_size, fit=settings.fit, qr_url=qr, theme=theme,
                focal=getattr(ref, "focal", None), account_name=post.account_name,
                own_picture=bool(getattr(post, "cover_override", False)) and cover is not None)


def _font(size: int):
    return fonts.font(size)


def layout_of(card: Card) -> layout.Plan:
    """Where everything goes on the canvas (LayoutRefused when the title cannot be read)."""
    return layout.plan(card.design(), OUTLET, card.width, card.height)


def problems(card: Card) -> list[str]:
    """Why this card would be unreadable or look wrong on its canvas (Chinese)."""
    if card.own_picture:
        return _own_picture_problems(card)
    try:
        layout_of(card)
    except layout.LayoutRefused as exc:
        return [exc.reason]
    return []


def _own_picture_problems(card: Card) -> list[str]:
    if not card.cover_size:
        return []
    cover_w, cover_h = card.cover_size
    found = []
    canvas_ratio, cover_ratio = card.width / card.height, cover_w / cover_h
    if card.fit == "crop":
        kept = min(canvas_ratio, cover_ratio) / max(canvas_ratio, cover_ratio)
        if kept < MIN_KEPT_AREA:
            found.append(f"LED 专用图 {cover_w}×{cover_h} 与屏幕 {card.width}×{card.height} "
                         f"比例相差过大，裁切后只剩 {kept:.0%} 画面；"
                         "请换图或在 LED 选项中选 fit（留边）")
        scale = max(card.width / cover_w, card.height / cover_h)
    else:
        scale = min(card.width / cover_w, card.height / cover_h)
    if scale > MAX_UPSCALE:
        found.append(f"LED 专用图 {cover_w}×{cover_h} 太小，需放大 {scale:.1f} 倍才能铺满 "
                     f"{card.width}×{card.height} 屏，会模糊")
    return found


def draw(card: Card) -> tuple[bytes, str]:
    """The card as image bytes and their MIME type (JPEG over a photo, PNG for text)."""
    if card.own_picture:
        data = images.render(card.cover, card.width, card.height, mode=card.fit,
                             format="JPEG", focal=card.focal)
        return data, "image/jpeg"
    try:
        form = CACHE.get(card.design(), OUTLET, card.width, card.height)
    except layout.LayoutRefused as exc:
        raise CannotDraw(exc.reason) from None
    return form.data, form.mime_type
