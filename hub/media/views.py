"""Editor API for media upload, and the public URL that serves the bytes."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, g, redirect, request
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
    renditions_url: str = Field(
        description="裁切图的地址前缀：加上 /<宽>x<高>.jpg（或 .png）即得该尺寸的图；"
                    "焦点移动后前缀随之改变，旧地址不会再给出新的裁切")
    focal: FocalPoint | None = Field(
        default=None, description="裁切时保留的焦点（宽、高的比例）；null 表示居中")


def focal_tag(media: Media) -> str:
    """Names the crop a rendition keeps: it changes when the focal point moves, so the new
    crop gets a new address while browsers and players keep the old one cached for good."""
    kept = f"{media.sha256}|{media.focal_x}|{media.focal_y}"
    return hashlib.sha256(kept.encode()).hexdigest()[:12]


def renditions_url(media: Media) -> str:
    return f"/media/{media.id}/{media.sha256[:16]}/{focal_tag(media)}"


def media_out(media: Media, account_code: str) -> MediaOut:
    focal = FocalPoint(x=media.focal_x, y=media.focal_y) if media.focal else None
    return MediaOut(id=media.id, account=account_code, filename=media.filename,
                    mime_type=media.mime_type, width=media.width, height=media.height,
                    byte_size=media.byte_size, sha256=media.sha256,
                    url=f"/media/{media.id}/{media.sha256[:16]}",
                    renditions_url=renditions_url(media), focal=focal)


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


@files.get("/forms/<name>")
def serve_form(name: str):
    """A designed form (a slide, a poster, a cover, a slide's video) by the name it is kept
    under on this machine: its content hash, so the bytes behind the address never change."""
    found = services.form_file(name)
    if found is None:
        raise NotFound("没有这个版式文件", field="name")
    data, mime = found
    return _immutable(data, mime, name.split(".", 1)[0])


@files.get("/media/<int:media_id>/<digest>")
def serve_media(media_id: int, digest: str):
    media = _media_named(media_id, digest)
    return _immutable(media.data, media.mime_type, media.sha256)


def _requested_rendition(width: int, height: int, ext: str) -> str:
    """The mode asked for (?mode=crop, the default, or fit), once the size and format are
    ones the hub serves (see hub.media.sizes)."""
    if not sizes.is_served(width, height):
        raise NotFound(f"不提供 {width}×{height} 的图片尺寸", field="size")
    if ext not in RENDITION_FORMATS:
        raise BadRequest("只支持 .jpg 和 .png", field="ext")
    mode = request.args.get("mode", "crop")
    if mode not in ("crop", "fit"):
        raise BadRequest("mode 只能是 crop 或 fit", field="mode")
    return mode


@files.get("/media/<int:media_id>/<digest>/<int:width>x<int:height>.<ext>")
def current_rendition(media_id: int, digest: str, width: int, height: int, ext: str):
    """The address without the crop's tag (as made before focal points could move): sent on
    to the current crop's address, never answered with pixels that a move would change."""
    _requested_rendition(width, height, ext)
    media = _media_named(media_id, digest)
    query = f"?{request.query_string.decode()}" if request.query_string else ""
    response = redirect(f"{renditions_url(media)}/{width}x{height}.{ext}{query}", code=302)
    response.headers["Cache-Control"] = "no-cache"
    return response


@files.get("/media/<int:media_id>/<digest>/<tag>/<int:width>x<int:height>.<ext>")
def serve_rendition(media_id: int, digest: str, tag: str, width: int, height: int, ext: str):
    """The image at one of the hub's own sizes, cropped around the focal point that `tag`
    names, cached on disk. Once the point moves the tag is a 404: that address stays, for
    good, the old crop's (browsers and players may keep it forever)."""
    mode = _requested_rendition(width, height, ext)
    media = _media_named(media_id, digest)
    if tag != focal_tag(media):
        raise NotFound("图片的焦点已移动，该裁切地址已失效，请使用新地址", field="focal")
    data = services.rendition_cache().get(media.data, width, height, mode=mode,
                                          format=RENDITION_FORMATS[ext], focal=media.focal)
    return _immutable(data, f"image/{'jpeg' if ext == 'jpg' else 'png'}",
                      f"{media.sha256[:32]}-{tag}-{width}x{height}-{mode}.{ext}")
