"""Uploaded images checked before anyone trusts them, and renditions at the sizes outlets need.

Uploads are untrusted: size is checked before decoding, the pixel count from the
header before any pixels are decoded, and only a few common formats reach a
decoder at all. Renditions (LED screens, splash slots, WeChat covers) must be
exactly the size asked for, so every render ends in a crop or a pad.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageColor, ImageOps, UnidentifiedImageError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")

MIME_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}

RENDER_MODES = ("crop", "fit")
OUTPUT_FORMATS = {"JPEG": "jpg", "PNG": "png"}

# Pillow names phone-camera JPEGs that carry extra preview frames "MPO"; they are
# ordinary JPEGs to every browser and to WeChat.
_FORMAT_ALIASES = {"MPO": "JPEG", "JPG": "JPEG"}

# EXIF orientations 5-8 turn the stored image a quarter turn, swapping width and height.
_QUARTER_TURN_ORIENTATIONS = frozenset({5, 6, 7, 8})

_FIRST_JPEG_QUALITY = 85
_LOWEST_JPEG_QUALITY = 30
_JPEG_QUALITY_STEP = 10

_CACHE_FORMAT_VERSION = "1"


class ImageRejected(ValueError):
    """An image an editor must replace; `reason` is the Chinese message shown to them."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ImageInfo:
    """An accepted image as it will be displayed (width and height after EXIF rotation)."""

    format: str
    mime_type: str
    width: int
    height: int
    byte_size: int
    sha256: str


def inspect_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    allowed_formats: Iterable[str] = DEFAULT_FORMATS,
) -> ImageInfo:
    """Check an uploaded image fully and describe it as it will be displayed."""
    if not data:
        raise ImageRejected("图片为空")
    if len(data) > max_bytes:
        raise ImageRejected(f"图片超过 {_readable_size(max_bytes)}")
    with _opened(data, max_pixels=max_pixels, allowed_formats=allowed_formats) as image:
        image_format = _format_name(image)
        width, height = _displayed_size(image)
    _verify_pixels(data)
    return ImageInfo(
        format=image_format,
        mime_type=MIME_TYPES.get(image_format) or Image.MIME.get(image_format, ""),
        width=width,
        height=height,
        byte_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def render(
    data: bytes,
    width: int,
    height: int,
    *,
    mode: str = "crop",
    format: str = "JPEG",
    background: str = "#000000",
    max_bytes: int | None = None,
    focal: tuple[float, float] | None = None,
) -> bytes:
    """An image of exactly width x height pixels, upright, encoded as JPEG or PNG.

    "crop" scales to cover the box and cuts around the focal point (the middle when none
    is given; see content.layout.focal); "fit" scales to fit
    inside and pads with `background`. JPEG has no transparency, so transparent
    areas are laid on `background`. With `max_bytes`, JPEG quality steps down
    until the result fits.
    """
    output_format = _check_render_arguments(width, height, mode, format)
    fill = ImageColor.getrgb(background)
    with _opened(data, max_pixels=DEFAULT_MAX_PIXELS, allowed_formats=DEFAULT_FORMATS) as image:
        _decode_smaller_when_possible(image, width, height)
        upright = _decoded_upright(image)
    sized = _sized(upright, (width, height), mode=mode, fill=fill, focal=focal)
    if output_format == "JPEG":
        return _encode_jpeg(_flattened(sized, fill), max_bytes)
    return _encode_png(sized, max_bytes)


class RenditionCache:
    """Renditions on disk, keyed by the source bytes and the render parameters.

    Files are written to a temporary name and moved into place, so a reader never
    sees half a file and several processes rendering the same key just replace
    one complete file with an identical one.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def get(
        self,
        data: bytes,
        width: int,
        height: int,
        *,
        mode: str = "crop",
        format: str = "JPEG",
        background: str = "#000000",
        max_bytes: int | None = None,
        focal: tuple[float, float] | None = None,
    ) -> bytes:
        output_format = _check_render_arguments(width, height, mode, format)
        key = rendition_key(
            data, width, height, mode=mode, format=output_format,
            background=background, max_bytes=max_bytes, focal=focal,
        )  # fmt: skip
        path = self.path_for(key, output_format)
        cached = _read_if_present(path)
        if cached:
            return cached
        rendered = render(
            data, width, height, mode=mode, format=output_format,
            background=background, max_bytes=max_bytes, focal=focal,
        )  # fmt: skip
        _write_atomically(path, rendered)
        return rendered

    def path_for(self, key: str, output_format: str) -> Path:
        return self.directory / key[:2] / f"{key}.{OUTPUT_FORMATS[output_format]}"


def rendition_key(
    data: bytes,
    width: int,
    height: int,
    *,
    mode: str,
    format: str,
    background: str,
    max_bytes: int | None,
    focal: tuple[float, float] | None = None,
) -> str:
    """Hex sha256 naming one rendition; equal colours spelt differently share a key."""
    red, green, blue = ImageColor.getrgb(background)[:3]
    parameters = "|".join(
        [
            _CACHE_FORMAT_VERSION,
            hashlib.sha256(data).hexdigest(),
            f"{width}x{height}",
            mode,
            format.upper(),
            f"{red:02x}{green:02x}{blue:02x}",
            str(max_bytes),
        ]
        + ([f"{focal[0]:.3f},{focal[1]:.3f}"] if focal else [])
    )
    return hashlib.sha256(parameters.encode("ascii")).hexdigest()


@contextlib.contextmanager
def _opened(data: bytes, *, max_pixels: int, allowed_formats: Iterable[str]):
    """Open an image lazily (header only), refusing bombs and unwanted formats."""
    allowed = {_normalised_format(name) for name in allowed_formats}
    try:
        with _bomb_warnings_as_errors():
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("图片像素过多（疑似解压炸弹）") from None
    except UnidentifiedImageError:
        raise ImageRejected("无法识别的图片格式") from None
    except Exception:
        raise ImageRejected("图片文件已损坏") from None
    with image:
        image_format = _format_name(image)
        if image_format not in allowed:
            raise ImageRejected(f"不支持的图片格式 {image_format}")
        if image.width * image.height > max_pixels:
            raise ImageRejected("图片像素过多（疑似解压炸弹）")
        yield image


def _verify_pixels(data: bytes) -> None:
    """Decode the whole image twice: verify() checks structure, load() the pixel data."""
    try:
        with _bomb_warnings_as_errors():
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            # verify() leaves the image unusable, hence the second open.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("图片像素过多（疑似解压炸弹）") from None
    except Exception:
        # Pillow's decoders raise many kinds of errors on broken input.
        raise ImageRejected("图片文件已损坏") from None


def _decoded_upright(image: Image.Image) -> Image.Image:
    try:
        with _bomb_warnings_as_errors():
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("图片像素过多（疑似解压炸弹）") from None
    except Exception:
        raise ImageRejected("图片文件已损坏") from None
    if _has_transparency(upright):
        return upright.convert("RGBA")
    return upright.convert("RGB")


@contextlib.contextmanager
def _bomb_warnings_as_errors():
    # warnings filters are process-global: with threads a filter set here can
    # outlive this block, which only means Pillow's bomb warning stays an error.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _decode_smaller_when_possible(image: Image.Image, width: int, height: int) -> None:
    """Let JPEG decode at 1/2, 1/4 or 1/8 scale when that still covers the target."""
    target = (height, width) if _turns_quarter(image) else (width, height)
    image.draft("RGB" if image.mode == "RGB" else None, target)


def _sized(
    image: Image.Image, size: tuple[int, int], *, mode: str, fill: tuple[int, ...],
    focal: tuple[float, float] | None = None,
) -> Image.Image:
    if mode == "crop":
        from content.layout.focal import centering

        return ImageOps.fit(image, size, method=Image.Resampling.LANCZOS,
                            centering=centering(image.size, size, focal))
    padding = fill[:3] + (255,) if image.mode == "RGBA" else fill[:3]
    return ImageOps.pad(image, size, method=Image.Resampling.LANCZOS, color=padding)


def _flattened(image: Image.Image, fill: tuple[int, ...]) -> Image.Image:
    if image.mode != "RGBA":
        return image.convert("RGB")
    canvas = Image.new("RGB", image.size, fill[:3])
    canvas.paste(image, mask=image.getchannel("A"))
    return canvas


def _encode_jpeg(image: Image.Image, max_bytes: int | None) -> bytes:
    quality = _FIRST_JPEG_QUALITY
    while True:
        encoded = _encoded(image, "JPEG", quality=quality, optimize=True)
        if max_bytes is None or len(encoded) <= max_bytes:
            return encoded
        if quality <= _LOWEST_JPEG_QUALITY:
            raise ImageRejected(f"图片压缩到最低质量仍超过 {_readable_size(max_bytes)}")
        quality = max(_LOWEST_JPEG_QUALITY, quality - _JPEG_QUALITY_STEP)


def _encode_png(image: Image.Image, max_bytes: int | None) -> bytes:
    encoded = _encoded(image, "PNG", optimize=True)
    if max_bytes is not None and len(encoded) > max_bytes:
        raise ImageRejected(f"PNG 图片超过 {_readable_size(max_bytes)}，请改用 JPEG")
    return encoded


def _encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    # No exif= passed: renditions carry no camera metadata (GPS, serial numbers).
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _check_render_arguments(width: int, height: int, mode: str, image_format: str) -> str:
    if width <= 0 or height <= 0:
        raise ValueError(f"rendition size must be positive, got {width}x{height}")
    if mode not in RENDER_MODES:
        raise ValueError(f"unknown render mode {mode!r}; expected one of {RENDER_MODES}")
    output_format = _normalised_format(image_format)
    if output_format not in OUTPUT_FORMATS:
        raise ValueError(f"unsupported output format {image_format!r}")
    return output_format


def _format_name(image: Image.Image) -> str:
    return _normalised_format(image.format or "未知")


def _normalised_format(name: str) -> str:
    upper = name.upper()
    return _FORMAT_ALIASES.get(upper, upper)


def _displayed_size(image: Image.Image) -> tuple[int, int]:
    if _turns_quarter(image):
        return image.height, image.width
    return image.width, image.height


def _turns_quarter(image: Image.Image) -> bool:
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation)
    except Exception:
        # A broken EXIF block should not reject an otherwise good photo.
        return False
    return orientation in _QUARTER_TURN_ORIENTATIONS


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _readable_size(byte_count: int) -> str:
    megabytes = byte_count / (1024 * 1024)
    if megabytes >= 1:
        return f"{megabytes:.3g} MB"
    kilobytes = byte_count / 1024
    if kilobytes >= 1:
        return f"{kilobytes:.3g} KB"
    return f"{byte_count} 字节"


def _read_if_present(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary_name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as temporary:
            temporary.write(content)
            temporary.flush()
            os.fsync(temporary.fileno())
        # mkstemp makes owner-only files; renditions are public and may be served
        # by a different user (e.g. the front web server).
        os.chmod(temporary_name, 0o644)  # noqa: S103
        os.replace(temporary_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary_name)
        raise


def data_url(data: bytes) -> str:
    """Picture bytes as a `data:` URL, for a preview that must show the very file an outlet
    gets (PNG or JPEG, told by its first bytes)."""
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
