"""Console pieces of review: the count on the 审核队列 tab, a post's review thread (comments and
decision notes per revision, and a live post's pending change), and adding a comment."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from sqlalchemy import func, or_, select

from hub.accounts.models import Account
from hub.console.blueprint import bp
from hub.errors import BadRequest, HubError
from hub.posts import services as posts
from hub.posts.models import Post
from hub.posts.workflow import CHANGE_LABELS, ChangeState, State
from hub.users.permissions import require_role


@bp.app_template_global()
def waiting_count(account) -> int:
    """How many posts and pending changes of the account's subtree wait for review: the
    badge on the queue's tab (one count query per page)."""
    if g.user is None:
        return 0
    return g.db.scalar(select(func.count(Post.id)).join(Account).where(
        Account.path.startswith(account.path),
        or_(Post.state == State.in_review, Post.pending_state == ChangeState.in_review))) or 0


@bp.app_template_global()
def review_thread(post) -> dict:
    """What the post page shows of the review: comments by revision, the pending change."""
    return {"comments": posts.list_comments(g.db, post), "in_review": posts.in_review(post),
            "pending_label": CHANGE_LABELS[ChangeState(post.pending_state)]
            if post.pending_state else None}


@bp.post("/posts/<int:post_id>/comments")
def add_comment(post_id: int):
    post = posts.get_post(g.db, post_id)
    require_role(g.db, g.user, post.account, "author", "reviewer", "admin")
    body = (request.form.get("body") or "").strip()[:2000]
    try:
        if not body:
            raise BadRequest("评论不能为空", field="body")
        posts.add_comment(g.db, g.user, post, body)
        g.db.commit()
        flash("评论已发表", "info")
    except HubError as exc:
        g.db.rollback()
        flash(exc.message, "error")
    return redirect(url_for("console.post_page", post_id=post.id) + "#review-thread")
