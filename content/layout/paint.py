"""Painting a plan: the field (solid, or blurred from the cover), the cover cropped around its
focal point, the QR code at whole pixels per module, then the text."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFilter

from content import images
from content.layout import focal as focal_points
from content.layout.design import Plan, Text, cover_image
from content.layout.fonts import font

JPEG_QUALITY = 88
MAX_JPEG_BYTES = 600 * 1024  # splash images are preloaded over mobile data
QR_BORDER = 2  # modules of white around the code: the quiet zone scanners need


def paint(plan: Plan) -> tuple[Image.Image, Image.Image]:
    """(the finished canvas, the same canvas before any text: what checks measure text on)."""
    canvas = Image.new("RGB", (plan.width, plan.height), plan.field)
    cover = cover_image(plan.design) if plan.cover_box or plan.blurred_backdrop else None
    if cover is not None and plan.blurred_backdrop:
        _blurred_backdrop(canvas, cover, plan)
    if cover is not None and plan.cover_box:
        left, top, right, bottom = plan.cover_box
        canvas.paste(focal_points.cropped(cover, (right - left, bottom - top),
                                          plan.design.focal), (left, top))
    if plan.qr_box:
        _paste_qr(canvas, plan.design.qr_url, plan.qr_box)
    backdrop = canvas.copy()
    pen = ImageDraw.Draw(canvas)
    for text in plan.texts:
        _write(pen, text)
    return canvas, backdrop


def text_layer(plan: Plan) -> Image.Image:
    """The plan's texts (and the call to action's pill) alone, on transparency: what a
    video brings in over the backdrop."""
    layer = Image.new("RGBA", (plan.width, plan.height), (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    for text in plan.texts:
        _write(pen, text)
    return layer


def encoded(canvas: Image.Image, plan: Plan) -> tuple[bytes, str]:
    """JPEG when a photo is in it (small, and every controller takes it), PNG for text alone
    (sharp edges, and smaller than JPEG for flat colour)."""
    if plan.cover_box or plan.blurred_backdrop:
        return images._encode_jpeg(canvas, MAX_JPEG_BYTES), "image/jpeg"
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG", optimize=True)
    return buffer.getvalue(), "image/png"


def line_boxes(text: Text) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Each line of a text and the box it takes on the canvas."""
    setting, (left, top, right, _) = text.setting, text.box
    face = font(setting.size, setting.weight)
    placed = []
    for index, line in enumerate(setting.lines):
        width = round(face.getlength(line))
        x = left if text.align == "left" else left + (right - left - width) // 2
        y = top + index * setting.line_height
        placed.append((line, (x, y, x + width, y + setting.line_height)))
    return placed


def _write(pen: ImageDraw.ImageDraw, text: Text) -> None:
    setting = text.setting
    if text.backing is not None:
        pad = round(setting.size * 0.9)
        left, top, right, bottom = text.box
        pen.rounded_rectangle((left - pad, top - pad // 3, right + pad, bottom + pad // 3),
                              radius=(bottom - top) // 2 + pad // 3, fill=text.backing)
    face = font(setting.size, setting.weight)
    for line, (x, y, _, bottom) in line_boxes(text):
        pen.text((x, (y + bottom) / 2), line, font=face, fill=text.colour, anchor="lm")


def _blurred_backdrop(canvas: Image.Image, cover: Image.Image, plan: Plan) -> None:
    """The cover stretched over the whole canvas, blurred and sunk into the field colour, so
    the poster's ground is made of the picture's own colours."""
    small = (max(1, plan.width // 8), max(1, plan.height // 8))
    spread = focal_points.cropped(cover, small, plan.design.focal)
    spread = spread.filter(ImageFilter.GaussianBlur(max(2, small[0] // 12)))
    spread = spread.resize((plan.width, plan.height), Image.Resampling.BILINEAR)
    field = Image.new("RGB", canvas.size, plan.field)
    canvas.paste(Image.blend(spread, field, 0.85))


def _paste_qr(canvas: Image.Image, url: str, box: tuple[int, int, int, int]) -> None:
    import qrcode

    code = qrcode.QRCode(border=QR_BORDER, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    modules = code.modules_count + 2 * QR_BORDER
    side = box[2] - box[0]
    per_module = max(1, side // modules)  # whole pixels per module: no smeared edges
    picture = code.make_image(fill_color="black", back_color="white").get_image()
    picture = picture.convert("RGB").resize((modules * per_module,) * 2, Image.Resampling.NEAREST)
    white = Image.new("RGB", (side, side), (255, 255, 255))
    offset = (side - picture.width) // 2
    white.paste(picture, (offset, offset))
    canvas.paste(white, box[:2])
