"""Live previews: while an editor types, the unsaved draft goes through every outlet's own
`render` and `check`, and each outlet's form and problems are shown beside the editor.

Nothing is saved. The draft is built from the form as it stands (a new post, or the post being
edited with the form's changes laid over it, never flushed) and rolled back at once.
Two answers: the outlets' problems and sizes as JSON, and each outlet's document as a page
posted into its sandboxed frame (a form targets the frame, so no script runs in it and the
preview policy applies, as for saved posts)."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, jsonify, request

from hub import channels
from hub.clock import as_utc
from hub.console import previews
from hub.console.blueprint import bp
from hub.console.post_form import form_overrides, offered_channels
from hub.console.views import account_for
from hub.errors import BadRequest, HubError, NotFound
from hub.media.models import Media
from hub.outlets.models import Outlet
from hub.posts import rendering
from hub.posts import services as posts
from hub.posts.models import Post

TITLE_MAX, SUMMARY_MAX, BODY_MAX = 200, 500, 200_000
UNTITLED = "（未填标题）"
NO_CHANNEL = "-"  # every channel unticked: each outlet shows as left out


def _existing(account) -> Post | None:
    """The post being edited, when the form names one of this account's posts."""
    raw = request.form.get("post_id", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise BadRequest("稿件编号不对", field="post_id")
    post = posts.get_post(g.db, int(raw))
    if post.account_id != account.id:
        raise NotFound("该账号没有这篇稿件", field="post_id")
    return post


def _local_time(value: str):
    """A datetime-local field as UTC; a half-typed value previews as no time at all."""
    try:
        return as_utc(dt.datetime.fromisoformat(value)) if value else None
    except ValueError:
        return None


def draft_of(account) -> Post:
    """The form as a post, never added to the session: what the outlets would receive if
    the editor saved now."""
    form = request.form
    post = _existing(account)
    if post is not None:
        previews.lay_pending_words(g.db, post)  # the form edits a pending change's words
    else:
        post = Post(id=0, account=account, account_id=account.id, author_id=g.user.id,
                    kind="promotion" if form.get("kind") == "promotion" else "article",
                    state="draft", revision=1, version=0, overrides={})
    post.title = form.get("title", "").strip()[:TITLE_MAX] or UNTITLED
    post.summary = form.get("summary", "").strip()[:SUMMARY_MAX]
    post.body = form.get("body", "")[:BODY_MAX]
    post.link_url = form.get("link_url", "").strip() or None
    post.valid_from = _local_time(form.get("valid_from", ""))
    post.valid_until = _local_time(form.get("valid_until", ""))
    slug = form.get("column") or None
    post.column = next((c for c in account.columns if c.slug == slug), None)
    if "channels_shown" in form:  # the form offers a choice of channels: take it as it stands
        offered = {name for name, _ in offered_channels(account)}
        chosen = set(form.getlist("channels")) & offered
        post.channels = None if chosen == offered else sorted(chosen) or [NO_CHANNEL]
    if form.get("remove_cover") == "1":
        post.cover_media_id = None
    if "overrides_shown" in form:
        offered = [name for name, _ in offered_channels(account)]
        post.overrides = form_overrides(offered, post.overrides)
    picked = form.get("cover_media_id", "")
    if picked.isdigit():  # picked from the library, not saved yet
        media = g.db.get(Media, int(picked))
        if media is not None and media.account_id in account.ancestor_ids():
            post.cover_media_id = media.id
    rendering.render_body(post)
    return post


def draft_panel(account) -> list[previews.Preview]:
    """The compose page's first previews: the form as it stands (empty, or as refused)."""
    try:
        with g.db.no_autoflush:
            return previews.previews_for(g.db, draft_of(account),
                                         current_app.config["HUB"].public_url)
    except HubError:
        return []
    finally:
        g.db.rollback()


@bp.post("/a/<code>/draft/previews")
def draft_previews(code: str):
    """Every outlet's problems, size and frame for the draft in the form."""
    account = account_for(code)
    with g.db.no_autoflush:  # the draft's changes are never written
        post = draft_of(account)
        shown = previews.previews_for(g.db, post, current_app.config["HUB"].public_url)
    g.db.rollback()
    return jsonify({"previews": [{
        "outlet_id": p.outlet_id, "channel": p.channel, "excluded": p.excluded,
        "error": p.error, "problems": p.problems, "pixel_size": p.pixel_size,
        "frame": p.frame, "width": p.width, "height": p.height,
    } for p in shown]})


@bp.post("/a/<code>/draft/preview/<int:outlet_id>")
def draft_preview_document(code: str, outlet_id: int):
    """One outlet's document for the draft, posted into that outlet's preview frame."""
    account = account_for(code)
    outlet = g.db.get(Outlet, outlet_id)
    if outlet is None or outlet.account_id != account.id or \
            channels.get_channel(outlet.channel) is None:
        raise NotFound("没有这个终端的预览", field="outlet")
    with g.db.no_autoflush:  # the draft's changes are never written
        post = draft_of(account)
        form = previews.rendered(g.db, post, outlet, current_app.config["HUB"].public_url)
    g.db.rollback()
    return previews.document_response(form, outlet.channel,
                                      native=request.form.get("full") == "1")
