"""A designed LED slide as an MP4 for screens that play video: H.264 (yuv420p, Constrained
Baseline: every player decodes it) at the canvas's exact size and 25 frames a second, a set
duration, the texts rising gently into place in the first 0.8 s while the picture and QR
code stand still. Made with the ffmpeg that ships in the imageio-ffmpeg wheel; cached by
content hash like the pictures.

Cheap because the slide is a held frame: only two one-second pieces are encoded, the
entrance (settling into the held frame) and one second of the held frame alone; the held
second is then repeated as it is, whole H.264 pieces each starting on a key frame, and the
stream is put in an MP4 with its index in front (faststart) without being encoded again.
So a longer slide costs no more encoding, and a player can start or loop at any second.
"""

from __future__ import annotations

import hashlib
import math
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from PIL import Image

from content.images import _read_if_present, _write_atomically
from content.layout import cache
from content.layout.design import Design
from content.layout.forms import plan
from content.layout.paint import paint, text_layer

FPS = 25
ENTRANCE_SECONDS = 0.8
RISE = 0.04  # of the canvas height: how far the texts travel as they fade in
DEFAULT_SECONDS = 8
# Constrained Baseline (no B-frames, no CABAC): the cheapest to make and to decode, which
# the screens' small players need more than the last few kilobytes.
ENCODER = ("-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-crf", "20",
           "-pix_fmt", "yuv420p")


class VideoFailed(RuntimeError):
    """ffmpeg could not make the video (its own message attached)."""


def video(design: Design, width: int, height: int, seconds: int = DEFAULT_SECONDS,
          outlet: str = "led") -> bytes:
    """The slide as MP4 bytes; ValueError for an odd canvas size (H.264 in yuv420p, which
    every player decodes, needs even sides) or a duration outside 1..300 s."""
    if width % 2 or height % 2:
        raise ValueError(f"H.264 视频需要偶数宽高，画面为 {width}×{height}")
    if not 1 <= seconds <= 300:
        raise ValueError("视频时长须在 1 到 300 秒之间")
    laid_out = plan(design, outlet, width, height)
    _, backdrop = paint(laid_out)
    entrance = _Remembering(entrance_frames(backdrop, text_layer(laid_out)))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        first = _h264(folder / "first.h264", (width, height), entrance, FPS)
        held = _h264(folder / "held.h264", (width, height), [entrance.last], FPS) \
            if seconds > 1 else b""
        stream = folder / "slide.h264"
        stream.write_bytes(first + held * (seconds - 1))
        return _mp4(stream, folder / "slide.mp4")


def entrance_frames(backdrop: Image.Image, layer: Image.Image) -> Iterator[bytes]:
    """The entrance's frames as raw RGB, the settled frame last: the texts risen from a little
    below and faded in from nothing. Only the band the texts cross changes, so only that band
    is drawn for each frame; the rows above and below are the backdrop's own bytes."""
    width, height = backdrop.size
    count = round(FPS * ENTRANCE_SECONDS)
    rise = math.ceil(RISE * height)
    box = layer.getbbox()
    if box is None:  # nothing to bring in
        yield backdrop.tobytes()
        return
    top, bottom = box[1], min(height, box[3] + rise)
    raw = backdrop.tobytes()
    above, below = raw[:top * width * 3], raw[bottom * width * 3:]
    band = backdrop.crop((0, top, width, bottom))
    texts = layer.crop((0, top, width, bottom))
    for index in range(count + 1):
        shown = _eased(index / count)
        drawn = band.copy()
        drawn.paste(texts, (0, round((1 - shown) * RISE * height)), mask=texts)
        if shown < 1.0:
            drawn = Image.blend(band, drawn, shown)
        yield above + drawn.tobytes() + below


class _Remembering:
    """Frames passed on one by one (a 1080p frame is 6 MB: they are never all held at
    once), keeping the last: the settled frame that the slide then holds."""

    def __init__(self, frames: Iterator[bytes]) -> None:
        self.frames, self.last = frames, b""

    def __iter__(self) -> Iterator[bytes]:
        for frame in self.frames:
            self.last = frame
            yield frame


def _eased(progress: float) -> float:
    return 1 - (1 - progress) ** 3  # fast start, soft landing


def _h264(target: Path, size: tuple[int, int], frames: Iterable[bytes], total: int) -> bytes:
    """`total` frames of raw H.264 starting on a key frame: the given ones (fewer than
    `total`), then the last of them held (ffmpeg converts it once and clones it)."""
    width, height = size
    _ffmpeg(["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
             "-r", str(FPS), "-i", "pipe:0",
             "-vf", f"format=yuv420p,tpad=stop_mode=clone:stop={total}", "-frames:v", str(total),
             *ENCODER, "-f", "h264", str(target)], frames)
    return target.read_bytes()


def _mp4(stream: Path, target: Path) -> bytes:
    """The H.264 pieces in one MP4 at FPS, as they are (no second encoding), index first."""
    _ffmpeg(["-f", "h264", "-framerate", str(FPS), "-i", str(stream), "-c", "copy",
             "-movflags", "+faststart", str(target)])
    return target.read_bytes()


def _ffmpeg(arguments: list[str], frames: Iterable[bytes] = ()) -> None:
    """Run ffmpeg, feeding it `frames` on its standard input (none: it reads files)."""
    import imageio_ffmpeg

    piped = "pipe:0" in arguments
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
               *([] if piped else ["-nostdin"]), *arguments]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdin=subprocess.PIPE if piped else None,
                                   stdout=subprocess.DEVNULL, stderr=errors)
        try:
            for frame in frames:
                process.stdin.write(frame)
        except BrokenPipeError:
            pass  # ffmpeg stopped early: its message says why
        finally:
            if process.stdin:
                process.stdin.close()
        if process.wait() != 0:
            errors.seek(0)
            raise VideoFailed(errors.read().decode(errors="replace").strip()[-500:])


class VideoCache:
    """Slides' videos on disk by the hash of their design, canvas and duration: in
    `directory`, else in the process's folder for forms (content.layout.cache.keep_on_disk),
    else made each time."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self._own_directory = Path(directory) if directory else None

    @property
    def directory(self) -> Path | None:
        return self._own_directory or cache.disk_folder()

    def get(self, design: Design, width: int, height: int,
            seconds: int = DEFAULT_SECONDS) -> bytes:
        folder = self.directory
        if folder is None:
            return video(design, width, height, seconds)
        path = cache.file_path(folder, video_key(design, width, height, seconds), "video/mp4")
        cached = _read_if_present(path)
        if cached:
            return cached
        made = video(design, width, height, seconds)
        _write_atomically(path, made)
        return made

    def name(self, design: Design, width: int, height: int,
             seconds: int = DEFAULT_SECONDS) -> str:
        """The file name the video is kept under (made if it is not yet there)."""
        self.get(design, width, height, seconds)
        return f"{video_key(design, width, height, seconds)}.mp4"


def video_key(design: Design, width: int, height: int, seconds: int) -> str:
    return hashlib.sha256(f"{design.digest()}|{width}x{height}|{seconds}s".encode()).hexdigest()
