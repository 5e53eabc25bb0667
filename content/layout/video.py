"""A designed LED slide as an MP4 for screens that play video: H.264 at the canvas's exact
size, a set duration, the texts rising gently into place in the first 0.8 s while the
picture and QR code stand still. Made with the ffmpeg that ships in the imageio-ffmpeg wheel;
cached by content hash like the pictures."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from PIL import Image

from content.images import _read_if_present, _write_atomically
from content.layout.design import Design, plan
from content.layout.paint import paint, text_layer

FPS = 25
ENTRANCE_SECONDS = 0.8
RISE = 0.04  # of the canvas height: how far the texts travel as they fade in
DEFAULT_SECONDS = 8


def video(design: Design, width: int, height: int, seconds: int = DEFAULT_SECONDS,
          outlet: str = "led") -> bytes:
    """The slide as MP4 bytes; ValueError for an odd canvas size (H.264 in yuv420p, which
    every player decodes, needs even sides)."""
    import imageio_ffmpeg

    if width % 2 or height % 2:
        raise ValueError(f"H.264 视频需要偶数宽高，画面为 {width}×{height}")
    if not 1 <= seconds <= 300:
        raise ValueError("视频时长须在 1 到 300 秒之间")
    laid_out = plan(design, outlet, width, height)
    _, backdrop = paint(laid_out)
    layer = text_layer(laid_out)
    entrance = round(FPS * ENTRANCE_SECONDS)
    held = seconds - (entrance + 1) / FPS  # the last frame, cloned by ffmpeg to the end
    with tempfile.TemporaryDirectory() as scratch:
        target = os.path.join(scratch, "slide.mp4")
        writer = imageio_ffmpeg.write_frames(
            target, (width, height), fps=FPS, codec="libx264", pix_fmt_out="yuv420p",
            macro_block_size=1, ffmpeg_log_level="error",
            output_params=["-vf", f"tpad=stop_mode=clone:stop_duration={held}",
                           "-preset", "ultrafast", "-crf", "20", "-movflags", "+faststart"])
        writer.send(None)  # start ffmpeg
        for index in range(entrance):
            writer.send(_frame(backdrop, layer, _eased(index / entrance), height).tobytes())
        writer.send(_frame(backdrop, layer, 1.0, height).tobytes())  # ffmpeg holds it (tpad)
        writer.close()
        return Path(target).read_bytes()


def _eased(progress: float) -> float:
    return 1 - (1 - progress) ** 3  # fast start, soft landing


def _frame(backdrop: Image.Image, layer: Image.Image, shown: float, height: int) -> Image.Image:
    """The backdrop with the texts `shown` of the way in: risen from a little below, faded
    from nothing (a blend of the backdrop with the texts at their place for the moment)."""
    frame = backdrop.copy()
    frame.paste(layer, (0, round((1 - shown) * RISE * height)), mask=layer)
    return frame if shown >= 1.0 else Image.blend(backdrop, frame, shown)


class VideoCache:
    """Slides' videos on disk by the hash of their design, canvas and duration."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def get(self, design: Design, width: int, height: int,
            seconds: int = DEFAULT_SECONDS) -> bytes:
        key = hashlib.sha256(f"{design.digest()}|{width}x{height}|{seconds}s".encode())
        path = self.directory / key.hexdigest()[:2] / f"{key.hexdigest()}.mp4"
        cached = _read_if_present(path)
        if cached:
            return cached
        made = video(design, width, height, seconds)
        _write_atomically(path, made)
        return made
