"""Use cases on posts: create, edit (every save a revision), restore, workflow actions,
proposed changes to live posts, review comments and what waits for review.

Each function changes rows in the caller's session and records an audit event; the caller
commits once, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from hub import channels, publication
from hub.accounts.models import Account
from hub.accounts.services import column_by_slug, descendants
from hub.audit.services import record
from hub.db import utcnow
from hub.deliveries.models import PostReach
from hub.errors import BadRequest, Conflict, Forbidden, NotFound
from hub.media.models import Media
from hub.posts import alerts, rendering, workflow
from hub.posts.models import CONTENT_FIELDS, Post, PostComment, PostRevision
from hub.posts.workflow import (
    Action,
    Actor,
    ChangeState,
    InvalidTransition,
    NotPermitted,
    State,
)
from hub.users.models import User
from hub.users.permissions import require_role, roles_on


def known_channels() -> list[str]:
    """The outlets a post may name: those the configuration enabled (hub.channels)."""
    return channels.channel_names()


def get_post(db: Session, post_id: int) -> Post:
    post = db.get(Post, post_id)
    if post is None:
        raise NotFound(f"没有编号为 {post_id} 的稿件", field="post")
    return post


def actor_for(db: Session, user: User, post: Post) -> Actor:
    return Actor(roles=roles_on(db, user, post.account), is_author=post.author_id == user.id,
                 wrote_unapproved=user.id in editors_since_approval(db, post))


def editors_since_approval(db: Session, post: Post) -> set[int]:
    """Everyone whose words are in the post since its last approval: the editor of every later
    revision and, for a restore, the editors of the revision it brought back (and so on)."""
    revisions = {r.number: r for r in list_revisions(db, post)}
    editors: set[int] = set()
    for number, revision in revisions.items():
        if number <= (post.approved_revision or 0) or revision.discarded:
            continue
        seen: set[int] = set()
        while revision is not None and revision.number not in seen:
            editors.add(revision.editor_id)
            seen.add(revision.number)
            revision = revisions.get(revision.restored_from)
    return editors


def _content_snapshot(post) -> dict:
    snapshot = {}
    for name in CONTENT_FIELDS:
        value = getattr(post, name)
        snapshot[name] = value.isoformat() if isinstance(value, dt.datetime) else value
    return snapshot


# Where an edit's field is kept: the form names a column by its slug, the row by its id.
_KEPT_AS = {"column": "column_id"}


def _as_kept(post) -> dict:
    """What an edit can change on a post (or a proposed change's words), comparable."""
    return _content_snapshot(post) | {name: getattr(post, name, None)
                                      for name in ("channels", "push_down")}


def _changed_fields(before: dict, after: dict, changes: dict) -> list[str]:
    """The fields of an edit whose values it changed: a form sends every field on each save,
    and the audit names only what the editor actually changed."""
    return sorted(name for name in changes
                  if before.get(_KEPT_AS.get(name, name)) != after.get(_KEPT_AS.get(name, name)))


def _content_changes(content: dict) -> dict:
    """A revision's snapshot as changes `_apply_content` takes (datetimes parsed again)."""
    changes = {}
    for name, value in content.items():
        if name in ("valid_from", "valid_until") and value:
            value = dt.datetime.fromisoformat(value)
        changes[name] = value
    return changes


def _next_revision_number(db: Session, post: Post) -> int:
    """After the newest revision there is, a dropped change's included."""
    newest = db.scalar(select(func.max(PostRevision.number))
                       .where(PostRevision.post_id == post.id))
    return max(newest or 0, latest_revision_number(post)) + 1


def latest_revision_number(post: Post) -> int:
    """The newest revision: the proposed change if one waits, else the words in the row."""
    return post.pending_revision or post.revision


def latest_content(db: Session, post: Post) -> dict:
    """The words an editor works on: a proposed change's if one waits, else the post's."""
    current = _content_snapshot(post)
    if post.pending_revision is None:
        return current
    return current | get_revision(db, post, post.pending_revision).content


def _add_revision(db: Session, post: Post, editor: User, note: str = "",
                  restored_from: int | None = None, *, number: int | None = None,
                  words=None) -> PostRevision:
    revision = PostRevision(post_id=post.id, number=number or post.revision,
                            editor_id=editor.id, content=_content_snapshot(words or post),
                            note=note, restored_from=restored_from)
    db.add(revision)
    return revision


def _check_cover(db: Session, account: Account, media_id: int | None) -> None:
    if media_id is None:
        return
    media = db.get(Media, media_id)
    if media is None or media.account_id not in account.ancestor_ids():
        raise BadRequest(f"封面图片 {media_id} 不存在或不属于本账号", field="cover_media_id")


def _check_channels(names: list[str] | None, field: str = "channels") -> None:
    known = known_channels()
    for name in names or []:
        if name not in known:
            raise BadRequest(f"未知的渠道 {name}，可选：{', '.join(known)}", field=field)


def _normalise_push_down(db: Session, account: Account, push_down) -> list[str] | None:
    if push_down in (None, [], False):
        return None
    below = {a.code for a in descendants(db, account)}
    if not below:
        raise BadRequest(f"账号 {account.code} 没有下级账号，不能下发", field="push_down")
    if push_down in ("all", True):
        return ["*"]
    unknown = [code for code in push_down if code not in below]
    if unknown:
        raise BadRequest(f"不是 {account.code} 的下级账号：{', '.join(unknown)}",
                         field="push_down")
    return sorted(set(push_down))


def _apply_content(db: Session, post: Post, changes: dict) -> None:
    """Validate and set editor-supplied fields (already type-checked by the API schema)."""
    account = post.account
    if "column" in changes:
        slug = changes.pop("column")
        post.column_id = column_by_slug(account, slug).id if slug else None
    if "cover_media_id" in changes:
        _check_cover(db, account, changes["cover_media_id"])
    if "channels" in changes:
        _check_channels(changes["channels"])
    if "overrides" in changes:
        overrides = changes["overrides"] or {}
        _check_channels(list(overrides), field="overrides")
        for values in overrides.values():
            _check_cover(db, account, values.get("cover_media_id"))
        changes["overrides"] = overrides
    if "push_down" in changes:
        changes["push_down"] = _normalise_push_down(db, account, changes["push_down"])
    for name, value in changes.items():
        setattr(post, name, value)
    if "body" in changes:
        rendering.render_body(post)
    if post.valid_from and post.valid_until and post.valid_until <= post.valid_from:
        raise BadRequest("有效期结束时间必须晚于开始时间", field="valid_until")


def create_post(db: Session, user: User, account: Account, fields: dict) -> Post:
    require_role(db, user, account, "author", "reviewer", "admin")
    post = Post(account=account, author_id=user.id, state=State.draft, revision=1,
                overrides={}, title=fields.pop("title"))
    db.add(post)
    _apply_content(db, post, fields)
    db.flush()
    _add_revision(db, post, user, note="创建")
    record(db, actor=user, action="post.create", account_id=account.id, subject_type="post",
           subject_id=post.id, title=post.title)
    return post


def _run(db: Session, post: Post, action: Action, actor: Actor) -> State:
    try:
        return workflow.next_state(post.state, action, actor,
                                   requires_review=post.account.requires_review)
    except NotPermitted as exc:
        raise Forbidden(str(exc)) from None
    except InvalidTransition as exc:
        raise Conflict(str(exc)) from None


def update_post(db: Session, user: User, post: Post, changes: dict, note: str = "", *,
                restored_from: int | None = None) -> Post:
    """Save an edit as a new revision; a live post goes out again as a new version, or, on an
    account that requires review, waits as a proposed change while the live words stay out."""
    actor = actor_for(db, user, post)
    if workflow.edits_wait_for_review(post.state, post.account.requires_review):
        return _propose_change(db, user, post, actor, changes, note, restored_from)
    was_live = post.state == State.published
    new_state = _run(db, post, Action.edit, actor)
    before = _as_kept(post)
    _apply_content(db, post, dict(changes))
    changed = _changed_fields(before, _as_kept(post), changes)
    post.state = new_state
    post.revision = _next_revision_number(db, post)
    post.updated_at = utcnow()
    post.review_note = ""  # the last decision's note stays with the revision it was made on
    db.flush()
    _add_revision(db, post, user, note=note or "修改", restored_from=restored_from)
    record(db, actor=user, action="post.update", account_id=post.account_id,
           subject_type="post", subject_id=post.id, revision=post.revision,
           fields=changed)
    if was_live:
        post.version += 1
        publication.on_republished(db, post)
    elif new_state is State.draft:
        post.publish_at = None
    return post


# Not part of a revision: where a live post goes cannot change through a proposal.
_NOT_PROPOSABLE = {"channels": "渠道", "push_down": "下发范围"}


def _propose_change(db: Session, user: User, post: Post, actor: Actor, changes: dict,
                    note: str, restored_from: int | None) -> Post:
    """Keep the edit of a live post as (a new revision of) its proposed change: the row, and
    so every outlet, keeps the live words until a second person approves the change."""
    new_change = _run_change(post, Action.edit, actor)
    changes = dict(changes)
    if "push_down" in changes:
        changes["push_down"] = _normalise_push_down(db, post.account, changes["push_down"])
    for name, label in _NOT_PROPOSABLE.items():
        if name in changes and changes.pop(name) != getattr(post, name):
            raise BadRequest(f"已发布稿件的{label}不能通过待审核的修改调整，请先撤回", field=name)
    words = SimpleNamespace(account=post.account,
                            **_content_changes(latest_content(db, post)))
    before = _as_kept(words)
    _apply_content(db, words, changes)
    changed = _changed_fields(before, _as_kept(words), changes)
    number = _next_revision_number(db, post)
    post.pending_revision, post.pending_state = number, new_change.value
    post.review_note = ""
    post.updated_at = utcnow()
    _add_revision(db, post, user, note=note or "修改（待审核）", restored_from=restored_from,
                  number=number, words=words)
    record(db, actor=user, action="post.change.edit", account_id=post.account_id,
           subject_type="post", subject_id=post.id, revision=number, fields=changed)
    return post


def _run_change(post: Post, action: Action, actor: Actor) -> ChangeState | None:
    try:
        return workflow.next_change_state(post.pending_state, action, actor)
    except NotPermitted as exc:
        raise Forbidden(str(exc)) from None
    except InvalidTransition as exc:
        raise Conflict(str(exc)) from None


def _act_on_change(db: Session, user: User, post: Post, action: Action, note: str) -> Post:
    """Submit, approve or reject the proposed change of a live post; approving sends it out
    to every outlet as a new version, as an edit of a live post would."""
    old_state = post.pending_state
    new_change = _run_change(post, action, actor_for(db, user, post))
    number = post.pending_revision
    if action is Action.approve:
        _take_pending_words(db, post)
        found = publication.problems(db, post)
        if found:
            raise BadRequest("修改后的稿件不符合以下终端的要求，未批准：" + "；".join(found),
                             field="overrides")
        post.version += 1
        publication.on_republished(db, post)
    else:
        post.pending_state = new_change.value
    if action is Action.submit:
        alerts.review_waits(db, post, user, change=True)
    if action in (Action.approve, Action.reject):
        _decide(db, user, post, action, note, number)
    post.updated_at = utcnow()
    record(db, actor=user, action=f"post.change.{action.value}", account_id=post.account_id,
           subject_type="post", subject_id=post.id, revision=number, old_state=old_state,
           new_state=new_change.value if new_change else "applied",
           **({"note": note} if note else {}))
    return post


def _take_pending_words(db: Session, post: Post) -> None:
    """The proposed change's words become the post's own (approved, or the post came down)."""
    number = post.pending_revision
    changes = _content_changes(get_revision(db, post, number).content)
    _apply_content(db, post, changes)
    post.revision, post.pending_revision, post.pending_state = number, None, None


def discard_change(db: Session, user: User, post: Post) -> Post:
    """Drop the proposed change of a live post (its revisions stay in the history)."""
    _run_change(post, Action.edit, actor_for(db, user, post))  # editors of the account only
    if post.pending_revision is None:
        raise Conflict("这篇稿件没有待审核的修改")
    number = post.pending_revision
    db.execute(update(PostRevision).where(
        PostRevision.post_id == post.id, PostRevision.number > post.revision,
        PostRevision.number <= number).values(discarded=True))
    post.pending_revision, post.pending_state = None, None
    post.updated_at = utcnow()
    record(db, actor=user, action="post.change.discard", account_id=post.account_id,
           subject_type="post", subject_id=post.id, revision=number)
    return post


def get_revision(db: Session, post: Post, number: int) -> PostRevision:
    revision = db.scalar(select(PostRevision).where(
        PostRevision.post_id == post.id, PostRevision.number == number))
    if revision is None:
        raise NotFound(f"稿件 {post.id} 没有第 {number} 次修订", field="revision")
    return revision


def restore_revision(db: Session, user: User, post: Post, number: int) -> Post:
    revision = get_revision(db, post, number)
    return update_post(db, user, post, _content_changes(revision.content),
                       note=f"恢复第 {number} 次修订", restored_from=number)


def set_outlet_options(db: Session, user: User, post: Post, channel: str, settings: dict,
                       label: str) -> Post:
    """Save one outlet's settings (already validated by its adapter) as part of the post's
    words: a revision like any edit, and on a live post of a review account a proposal."""
    current = latest_content(db, post).get("outlet_options") or {}
    return update_post(db, user, post, {"outlet_options": dict(current) | {channel: settings}},
                       note=f"修改{label}设置")


def outlet_options(db: Session, post: Post, channel: str) -> dict:
    """An outlet's settings as the editor works on them (a proposed change's, if one waits)."""
    return (latest_content(db, post).get("outlet_options") or {}).get(channel) or {}


def list_revisions(db: Session, post: Post) -> list[PostRevision]:
    return list(db.scalars(select(PostRevision).where(PostRevision.post_id == post.id)
                           .order_by(PostRevision.number)))


def act(db: Session, user: User | None, post: Post, action: Action, *,
        at: dt.datetime | None = None, note: str = "") -> Post:
    """Take a workflow action; `user` None is the hub's own scheduler."""
    if post.pending_state is not None and action in (Action.submit, Action.approve,
                                                     Action.reject):
        return _act_on_change(db, user, post, action, note)
    actor = Actor.system() if user is None else actor_for(db, user, post)
    if action is Action.publish and at is not None and at > utcnow():
        action = Action.schedule
    new_state = _run(db, post, action, actor)
    if action in (Action.publish, Action.schedule):
        found = publication.problems(db, post)
        if found:
            raise BadRequest("稿件不符合以下终端的要求，未发布：" + "；".join(found),
                             field="overrides")
    old_state = post.state
    post.state = new_state
    post.updated_at = utcnow()
    _apply_side_effects(db, user, post, action, at=at, note=note)
    record(db, actor=user, action=f"post.{action.value}", account_id=post.account_id,
           subject_type="post", subject_id=post.id, old_state=old_state,
           new_state=new_state.value, **({"note": note} if note else {}))
    return post


def _apply_side_effects(db, user, post: Post, action: Action, *, at, note) -> None:
    now = utcnow()
    if action in (Action.approve, Action.reject):
        _decide(db, user, post, action, note, post.revision)
    elif action is Action.submit:
        alerts.review_waits(db, post, user, change=False)
    elif action is Action.schedule:
        post.publish_at = at
    elif action is Action.unschedule:
        post.publish_at = None
    elif action in (Action.publish, Action.go_live):
        post.publish_at = None
        post.published_at = now
        post.withdrawn_at = None
        post.version += 1
        publication.on_published(db, post)
    elif action in (Action.withdraw, Action.expire):
        post.publish_at = None
        post.withdrawn_at = now
        publication.on_withdrawn(db, post)
        if post.pending_revision is not None:
            # Nothing of it is live any more: the proposed words are where editing goes on.
            _take_pending_words(db, post)


def _decide(db: Session, user: User, post: Post, action: Action, note: str,
            number: int) -> None:
    """A reviewer's approval or rejection of revision `number`: its note is the post's
    current note and a remark in the review thread, on that revision."""
    post.reviewed_by_id = user.id
    post.review_note = note
    if action is Action.approve:
        post.approved_revision = number
    db.add(PostComment(post_id=post.id, revision=number, author_id=user.id,
                       kind=action.value, body=note))


def publish_as(db: Session, post: Post, author: User, reviewer: User | None = None) -> None:
    """Publish as the editors would: the author submits and the reviewer approves and
    publishes when the account requires review, or the author publishes (the demos use it)."""
    publisher = author
    if reviewer is not None:
        act(db, author, post, Action.submit)
        act(db, reviewer, post, Action.approve)
        publisher = reviewer
    act(db, publisher, post, Action.publish)


def run_due(db: Session, now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """Publish what fell due and expire what ran out; returns (post id, action) done.

    Called by the scheduler on every tick and once at start-up, so posts that fell due while
    the hub was down go out as soon as it is back.
    """
    now = now or utcnow()
    done = []
    due = _locked(db, select(Post).where(Post.state == State.scheduled,
                                         Post.publish_at <= now).order_by(Post.publish_at))
    for post in due:
        act(db, None, post, Action.go_live)
        done.append((post.id, Action.go_live.value))
    ending = _locked(db, select(Post).where(Post.state == State.published,
                                            Post.valid_until.is_not(None),
                                            Post.valid_until <= now))
    for post in ending:
        act(db, None, post, Action.expire)
        done.append((post.id, Action.expire.value))
    return done


def _locked(db: Session, query) -> list[Post]:
    """Rows this process alone acts on: other workers skip them (PostgreSQL); SQLite's
    BEGIN IMMEDIATE already lets one writer in at a time."""
    if db.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Post)
    return list(db.scalars(query))


def visible_posts(db: Session, user: User, account: Account, *, state: str | None = None,
                  limit: int = 50, before_id: int | None = None) -> list[Post]:
    """Posts of the account's subtree and those pushed down to it from above, newest first."""
    require_role(db, user, account, "author", "reviewer", "admin")
    pushed_here = select(PostReach.post_id).where(PostReach.account_id == account.id,
                                                  PostReach.pushed.is_(True))
    query = select(Post).join(Account).where(
        or_(Account.path.startswith(account.path), Post.id.in_(pushed_here)))
    if state:
        query = query.where(Post.state == state)
    if before_id:
        query = query.where(Post.id < before_id)
    return list(db.scalars(query.order_by(Post.id.desc()).limit(limit)))


# -- review: comments and what waits -------------------------------------------------------


def in_review(post: Post) -> bool:
    return post.state == State.in_review or post.pending_state == ChangeState.in_review


def add_comment(db: Session, user: User, post: Post, body: str) -> PostComment:
    """A remark in the review of a submitted post (or proposed change), on its newest
    revision: later drafts start without it; the history keeps it."""
    if not in_review(post):
        raise Conflict("只有待审核的稿件或修改可以评论")
    comment = PostComment(post_id=post.id, revision=latest_revision_number(post),
                          author_id=user.id, kind="comment", body=body, author=user)
    db.add(comment)
    db.flush()
    record(db, actor=user, action="post.comment", account_id=post.account_id,
           subject_type="post", subject_id=post.id, revision=comment.revision)
    return comment


def list_comments(db: Session, post: Post) -> list[PostComment]:
    return list(db.scalars(select(PostComment).where(PostComment.post_id == post.id)
                           .order_by(PostComment.id)))


def waiting_for_review(db: Session, user: User, account: Account,
                       limit: int = 100) -> list[Post]:
    """Posts and proposed changes of the account's subtree that wait for a reviewer, the
    longest-waiting first."""
    require_role(db, user, account, "author", "reviewer", "admin")
    query = (select(Post).join(Account).where(
        Account.path.startswith(account.path),
        or_(Post.state == State.in_review, Post.pending_state == ChangeState.in_review))
        .order_by(Post.updated_at, Post.id).limit(limit))
    return list(db.scalars(query))


def allowed_actions(db: Session, user: User, post: Post, actions) -> set[Action]:
    """Which of `actions` `user` may take on the post now (on its pending change, if one
    waits), asked of the workflow itself."""
    actor = actor_for(db, user, post)
    allowed = set()
    for action in actions:
        try:
            if post.pending_state is not None and action in (Action.submit, Action.approve,
                                                             Action.reject):
                workflow.next_change_state(post.pending_state, action, actor)
            else:
                workflow.next_state(post.state, action, actor,
                                    requires_review=post.account.requires_review)
        except (NotPermitted, InvalidTransition):
            continue
        allowed.add(Action(action))
    return allowed


def may_approve(db: Session, user: User, post: Post) -> bool:
    """Whether `user` could approve what waits on the post (roles, authorship, four eyes)."""
    return bool(allowed_actions(db, user, post, [Action.approve]))


def editing_words(db: Session, post: Post) -> SimpleNamespace:
    """The words an editor's form shows: a pending change's if one waits, else the post's,
    with its column as an object (as on the post)."""
    words = SimpleNamespace(**_content_changes(latest_content(db, post)))
    words.column = next((c for c in post.account.columns if c.id == words.column_id), None) \
        if words.column_id else None
    return words
