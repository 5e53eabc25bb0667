"""A drawn form (`Form`), and how one is made: `plan` lays a design out on a canvas, `draw`
paints the plan and checks it, `compose` does both.

Layouts are chosen by the canvas's shape and size: a "tiny" canvas (LED strips such as
128×64) gets text alone; a wide one (LED walls, 2.35:1 WeChat covers without a picture) a
"slide"; a tall one (splash screens, portrait LED) a "poster". The text is set as large as
fits; below the canvas's minimum character height the summary goes first, then the title
gives way to the short title, and then the layout refuses with the reason.
"""

from __future__ import annotations

import hashlib

from content.layout import checks, layouts, paint
from content.layout.design import OUTLETS, Design, LayoutRefused, Plan

TINY_HEIGHT = 120  # below this a canvas shows text only: a picture would be a smudge


class Form:
    """A drawn form: its bytes and their type, at its canvas size, and the plan it was drawn
    from (for a form read back from disk, laid out again only if someone asks for it)."""

    def __init__(self, width: int, height: int, data: bytes, mime_type: str,
                 laid_out: Plan | None = None, *,
                 design: Design | None = None, outlet: str = "") -> None:
        self.width, self.height, self.data, self.mime_type = width, height, data, mime_type
        self._plan, self._source = laid_out, (design, outlet)

    @property
    def plan(self) -> Plan:
        if self._plan is None:
            design, outlet = self._source
            self._plan = plan(design, outlet, self.width, self.height)
        return self._plan

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def __repr__(self) -> str:
        return f"Form({self.width}x{self.height}, {self.mime_type}, {len(self.data)} bytes)"


def kind_of(width: int, height: int) -> str:
    if height < TINY_HEIGHT or width < TINY_HEIGHT:
        return "tiny"
    return "slide" if width / height >= 1.2 else "poster"


def plan(design: Design, outlet: str, width: int, height: int) -> Plan:
    """Lay the design out on the canvas; LayoutRefused when even the short title cannot be
    set at the canvas's minimum character height."""
    if outlet not in OUTLETS:
        raise ValueError(f"unknown outlet {outlet!r}")
    if width <= 0 or height <= 0:
        raise ValueError(f"canvas size must be positive, got {width}x{height}")
    return getattr(layouts, kind_of(width, height))(design, outlet, width, height)


def draw(laid_out: Plan) -> Form:
    """Paint the plan and check the result; LayoutRefused if a check fails."""
    canvas, backdrop = paint.paint(laid_out)
    found = checks.problems(laid_out, canvas, backdrop)
    if found:
        raise LayoutRefused("；".join(found))
    data, mime = paint.encoded(canvas, laid_out)
    return Form(laid_out.width, laid_out.height, data, mime, laid_out)


def compose(design: Design, outlet: str, width: int, height: int, cache=None) -> Form:
    """plan() then draw(), through `cache` (a FormCache) when given."""
    if cache is not None:
        return cache.get(design, outlet, width, height)
    return draw(plan(design, outlet, width, height))
