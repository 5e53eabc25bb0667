"""LED slides as MP4 (H.264 from the imageio-ffmpeg wheel): the canvas's exact size, the set
duration, the texts entering while the picture stands still, the QR code still readable in
the held frame, and the same design not encoded twice."""

from __future__ import annotations

import dataclasses

import pytest
from PIL import Image, ImageChops

from content.layout import checks, samples, with_source
from content.layout.video import FPS, VideoCache, video


@pytest.fixture(scope="module")
def slide():
    design = samples.posts()["campaign"]
    return dataclasses.replace(design, qr_url=with_source(design.qr_url, "led"))


def _frames(path):
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    return meta, [Image.frombytes("RGB", meta["size"], frame) for frame in reader]


def test_a_slide_video_is_h264_at_the_canvas_size_with_a_title_entrance(slide, tmp_path):
    path = tmp_path / "slide.mp4"
    made = video(slide, 768, 384, seconds=3)
    path.write_bytes(made)
    assert made.index(b"moov") < made.index(b"mdat")  # faststart: plays while downloading
    meta, frames = _frames(path)
    assert meta["codec"] == "h264" and meta["size"] == (768, 384)
    assert meta["duration"] == pytest.approx(3.0, abs=0.05)
    assert len(frames) == 3 * FPS
    first, settled, last = frames[0], frames[FPS], frames[-1]
    # The texts come in: the first frame lacks what the settled one shows ...
    assert ImageChops.difference(first, settled).getbbox() is not None
    # ... while the picture and the QR code are there from the start and then hold still.
    left_half = (0, 0, 300, 384)
    assert _mean_difference(first.crop(left_half), settled.crop(left_half)) < 3
    assert _mean_difference(settled, last) < 3
    assert checks.decoded_qr(last) == "https://ygh.example.cn/c/7?src=led"
    # The held seconds are repeats of the first held second: each second starts as the
    # settled slide, exactly as the one before.
    assert _mean_difference(frames[FPS], frames[2 * FPS]) < 1


def test_videos_are_cached_by_content_and_odd_canvases_are_refused(slide, tmp_path):
    cache = VideoCache(tmp_path)
    made = cache.get(slide, 128, 64, seconds=2)
    assert len(list(tmp_path.rglob("*.mp4"))) == 1
    assert cache.get(slide, 128, 64, seconds=2) == made
    assert len(list(tmp_path.rglob("*.mp4"))) == 1
    with pytest.raises(ValueError, match="偶数"):
        video(slide, 129, 64)


def _mean_difference(first: Image.Image, second: Image.Image) -> float:
    from PIL import ImageStat

    return max(ImageStat.Stat(ImageChops.difference(first, second)).mean)
