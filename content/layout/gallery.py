"""A gallery of one post's designed forms: every canvas drawn, written to a folder as files,
and one contact sheet showing them side by side at their true proportions (each at the same
scale), refusals written beside them with their reasons.

`python -m content.layout.gallery OUT` draws the demo posts (content.layout.samples), as the
README's pictures were made; `hub forms gallery --post ID --out DIR` draws a real post."""

from __future__ import annotations

import dataclasses
import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from content.layout import samples
from content.layout.design import Design, LayoutRefused, with_source
from content.layout.fonts import font
from content.layout.forms import compose

SHEET_SCALE = 0.25  # every form at a quarter of its pixels: a 1920 wall beside a 128 strip
GAP = 24
LABEL_PX = 20


def for_outlet(design: Design, outlet: str) -> Design:
    """The design as one outlet shows it: its QR code names it as the source; a splash
    and a WeChat cover carry no code (the app and WeChat link by tap)."""
    if outlet != "led" or not design.qr_url:
        return dataclasses.replace(design, qr_url=None)
    return dataclasses.replace(design, qr_url=with_source(design.qr_url, outlet))


def write(design: Design, out: Path, canvases=samples.CANVASES, prefix: str = "") -> Path:
    """Every form of the design in `out`, and the contact sheet; returns the sheet's path."""
    out.mkdir(parents=True, exist_ok=True)
    drawn: list[tuple[str, Image.Image | str]] = []
    for outlet, width, height in canvases:
        label = f"{outlet} {width}×{height}"
        try:
            form = compose(for_outlet(design, outlet), outlet, width, height)
        except LayoutRefused as exc:
            drawn.append((label, exc.reason))
            continue
        extension = "png" if form.mime_type == "image/png" else "jpg"
        (out / f"{prefix}{outlet}-{width}x{height}.{extension}").write_bytes(form.data)
        drawn.append((label, Image.open(io.BytesIO(form.data)).convert("RGB")))
    sheet = contact_sheet(drawn)
    path = out / f"{prefix}gallery.png"
    sheet.save(path, "PNG", optimize=True)
    return path


def contact_sheet(drawn: list[tuple[str, Image.Image | str]]) -> Image.Image:
    """Landscape forms on the first row, portrait ones on the second, each at SHEET_SCALE."""
    rows: list[list[tuple[str, Image.Image | str]]] = [[], []]
    for label, item in drawn:
        tall = isinstance(item, Image.Image) and item.height > item.width
        rows[1 if tall else 0].append((label, item))
    tiles = [[_tile(label, item) for label, item in row] for row in rows if row]
    width = max(sum(t.width for t in row) + GAP * (len(row) + 1) for row in tiles)
    height = sum(max(t.height for t in row) for row in tiles) + GAP * (len(tiles) + 1)
    sheet = Image.new("RGB", (width, height), (245, 245, 245))
    y = GAP
    for row in tiles:
        x = GAP
        for tile in row:
            sheet.paste(tile, (x, y))
            x += tile.width + GAP
        y += max(t.height for t in row) + GAP
    return sheet


def _tile(label: str, item: Image.Image | str) -> Image.Image:
    if isinstance(item, Image.Image):
        picture = item.resize((max(1, round(item.width * SHEET_SCALE)),
                               max(1, round(item.height * SHEET_SCALE))),
                              Image.Resampling.LANCZOS)
    else:  # a refusal: its reason in place of the picture
        picture = Image.new("RGB", (360, 120), (255, 255, 255))
        ImageDraw.Draw(picture).multiline_text(
            (8, 8), _wrapped(item, 20), font=font(14), fill=(160, 20, 20))
    tile = Image.new("RGB", (max(picture.width, 200), picture.height + LABEL_PX + 8),
                     (245, 245, 245))
    tile.paste(picture, (0, LABEL_PX + 8))
    ImageDraw.Draw(tile).text((0, 0), label, font=font(LABEL_PX - 4), fill=(40, 40, 40))
    return tile


def _wrapped(text: str, per_line: int) -> str:
    return "\n".join(text[i:i + per_line] for i in range(0, len(text), per_line))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m content.layout.gallery OUT_DIR", file=sys.stderr)
        return 2
    for name, design in samples.posts().items():
        print(write(design, Path(argv[0]) / name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
