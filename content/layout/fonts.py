"""The CJK font every designed form is set in: Noto Sans SC (a variable font, so regular and
bold come from one file) from the justmytype-intl-cjk wheel, Debian's fonts as a fallback."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
from pathlib import Path

from PIL import ImageFont

# The pip wheel first (installed from requirements.txt everywhere), then Debian's packages.
SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
REGULAR, BOLD = "Regular", "Bold"


class FontMissing(RuntimeError):
    """No font with Chinese glyphs on this machine: forms would show empty boxes."""


@functools.cache
def font_path() -> str:
    candidates = []
    spec = importlib.util.find_spec("justmytype_intl_cjk")
    if spec is not None and spec.origin:
        candidates += sorted((Path(spec.origin).parent / "fonts/ofl/notosanssc").glob("*.ttf"))
    candidates += [Path(p) for p in SYSTEM_FONTS]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    raise FontMissing("服务器缺少中文字体（pip 包 justmytype-intl-cjk 或 fonts-wqy-microhei），"
                      "无法绘制画面")


@functools.lru_cache(maxsize=512)
def font(size: int, weight: str = REGULAR) -> ImageFont.FreeTypeFont:
    loaded = ImageFont.truetype(font_path(), size)
    with contextlib.suppress(OSError, ValueError):  # a static fallback has one weight only
        loaded.set_variation_by_name(weight)
    return loaded
