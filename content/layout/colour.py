"""Colours for designed forms: WCAG contrast, a cover's dominant colour, and fields dark
enough that white text on them reads (4.5:1 on phones, 7:1 on LED walls seen from afar)."""

from __future__ import annotations

import colorsys

from PIL import Image, ImageColor

RGB = tuple[int, int, int]
WHITE: RGB = (255, 255, 255)


def rgb(value: str | RGB) -> RGB:
    if isinstance(value, tuple):
        return value[:3]  # type: ignore[return-value]
    return ImageColor.getrgb(value)[:3]  # type: ignore[return-value]


def luminance(colour: RGB) -> float:
    """WCAG 2 relative luminance."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in colour[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: RGB, second: RGB) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def dominant(image: Image.Image) -> RGB:
    """The cover's most common strong colour (quantised), grey when it has none."""
    small = image.convert("RGB").resize((48, 48), Image.Resampling.BILINEAR)
    palette = small.quantize(colors=6, method=Image.Quantize.MEDIANCUT)
    colours = palette.getpalette()[: 6 * 3]
    counts = sorted(palette.getcolors(), reverse=True)

    def score(entry):
        count, index = entry
        red, green, blue = colours[index * 3: index * 3 + 3]
        _, _, saturation = colorsys.rgb_to_hls(red / 255, green / 255, blue / 255)
        return count * (0.3 + saturation)

    _, index = max(counts, key=score)
    return tuple(colours[index * 3: index * 3 + 3])  # type: ignore[return-value]


def darkened(colour: RGB, *, against: RGB = WHITE, ratio: float) -> RGB:
    """The colour, darkened (hue kept) until `against` reads on it at `ratio` or better."""
    hue, lightness, saturation = colorsys.rgb_to_hls(*(v / 255 for v in colour))
    while lightness > 0:
        candidate = _from_hls(hue, lightness, saturation)
        if contrast(candidate, against) >= ratio:
            return candidate
        lightness -= 0.02
    return (0, 0, 0)


def lightened(colour: RGB, *, against: RGB, ratio: float) -> RGB:
    """The colour, lightened (hue kept) until it reads on `against` at `ratio` or better."""
    hue, lightness, saturation = colorsys.rgb_to_hls(*(v / 255 for v in colour))
    while lightness < 1:
        candidate = _from_hls(hue, lightness, saturation)
        if contrast(candidate, against) >= ratio:
            return candidate
        lightness += 0.02
    return WHITE


def _from_hls(hue: float, lightness: float, saturation: float) -> RGB:
    red, green, blue = colorsys.hls_to_rgb(hue, max(0.0, min(1.0, lightness)), saturation)
    return (round(red * 255), round(green * 255), round(blue * 255))
