"""Editor API for posts: create, edit, revisions, the workflow actions, proposed changes to
live posts, review comments and what waits for review."""

from __future__ import annotations

from flask import Blueprint, g

from hub.accounts.services import get_account
from hub.api import route
from hub.clock import local_iso
from hub.posts import services
from hub.posts.schemas import (
    CommentIn,
    CommentList,
    CommentOut,
    NoteIn,
    PostCreate,
    PostList,
    PostListQuery,
    PostOut,
    PostUpdate,
    PublishIn,
    RevisionList,
    WaitingItem,
    WaitingOut,
    WaitingQuery,
    comment_out,
    post_out,
    revision_out,
)
from hub.posts.workflow import Action
from hub.users.permissions import require_role

bp = Blueprint("posts_api", __name__, url_prefix="/api/v1")
TAG = "posts"
EDITORS = ("author", "reviewer", "admin")


def _visible_post(post_id: int):
    post = services.get_post(g.db, post_id)
    require_role(g.db, g.user, post.account, *EDITORS)
    return post


@route(bp, "/posts", "POST", summary="Write a post or promotion (a draft)", tag=TAG,
       body=PostCreate, response=PostOut, status=201)
def create_post(body: PostCreate):
    account = get_account(g.db, body.account)
    post = services.create_post(g.db, g.user, account, body.changes())
    return post_out(post)


@route(bp, "/posts", "GET", summary="Posts of an account and its subtree, newest first",
       tag=TAG, query=PostListQuery, response=PostList)
def list_posts(query: PostListQuery):
    account = get_account(g.db, query.account)
    posts = services.visible_posts(g.db, g.user, account, state=query.state,
                                   limit=query.limit, before_id=query.before)
    next_before = posts[-1].id if len(posts) == query.limit else None
    return PostList(posts=[post_out(p, seen_from=account) for p in posts],
                    next_before=next_before)


@route(bp, "/posts/<int:post_id>", "GET", summary="One post", tag=TAG, response=PostOut)
def get_post(post_id: int):
    return post_out(_visible_post(post_id))


@route(bp, "/posts/<int:post_id>", "PATCH", summary="Edit a post (a new revision; a live post "
       "is re-delivered, or, on an account that requires review, the edit waits as its "
       "`pending` change until a second person approves it)", tag=TAG, body=PostUpdate,
       response=PostOut, errors=(409,))
def update_post(post_id: int, body: PostUpdate):
    post = _visible_post(post_id)
    return post_out(services.update_post(g.db, g.user, post, body.changes()))


@route(bp, "/posts/<int:post_id>/revisions", "GET", summary="Every saved revision", tag=TAG,
       response=RevisionList)
def list_revisions(post_id: int):
    post = _visible_post(post_id)
    comments = services.list_comments(g.db, post)
    return RevisionList(revisions=[revision_out(r, comments)
                                   for r in services.list_revisions(g.db, post)])


@route(bp, "/posts/<int:post_id>/revisions/<int:number>/restore", "POST",
       summary="Restore an earlier revision (saved as a new one)", tag=TAG, response=PostOut,
       errors=(409,))
def restore_revision(post_id: int, number: int):
    post = _visible_post(post_id)
    return post_out(services.restore_revision(g.db, g.user, post, number))


@route(bp, "/posts/<int:post_id>/pending", "DELETE", summary="Discard a live post's pending "
       "change (its revisions stay in the history)", tag=TAG, response=PostOut, errors=(409,))
def discard_change(post_id: int):
    post = _visible_post(post_id)
    return post_out(services.discard_change(g.db, g.user, post))


@route(bp, "/posts/<int:post_id>/comments", "GET", summary="The review thread: comments and "
       "approval or rejection notes, each on the revision it was made on", tag=TAG,
       response=CommentList)
def list_comments(post_id: int):
    post = _visible_post(post_id)
    return CommentList(comments=[comment_out(c) for c in services.list_comments(g.db, post)])


@route(bp, "/posts/<int:post_id>/comments", "POST", summary="Comment on a post (or pending "
       "change) in review", tag=TAG, body=CommentIn, response=CommentOut, status=201,
       errors=(409,))
def add_comment(post_id: int, body: CommentIn):
    post = _visible_post(post_id)
    return comment_out(services.add_comment(g.db, g.user, post, body.body))


@route(bp, "/reviews/waiting", "GET", summary="What waits for review in an account's subtree "
       "(posts and pending changes, the longest-waiting first), with counts for the console's "
       "notification", tag=TAG, query=WaitingQuery, response=WaitingOut)
def waiting(query: WaitingQuery):
    account = get_account(g.db, query.account)
    posts = services.waiting_for_review(g.db, g.user, account)
    items = [WaitingItem(post_id=p.id, title=p.title, account=p.account.code,
                         account_name=p.account.name,
                         what="change" if p.pending_state else "post",
                         revision=services.latest_revision_number(p),
                         since=local_iso(p.updated_at),
                         may_approve=services.may_approve(g.db, g.user, p)) for p in posts]
    changes = sum(item.what == "change" for item in items)
    return WaitingOut(account=account.code, total=len(items), posts=len(items) - changes,
                      changes=changes, for_you=sum(item.may_approve for item in items),
                      items=items)


def _action_route(action: Action, summary: str, body=None):
    def view(post_id: int, body=None):
        post = _visible_post(post_id)
        at = getattr(body, "at", None)
        note = getattr(body, "note", "")
        return post_out(services.act(g.db, g.user, post, action, at=at, note=note))

    view.__name__ = f"{action.value}_post"
    route(bp, f"/posts/<int:post_id>/{action.value}", "POST", summary=summary, tag=TAG,
          body=body, response=PostOut, errors=(409,))(view)


_action_route(Action.submit, "Send a draft (or a live post's pending change) for review")
_action_route(Action.approve, "Approve a post in review, or a live post's pending change (which "
              "then goes out as a new version); never words one wrote", NoteIn)
_action_route(Action.reject, "Send a post in review back to draft, or a pending change back to "
              "its editor, with a note (the live version stays out)", NoteIn)
_action_route(Action.publish, "Publish now, or at `at` (ISO 8601, Asia/Shanghai if no offset)",
              PublishIn)
_action_route(Action.unschedule, "Take a scheduled post off the schedule without withdrawing "
              "anything: it goes back to approved (draft on an account without review)", NoteIn)
_action_route(Action.withdraw, "Withdraw a post from every outlet", NoteIn)
