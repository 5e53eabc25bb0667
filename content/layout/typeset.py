"""Setting Chinese text in a box: line breaks by the Chinese rules (禁则: no closing
punctuation at a line's start, no opening punctuation at its end, Latin words and numbers
kept whole), balanced lines, and the largest size that fits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from content.layout.fonts import REGULAR, font

# Marks that may not begin a line (they close or trail what came before) ...
NO_LINE_START = set("，。、；：！？）》」』】〕〉”’…—～·%,.;:!?)]}>")
# ... and marks that may not end one (they open what follows).
NO_LINE_END = set("（《「『【〔〈“‘([{<")
LINE_SPACING = 1.3

_TOKENS = re.compile(r"[A-Za-z0-9@#&+._%/:'-]+|\s+|.", re.S)


@dataclass(frozen=True)
class Setting:
    """Text set at one size: its lines, and the box they take."""

    size: int
    weight: str
    lines: tuple[str, ...]
    width: int
    height: int

    @property
    def line_height(self) -> int:
        return line_height(self.size)


def line_height(size: int) -> int:
    return round(size * LINE_SPACING)


def units(text: str) -> list[str]:
    """The pieces a line may break between: a CJK character or a Latin word, with the
    punctuation that must stay with it glued on."""
    pieces: list[str] = []
    for token in _TOKENS.findall(" ".join(text.split())):
        if pieces and (token[0] in NO_LINE_START or pieces[-1][-1] in NO_LINE_END):
            pieces[-1] += token
        else:
            pieces.append(token)
    return pieces


def wrap(text: str, size: int, width: float, weight: str = REGULAR) -> list[str]:
    """Greedy line breaking at `width` pixels; a unit wider than the line stays whole."""
    face = font(size, weight)
    lines: list[str] = []
    line = ""
    for piece in units(text):
        candidate = line + piece
        if not line or face.getlength(candidate.rstrip()) <= width:
            line = candidate
            continue
        lines.append(line.strip())
        line = piece.lstrip()
    if line.strip():
        lines.append(line.strip())
    return lines


def balanced(text: str, size: int, width: float, weight: str = REGULAR) -> list[str]:
    """The same number of lines as greedy breaking, as even in length as possible: the
    narrowest width that still needs no extra line (a lone last character looks broken)."""
    lines = wrap(text, size, width, weight)
    if len(lines) < 2:
        return lines
    low, high = width / len(lines), width
    while high - low > 1:
        middle = (low + high) / 2
        if len(wrap(text, size, middle, weight)) <= len(lines):
            high = middle
        else:
            low = middle
    return wrap(text, size, high, weight)


def set_at(text: str, size: int, box_w: int, box_h: int, max_lines: int,
           weight: str = REGULAR) -> Setting | None:
    """The text set at `size` in the box, or None when it does not fit."""
    lines = balanced(text, size, box_w, weight)
    if not lines or len(lines) > max_lines or len(lines) * line_height(size) > box_h:
        return None
    face = font(size, weight)
    widths = [face.getlength(line) for line in lines]
    if max(widths) > box_w:
        return None  # one word alone is wider than the box
    return Setting(size, weight, tuple(lines), round(max(widths)),
                   len(lines) * line_height(size))


def largest(text: str, box_w: int, box_h: int, *, min_size: int, max_size: int,
            max_lines: int, weight: str = REGULAR) -> Setting | None:
    """The largest size in [min_size, max_size] at which the text fits, or None when it does
    not fit even at min_size (the caller then shortens or refuses)."""
    if not text.strip() or max_size < min_size:
        return None
    best = set_at(text, min_size, box_w, box_h, max_lines, weight)
    if best is None:
        return None
    low, high = min_size, max_size
    while low < high:  # fits at `low`; bisect for the largest size that still fits
        middle = (low + high + 1) // 2
        found = set_at(text, middle, box_w, box_h, max_lines, weight)
        if found is not None:
            low, best = middle, found
        else:
            high = middle - 1
    return best


def short_title(title: str) -> str:
    """A title's main clause, the fallback when an outlet has no short title of its own: the
    longest part between colons, dashes and commas ("东莞：百万红包雨今晚开抢" gives
    "百万红包雨今晚开抢"); the title itself when it has one clause."""
    clauses = [c.strip() for c in re.split(r"[：:，,—|｜]+", title) if c.strip()]
    return max(clauses, key=len) if clauses else title.strip()
