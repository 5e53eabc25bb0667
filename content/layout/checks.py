"""Checks every drawn form passes before it leaves the hub: each line of text stands out from
what is behind it (WCAG contrast, 7:1 on LED), stays inside the safe area and out of the
areas the outlet keeps clear, and a QR code decodes (zxing-cpp) to the link it should."""

from __future__ import annotations

from PIL import Image

from content.layout import colour
from content.layout.design import Box, Plan
from content.layout.paint import line_boxes

ROLE_NAMES = {"title": "标题", "summary": "摘要", "account": "账号名", "action": "参与按钮"}


def problems(plan: Plan, canvas: Image.Image, backdrop: Image.Image) -> list[str]:
    found = []
    for text in plan.texts:
        name = ROLE_NAMES.get(text.role, text.role)
        for _, box in line_boxes(text):
            if not _inside(box, plan.safe) or any(_overlaps(box, c) for c in plan.keep_clear):
                found.append(f"{name}超出 {plan.width}×{plan.height} 画面的安全区")
                break
            ratio = worst_contrast(backdrop, box, text.colour, text.backing)
            if ratio < plan.min_contrast:
                found.append(f"{name}与背景对比度 {ratio:.1f}:1，低于 {plan.min_contrast:g}:1")
                break
    if plan.qr_box and decoded_qr(canvas) != plan.design.qr_url:
        found.append(f"{plan.width}×{plan.height} 画面上的二维码无法识别")
    return found


def worst_contrast(backdrop: Image.Image, box: Box, text_colour, backing=None) -> float:
    """The contrast of the text against the part of its background least like it (the 98th
    percentile, so a stray pixel does not decide)."""
    if backing is not None:
        return colour.contrast(text_colour, backing)
    region = backdrop.crop(box).convert("RGB").resize((32, 8))
    levels = sorted(colour.luminance(pixel) for pixel in region.get_flattened_data())
    text_level = colour.luminance(text_colour)
    worst = levels[int(len(levels) * 0.98) - 1] if text_level > levels[len(levels) // 2] \
        else levels[int(len(levels) * 0.02)]
    lighter, darker = max(text_level, worst), min(text_level, worst)
    return (lighter + 0.05) / (darker + 0.05)


def decoded_qr(image: Image.Image) -> str | None:
    """The text of the first QR code a real decoder finds in the image."""
    import zxingcpp

    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return found[0].text if found else None


def _inside(box: Box, outer: Box) -> bool:
    return box[0] >= outer[0] and box[1] >= outer[1] and box[2] <= outer[2] and box[3] <= outer[3]


def _overlaps(first: Box, second: Box) -> bool:
    return first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and \
        second[1] < first[3]
