"""The three layouts (`tiny`, `slide`, `poster`): where the cover, the texts and the QR code
go on a canvas, and at what size the texts are set. No pixels are drawn here."""

from __future__ import annotations

import functools
import io
from dataclasses import replace

from PIL import Image

from content.layout import colour, typeset
from content.layout.design import (
    QR_MIN_HEIGHT,
    Box,
    Design,
    LayoutRefused,
    Plan,
    Text,
    cover_aspect,
    min_text_px,
)
from content.layout.fonts import BOLD

TITLE_SHARE = 0.62  # of a text block's height, when a summary shares it
WHITE = colour.WHITE


def tiny(design: Design, outlet: str, width: int, height: int) -> Plan:
    """Text alone, as large as fits: the title, else the short title."""
    margin = max(2, round(min(width, height) * 0.06))
    safe = (margin, margin, width - margin, height - margin)
    field = _field(design, outlet)
    title_min, _ = min_text_px(outlet, width, height)
    box_w, box_h = safe[2] - safe[0], safe[3] - safe[1]
    title, dropped = _title_or_short(design, width, height, box_w, box_h, min_size=title_min,
                                     max_size=box_h, max_lines=2)
    placed = _centred(title, safe)
    return Plan(design, outlet, width, height, "tiny", field, safe,
                (Text("title", title, placed, WHITE, "centre"),), dropped=dropped)


def slide(design: Design, outlet: str, width: int, height: int) -> Plan:
    """A wide canvas: the cover above the text (16:9 and squarer) or beside it (2:1 and
    wider), the QR code in its own column, the account's name over the title."""
    margin = max(4, round(min(width, height) * 0.06))
    safe = (margin, margin, width - margin, height - margin)
    field = _field(design, outlet)
    qr_side = _qr_side(design, height, margin)
    text_right = safe[2] - (qr_side + margin if qr_side else 0)
    qr_box = (safe[2] - qr_side, safe[3] - qr_side, safe[2], safe[3]) if qr_side else None
    aspect = cover_aspect(design)
    cover_box, text_box = None, (safe[0], safe[1], text_right, safe[3])
    if aspect is not None and width / height >= 2.0:
        cover_w = min(round(height * aspect), round(width * 0.5))
        cover_box = (0, 0, cover_w, height)  # full bleed on the left: a picture needs no margin
        text_box = (cover_w + margin, safe[1], text_right, safe[3])
    elif aspect is not None:
        column_w = text_right - safe[0]
        cover_h = min(round(column_w / aspect), round((safe[3] - safe[1]) * 0.6))
        cover_box = (safe[0], safe[1], text_right, safe[1] + cover_h)
        text_box = (safe[0], safe[1] + cover_h + margin, text_right, safe[3])
    texts, dropped = _text_block(design, outlet, width, height, text_box, align="left",
                                 title_scale=0.12 if cover_box else 0.2)
    if cover_box is None or cover_box[1] == 0:  # text beside the picture, or alone
        texts = _centred_vertically(texts, text_box)
    return Plan(design, outlet, width, height, "slide", field, safe, texts,
                cover_box=cover_box, qr_box=qr_box, dropped=dropped)


def poster(design: Design, outlet: str, width: int, height: int) -> Plan:
    """A tall canvas: the cover inset on a field blurred from it, the title, the summary and a
    call to action beneath; on a splash the skip button's corner and the app's bottom logo
    band stay clear."""
    margin = round(width * 0.07)
    keep_clear: tuple[Box, ...] = ()
    top, bottom = margin, height - margin
    if outlet == "splash":
        skip = (round(width * 0.72), 0, width, round(height * 0.1))
        band = (0, round(height * 0.85), width, height)
        keep_clear, top, bottom = (skip, band), skip[3], band[1] - margin // 2
    safe = (margin, top, width - margin, bottom)
    field = _field(design, outlet)
    qr_side = _qr_side(design, min(width, height), margin) if outlet == "led" else 0
    action_h = _action_height(design, outlet, width, height) if not qr_side else 0
    foot = qr_side or action_h
    aspect = cover_aspect(design)
    cover_box, text_top = None, safe[1]
    account = _account(design, outlet, width, height, safe)
    if account is not None:
        text_top = account.box[3] + margin // 2
    if aspect is not None:
        cover_h = min(round((safe[2] - safe[0]) / aspect), round((safe[3] - safe[1]) * 0.4))
        cover_box = (safe[0], text_top, safe[2], text_top + cover_h)
        text_top = cover_box[3] + margin
    text_box = (safe[0], text_top, safe[2], safe[3] - (foot + margin // 2 if foot else 0))
    texts, dropped = _text_block(design, outlet, width, height, text_box, align="centre",
                                 with_account=False)
    texts = _centred_vertically(texts, text_box)
    if account is not None:
        texts = (account,) + texts
    qr_box = None
    if qr_side:
        left = (width - qr_side) // 2
        qr_box = (left, safe[3] - qr_side, left + qr_side, safe[3])
    elif action_h:
        texts += (_action(design, outlet, width, height, safe, field),)
    return Plan(design, outlet, width, height, "poster", field, safe, texts,
                cover_box=cover_box, blurred_backdrop=aspect is not None, qr_box=qr_box,
                keep_clear=keep_clear, dropped=dropped)


# -- text blocks -----------------------------------------------------------------------------


def _text_block(design: Design, outlet: str, width: int, height: int, box: Box, *,
                align: str, with_account: bool = True, title_scale: float = 0.12
                ) -> tuple[tuple[Text, ...], tuple]:
    """Account name, title and summary stacked in the box, as large as they fit; the summary
    is dropped, then the title shortened, before the layout gives up."""
    texts: list[Text] = []
    if with_account:
        account = _account(design, outlet, width, height, box)
        if account is not None:
            texts.append(account)
            gap = round(account.setting.size * 0.6)
            box = (box[0], account.box[3] + gap, box[2], box[3])
    box_w, box_h = box[2] - box[0], box[3] - box[1]
    title_min, summary_min = min_text_px(outlet, width, height)
    title_max = max(title_min, round(min(height, width) * title_scale))
    dropped: tuple[str, ...] = ()
    if design.summary.strip():
        title = typeset.largest(design.title, box_w, round(box_h * TITLE_SHARE), weight=BOLD,
                                min_size=title_min, max_size=title_max, max_lines=3)
        summary = None
        if title is not None:
            gap = round(title.size * 0.5)
            summary = typeset.largest(design.summary, box_w, box_h - title.height - gap,
                                      min_size=summary_min, max_lines=3,
                                      max_size=max(summary_min, round(title.size * 0.62)))
        if title is not None and summary is not None:
            placed = _placed(title, box, align, top=box[1])
            below = _placed(summary, box, align, top=placed[3] + gap)
            return tuple(texts) + (Text("title", title, placed, WHITE, align),
                                   Text("summary", summary, below, _soft(), align)), ()
        dropped = ("summary",)
    title, more = _title_or_short(design, width, height, box_w, box_h, min_size=title_min,
                                  max_size=title_max, max_lines=4)
    placed = _placed(title, box, align, top=box[1])
    return tuple(texts) + (Text("title", title, placed, WHITE, align),), dropped + more


def _title_or_short(design: Design, width: int, height: int, box_w: int, box_h: int, *,
                    min_size: int, max_size: int, max_lines: int) -> tuple[typeset.Setting, tuple]:
    for text, dropped in ((design.title, ()),
                          (design.short_title or typeset.short_title(design.title), ("title",))):
        if dropped and text == design.title:
            break
        found = typeset.largest(text, box_w, box_h, min_size=min_size, max_size=max_size,
                                max_lines=max_lines, weight=BOLD)
        if found is not None:
            return found, dropped
    raise LayoutRefused(f"标题在 {width}×{height} 画面上字高将小于 {min_size} 像素，无法辨认；"
                        "请为该终端设置更短的标题")


def _account(design: Design, outlet: str, width: int, height: int, box: Box) -> Text | None:
    if not design.account_name:
        return None
    _, summary_min = min_text_px(outlet, width, height)
    size = max(summary_min, round(min(width, height) * 0.04))
    setting = typeset.set_at(design.account_name, size, box[2] - box[0],
                             typeset.line_height(size), 1)
    if setting is None:
        return None  # a very long name on a narrow canvas: the form reads without it
    field = _field(design, outlet)
    tint = colour.lightened(colour.rgb(design.theme), against=field,
                            ratio=min(11.0, 1.6 * _needed(outlet)))
    return Text("account", setting, _placed(setting, box, "left", top=box[1]), tint)


def _action_height(design: Design, outlet: str, width: int, height: int) -> int:
    if not design.call_to_action:
        return 0
    _, summary_min = min_text_px(outlet, width, height)
    return typeset.line_height(max(summary_min, round(width * 0.045))) * 2


def _action(design: Design, outlet: str, width: int, height: int, safe: Box,
            field: colour.RGB) -> Text:
    """The call to action as a white pill at the foot of the safe area (a picture only: the
    app's own 查看详情 button is what takes the tap)."""
    _, summary_min = min_text_px(outlet, width, height)
    size = max(summary_min, round(width * 0.045))
    setting = typeset.set_at(design.call_to_action, size, safe[2] - safe[0], height, 1, BOLD)
    block_h = _action_height(design, outlet, width, height)
    box = _placed(setting, (safe[0], safe[3] - block_h, safe[2], safe[3]), "centre",
                  top=safe[3] - block_h + (block_h - setting.height) // 2)
    return Text("action", setting, box, field, "centre", backing=WHITE)


def _centred_vertically(texts: tuple[Text, ...], box: Box) -> tuple[Text, ...]:
    """The stacked texts moved down to the middle of the room they were given: on a tall
    poster, text hanging from the top leaves a hole above the call to action."""
    used = max(text.box[3] for text in texts)
    shift = max(0, (box[3] - used) // 2)
    return tuple(replace(text, box=(text.box[0], text.box[1] + shift, text.box[2],
                                    text.box[3] + shift)) for text in texts)


def _placed(setting: typeset.Setting, box: Box, align: str, *, top: int) -> Box:
    left = box[0] if align == "left" else box[0] + (box[2] - box[0] - setting.width) // 2
    return (left, top, left + setting.width, top + setting.height)


def _centred(setting: typeset.Setting, box: Box) -> Box:
    top = box[1] + (box[3] - box[1] - setting.height) // 2
    return _placed(setting, box, "centre", top=top)


def _soft() -> colour.RGB:
    return (236, 236, 236)


# -- colours and the QR code -------------------------------------------------------------------


def _field(design: Design, outlet: str) -> colour.RGB:
    """The ground the text stands on: the cover's own colour (or the account's), dark
    enough for white text at the outlet's contrast, with room to spare for the blur."""
    base = _dominant(design.cover) if design.cover else colour.rgb(design.theme)
    return colour.darkened(base, ratio=12.0)


def _needed(outlet: str) -> float:
    from content.layout.design import MIN_CONTRAST

    return MIN_CONTRAST.get(outlet, 4.5)


@functools.lru_cache(maxsize=64)
def _dominant(cover: bytes) -> colour.RGB:
    with Image.open(io.BytesIO(cover)) as opened:
        opened.draft("RGB", (96, 96))
        return colour.dominant(opened.convert("RGB"))


def _qr_side(design: Design, height: int, margin: int) -> int:
    if not design.qr_url or height < QR_MIN_HEIGHT:
        return 0
    return round(height * 0.3)
