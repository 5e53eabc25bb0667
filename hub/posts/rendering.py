"""A post's Markdown rendered once, when its body is saved, and kept on the post.

Rendering costs up to a second for a large or markup-heavy body; reads (the member's post
page, editors' lists, sites, previews, deliveries) use the stored HTML and summary instead.
"""

from __future__ import annotations

from content.markdown import MarkdownTooCostly, render_bounded, summarize_html
from hub.errors import BadRequest
from hub.posts.models import Post

RENDER_BUDGET_SECONDS = 1.0


def render_body(post: Post) -> None:
    """Set `post.body_html` and `post.body_summary` from `post.body`; a body too costly to
    render is a 400 naming `body`, and nothing is set."""
    try:
        html = render_bounded(post.body or "", budget_seconds=RENDER_BUDGET_SECONDS)
    except MarkdownTooCostly as exc:
        raise BadRequest(exc.reason, field="body") from None
    post.body_html, post.body_summary = html, summarize_html(html)
