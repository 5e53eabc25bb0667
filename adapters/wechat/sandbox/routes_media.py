"""WeChat's image calls: `media/uploadimg` (article images) and `material/add_material`."""

from __future__ import annotations

import hashlib
import secrets

from flask import Blueprint, Response, request

from .errors import WeChatError
from .guard import with_access_token
from .records import AppRecord, StoredImage
from .runtime import SandboxRuntime
from .wire import wechat_json

bp = Blueprint("wechat_media", __name__)

KB = 1024
MB = 1024 * KB
UPLOADIMG_MAX_BYTES = MB - 1  # "大小必须在1MB以下": under 1 MB
THUMB_MAX_BYTES = 64 * KB
IMAGE_MATERIAL_MAX_BYTES = 10 * MB

_MAGIC = {
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"GIF8": ("gif", "image/gif"),
}
_EXTENSIONS = {"jpg": ("jpg", "jpeg"), "png": ("png",), "gif": ("gif",)}


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """(format, content type) of image bytes, or None if they are no image we know."""
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    return None


def read_upload(allowed_formats: tuple[str, ...], max_bytes: int) -> tuple[str, bytes, str]:
    """The uploaded `media` part as (file name, bytes, format), checked as WeChat checks it.

    `max_bytes` is the largest size accepted.
    """
    upload = request.files.get("media")
    if upload is None:
        raise WeChatError(41005)
    filename = upload.filename or ""
    data = upload.read()
    if not data:
        raise WeChatError(44001)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    sniffed = sniff_image(data)
    # WeChat goes by the file name first: a bare stream (no .jpg/.png name) is refused.
    if sniffed is None or sniffed[0] not in allowed_formats:
        raise WeChatError(40005)
    if extension not in _EXTENSIONS[sniffed[0]]:
        raise WeChatError(40005)
    if len(data) > max_bytes:
        raise WeChatError(45001)
    return filename, data, sniffed[0]


def store_image(rt: SandboxRuntime, app: AppRecord, filename: str, data: bytes,
                image_format: str, kind: str) -> StoredImage:
    name = hashlib.sha1(data).hexdigest()[:32] + "." + image_format  # noqa: S324 - a name
    url = f"{rt.base_url()}/mmbiz/{app.appid}/{name}"
    _, content_type = sniff_image(data) or ("", "application/octet-stream")
    return StoredImage(name, url, filename, content_type, data, kind)


@bp.post("/cgi-bin/media/uploadimg")
@with_access_token
def upload_article_image(rt: SandboxRuntime, app: AppRecord) -> Response:
    filename, data, image_format = read_upload(("jpg", "png"), UPLOADIMG_MAX_BYTES)
    image = store_image(rt, app, filename, data, image_format, "uploadimg")
    with rt.state.lock:
        app.images[image.name] = image
    # WeChat answers this call without errcode.
    return wechat_json({"url": image.url})


@bp.post("/cgi-bin/material/add_material")
@with_access_token
def add_material(rt: SandboxRuntime, app: AppRecord) -> Response:
    material_type = request.args.get("type", "")
    if material_type == "thumb":
        filename, data, image_format = read_upload(("jpg",), THUMB_MAX_BYTES)
    elif material_type == "image":
        filename, data, image_format = read_upload(("jpg", "png", "gif"),
                                                   IMAGE_MATERIAL_MAX_BYTES)
    else:
        # Voice and video materials are not simulated.
        raise WeChatError(40004)
    image = store_image(rt, app, filename, data, image_format, material_type)
    media_id = secrets.token_urlsafe(32)
    with rt.state.lock:
        app.materials[media_id] = image
    return wechat_json({"media_id": media_id, "url": image.url})
