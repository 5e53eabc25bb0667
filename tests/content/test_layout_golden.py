"""Golden images: each demo post's designed forms compared with reviewed references (small
PNGs in tests/content/golden/) within a tolerance, so a layout change shows up in review.

A deliberate change: run with HUB_UPDATE_GOLDEN=1, look at the new references, and commit
them with the change."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from content.layout import LayoutRefused, compose, samples
from content.layout.gallery import for_outlet

GOLDEN = Path(__file__).parent / "golden"
CANVASES = [("led", 1920, 1080), ("led", 768, 384), ("led", 128, 64),
            ("splash", 1080, 1920), ("wechat", 900, 383)]
THUMB_SIDE = 240  # references are small: enough to see a layout, cheap to keep
TOLERANCE = 2.0  # mean difference per channel (0-255): font hinting and JPEG noise pass
POSTS = samples.posts()
REFUSED = {("long-title-dark", "led", 128, 64)}  # no short title fits: refusing is right


def _thumbnail(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return image


@pytest.mark.parametrize("name", sorted(POSTS))
@pytest.mark.parametrize("outlet, width, height", CANVASES)
def test_forms_match_their_reviewed_references(name, outlet, width, height):
    if (name, outlet, width, height) in REFUSED:
        with pytest.raises(LayoutRefused):
            compose(for_outlet(POSTS[name], outlet), outlet, width, height)
        return
    drawn = _thumbnail(compose(for_outlet(POSTS[name], outlet), outlet, width, height).data)
    reference = GOLDEN / f"{name}-{outlet}-{width}x{height}.png"
    if os.environ.get("HUB_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        drawn.save(reference, "PNG", optimize=True)
    assert reference.is_file(), f"no reference {reference.name}: run with HUB_UPDATE_GOLDEN=1"
    expected = Image.open(reference).convert("RGB")
    assert drawn.size == expected.size
    difference = max(ImageStat.Stat(ImageChops.difference(drawn, expected)).mean)
    assert difference <= TOLERANCE, f"{reference.name} differs by {difference:.1f}"
