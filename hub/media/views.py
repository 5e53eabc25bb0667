"""Editor API for media upload, and the public URL that serves the bytes."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request
from pydantic import BaseModel, Field

from hub.accounts.models import Account
from hub.accounts.services import get_account
from hub.api import route
from hub.errors import BadRequest, NotFound
from hub.media import services, sizes
from hub.media.models import Media

bp = Blueprint("media_api", __name__, url_prefix="/api/v1")
RENDITION_FORMATS = {"jpg": "JPEG", "png": "PNG"}
files = Blueprint("media_files", __name__)


class FocalPoint(BaseModel):
    x: float = Field(ge=0, le=1, description="焦点横向位置，0 为左边缘，1 为右边缘")
    y: float = Field(ge=0, le=1, description="焦点纵向位置，0 为上边缘，1 为下边缘")


class MediaOut(BaseModel):
    id: int
    account: str
    filename: str
    mime_type: str
    width: int
    height: int
    byte_size: int
    sha256: str
    url: str
    focal: FocalPoint | None = Field(
        default=None, description="裁切时保留的焦点（宽、高的比例）；null 表示居中")


def media_out(media: Media, account_code: str) -> MediaOut:
    focal = FocalPoint(x=media.focal_x, y=media.focal_y) if media.focal else None
    return MediaOut(id=media.id, account=account_code, filename=media.filename,
                    mime_type=media.mime_type, width=media.width, height=media.height,
                    byte_size=media.byte_size, sha256=media.sha256,
                    url=f"/media/{media.id}/{media.sha256[:16]}", focal=focal)


@route(bp, "/media", "POST", summary="Upload an image (multipart: account, file)", tag="media",
       response=MediaOut, status=201, errors=(413,),
       multipart={"account": "账号代码", "file": "file"})
def upload_media():
    code = request.form.get("account", "")
    if not code:
        raise BadRequest("缺少 account 字段", field="account")
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("缺少 file 文件", field="file")
    account = get_account(g.db, code)
    limit = current_app.config["HUB"].max_upload_bytes
    data = upload.stream.read(limit + 1)
    media = services.store_upload(g.db, g.user, account, upload.filename or "", data,
                                  max_bytes=limit)
    return media_out(media, account.code)


@route(bp, "/media/<int:media_id>/focal", "PUT", summary="Move an image's focal point",
       tag="media", body=FocalPoint, response=MediaOut, errors=(404,))
def move_focal(media_id: int, body: FocalPoint):
    """Every outlet's crop of the image (LED slides, splash posters, WeChat covers) keeps
    this point in view from now on: previews at once, outlets at their next delivery."""
    media = services.get_media(g.db, media_id)
    services.move_focal(g.db, g.user, media, body.x, body.y)
    account = g.db.get(Account, media.account_id)
    return media_out(media, account.code)


def _media_named(media_id: int, digest: str) -> Media:
    media = services.get_media(g.db, media_id)
    if len(digest) < 8 or not media.sha256.startswith(digest):
        raise NotFound("该地址指向的文件已不存在", field="media")
    return media


def _immutable(data: bytes, mimetype: str, etag: str) -> Response:
    response = Response(data, mimetype=mimetype)
    # The URL carries the content hash, so the bytes behind it never change.
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["ETag"] = f'"{etag}"'
    return response


@files.get("/media/<int:media_id>/<digest>")
def serve_media(media_id: int, digest: str):
    media = _media_named(media_id, digest)
    return _immutable(media.data, media.mime_type, media.sha256)


@files.get("/media/<int:media_id>/<digest>/<int:width>x<int:height>.<ext>")
def serve_rendition(media_id: int, digest: str, width: int, height: int, ext: str):
    """The image at one of the hub's own sizes (?mode=crop, the default, or fit), cached on
    disk; any other size is a 404 (see hub.media.sizes)."""
    if not sizes.is_served(width, height):
        raise NotFound(f"不提供 {width}×{height} 的图片尺寸", field="size")
    if ext not in RENDITION_FORMATS:
        raise BadRequest("只支持 .jpg 和 .png", field="ext")
    mode = request.args.get("mode", "crop")
    if mode not in ("crop", "fit"):
        raise BadRequest("mode 只能是 crop 或 fit", field="mode")
    media = _media_named(media_id, digest)
    data = services.rendition_cache().get(media.data, width, height, mode=mode,
                                          format=RENDITION_FORMATS[ext], focal=media.focal)
    return _immutable(data, f"image/{'jpeg' if ext == 'jpg' else 'png'}",
                      f"{media.sha256[:32]}-{width}x{height}-{mode}-{media.focal_x}-{media.focal_y}.{ext}")
