"""An image's focal point (what a crop must keep), found by smartcrop's saliency analysis
(edges, skin tones, saturation), and crops of any shape around it.

A focal point is a pair of fractions (x, y) of the displayed image, (0.5, 0.5) its middle.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

Focal = tuple[float, float]
CENTRE: Focal = (0.5, 0.5)
_ANALYSIS_SIDE = 240  # smartcrop's scores are stable at this size and cost ~50 ms


def find_focal(data: bytes) -> Focal:
    """Where the interest of the image lies, from its bytes (upright, as displayed)."""
    import smartcrop

    with Image.open(io.BytesIO(data)) as opened:
        opened.draft("RGB", (_ANALYSIS_SIDE * 2, _ANALYSIS_SIDE * 2))
        image = ImageOps.exif_transpose(opened).convert("RGB")
    image.thumbnail((_ANALYSIS_SIDE, _ANALYSIS_SIDE))
    width, height = image.size
    side = min(width, height) * 0.6  # a crop smaller than the image: both axes can move
    found = smartcrop.SmartCrop().crop(image, round(side), round(side), prescale=False,
                                       min_scale=0.6, max_scale=0.6)["top_crop"]
    return (round((found["x"] + found["width"] / 2) / width, 3),
            round((found["y"] + found["height"] / 2) / height, 3))


def crop_box(size: tuple[int, int], aspect: float, focal: Focal | None) -> tuple[int, ...]:
    """The largest box of `aspect` (width / height) inside an image of `size`, centred on the
    focal point as far as the edges allow."""
    width, height = size
    fx, fy = focal or CENTRE
    if width / height > aspect:
        box_w, box_h = round(height * aspect), height
    else:
        box_w, box_h = width, round(width / aspect)
    left = min(max(0, round(fx * width - box_w / 2)), width - box_w)
    top = min(max(0, round(fy * height - box_h / 2)), height - box_h)
    return (left, top, left + box_w, top + box_h)


def cropped(image: Image.Image, size: tuple[int, int], focal: Focal | None) -> Image.Image:
    """The image cut to the shape of `size` around its focal point, then scaled to it."""
    box = crop_box(image.size, size[0] / size[1], focal)
    return image.resize(size, Image.Resampling.LANCZOS, box=box)


def centering(size: tuple[int, int], target: tuple[int, int], focal: Focal | None) -> Focal:
    """The `centering` argument of PIL.ImageOps.fit that keeps the focal point in view."""
    left, top, right, bottom = crop_box(size, target[0] / target[1], focal)
    spare_w, spare_h = size[0] - (right - left), size[1] - (bottom - top)
    return (left / spare_w if spare_w else 0.5, top / spare_h if spare_h else 0.5)
