"""What the sandbox serves in place of WeChat's CDN and article pages: images and articles."""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, abort, request

from .jobs import STATUS_DELETED, STATUS_PUBLISHED
from .records import PublishJob
from .runtime import runtime

bp = Blueprint("sandbox_pages", __name__)

DELETED_NOTICE = "该内容已被发布者删除"


@bp.get("/mmbiz/<appid>/<name>")
def image(appid: str, name: str) -> Response:
    rt = runtime()
    with rt.state.lock:
        app = rt.state.app(appid)
        stored = app.images.get(name) if app else None
        if stored is None and app is not None:
            stored = next((m for m in app.materials.values() if m.name == name), None)
    if stored is None:
        abort(404)
    return Response(stored.data, mimetype=stored.content_type)


def _page(title: str, body: str) -> Response:
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        f'<body><h1 class="rich_media_title">{escape(title)}</h1>'
        f'<div class="rich_media_content" id="js_content">{body}</div></body></html>'
    )
    return Response(html, mimetype="text/html")


def _find_job(article_id: str) -> PublishJob | None:
    rt = runtime()
    for app in rt.state.apps.values():
        job = app.find_publish_by_article(article_id)
        if job is not None:
            return job
    return None


def _index() -> int:
    try:
        return int(request.args.get("idx", "1"))
    except ValueError:
        abort(404)


@bp.get("/s/<article_id>")
def article(article_id: str) -> Response:
    """A published article, or WeChat's notice once its publisher deleted it."""
    idx = _index()
    with runtime().state.lock:
        job = _find_job(article_id)
        if job is None or job.status not in (STATUS_PUBLISHED, STATUS_DELETED):
            abort(404)
        if not 1 <= idx <= len(job.articles):
            abort(404)
        if idx in job.deleted_idx:
            return _page(DELETED_NOTICE, f"<p>{DELETED_NOTICE}</p>")
        chosen = job.articles[idx - 1]
    return _page(chosen["title"], chosen["content"])


@bp.get("/s/draft/<media_id>")
def draft_preview(media_id: str) -> Response:
    idx = _index()
    rt = runtime()
    with rt.state.lock:
        draft = next((app.drafts[media_id] for app in rt.state.apps.values()
                      if media_id in app.drafts), None)
        if draft is None or not 1 <= idx <= len(draft.articles):
            abort(404)
        chosen = draft.articles[idx - 1]
    return _page(chosen["title"], chosen["content"])
