"""The account's media library in the console: pictures dropped or pasted into a post's body
are uploaded here and put in as Markdown; earlier uploads can be picked from the library
(into the body, or as the cover, or on 账号设置 as the account's logo)."""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from sqlalchemy import select

from hub.console.blueprint import bp
from hub.console.views import account_for
from hub.errors import BadRequest
from hub.media import services as media
from hub.media.models import Media

LIBRARY_SIZE = 60  # the newest; an editor looks for what was uploaded lately


def media_url(item: Media) -> str:
    return f"/media/{item.id}/{item.sha256[:16]}"


def _shown(item: Media) -> dict:
    alt = item.filename.rsplit(".", 1)[0]
    return {"id": item.id, "url": media_url(item), "filename": item.filename,
            "width": item.width, "height": item.height,
            "markdown": f"![{alt}]({media_url(item)})"}


def library(account) -> list[Media]:
    """The account's pictures, newest first, as many as the library shows."""
    return list(g.db.scalars(select(Media).where(Media.account_id == account.id)
                             .order_by(Media.id.desc()).limit(LIBRARY_SIZE)))


def keep_upload(account, upload) -> Media:
    """A picture sent with a form (a FileStorage), stored in the account's library: the same
    picture twice is one media. Refused in plain words when it is no picture or too big."""
    if upload is None or not upload.filename:
        raise BadRequest("请选择一张图片", field="file")
    limit = current_app.config["HUB"].max_upload_bytes
    return media.store_upload(g.db, g.user, account, upload.filename,
                              upload.stream.read(limit + 1), max_bytes=limit)


@bp.get("/a/<code>/media")
def media_library(code: str):
    account = account_for(code)
    return jsonify({"items": [_shown(item) for item in library(account)]})


@bp.post("/a/<code>/media")
def media_upload(code: str):
    """One picture from the editor's body (dropped or pasted): stored, and answered with the
    Markdown that shows it."""
    stored = keep_upload(account_for(code), request.files.get("file"))
    g.db.commit()
    return jsonify(_shown(stored)), 201
