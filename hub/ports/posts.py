"""A post as outlets take it: its snapshot for a channel, its pictures, where it stands, the
settings each outlet keeps with its words, the accounts it reaches, its delivery confirmed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.channels import MediaRef, PostSnapshot
from hub.media.models import Media as _Media
from hub.outlets import services as _outlets
from hub.ports.accounts import AccountInfo, _account_info
from hub.ports.editors import audit, require_role

_MEDIA_PATH = re.compile(r"/media/(\d+)/([0-9a-f]{8,64})")


def media_in_url(url: str | None, public_url: str = "") -> tuple[int, str] | None:
    """(id, hash prefix) when `url` is one of the hub's own media addresses (an image in a
    post's body): the one place that knows their shape, `/media/<id>/<sha256 prefix>`."""
    if not url:
        return None
    path = url[len(public_url):] if public_url and url.startswith(public_url) else url
    found = _MEDIA_PATH.fullmatch(path.split("?", 1)[0])
    return (int(found.group(1)), found.group(2)) if found else None


def media(db: Session, media_id: int, digest: str = "") -> MediaRef | None:
    """The picture with this id (and, if given, whose sha256 starts with `digest`)."""
    from hub.publication import media_ref

    row = db.get(_Media, media_id)
    if row is None or not row.sha256.startswith(digest):
        return None
    return media_ref(row)


def media_bytes(db: Session, ref: MediaRef) -> bytes | None:
    data = db.scalar(select(_Media.data).where(_Media.id == ref.id,
                                               _Media.sha256 == ref.sha256))
    return bytes(data) if data is not None else None


@dataclass(frozen=True)
class PostInfo:
    """Where a post stands, for an outlet's own editors' API (its options, its preview)."""

    id: int
    account_code: str
    kind: str
    state: str
    version: int
    title: str
    # A live post's change waiting for review (its revision), else None.
    pending_revision: int | None = None


def post_info(db: Session, post_id: int) -> PostInfo:
    """The post with this id; NotFound (a 404 in Chinese) when there is none."""
    from hub.posts.services import get_post

    post = get_post(db, post_id)
    return PostInfo(id=post.id, account_code=post.account.code, kind=post.kind,
                    state=post.state, version=post.version, title=post.title,
                    pending_revision=post.pending_revision)


class PostOptions:
    """One outlet's settings for posts (the LED form and schedule, the splash window and
    targeting): what an adapter's `/posts/<id>/options` routes share. The settings are part
    of the post's words (`PostSnapshot.options` carries the version's): saving them is a
    revision, and on a live post of an account that requires review a pending change that
    goes out only when a second person approves it, like any edit of its words."""

    def __init__(self, channel: str, model, label: str, readers: tuple[str, ...] = (
            "author", "reviewer", "admin")):
        self.channel, self.model, self.label, self.readers = channel, model, label, readers

    def parse(self, stored: dict | None):
        """Stored settings as the adapter's model; settings stored before a rule tightened
        fall back to the defaults rather than fail a delivery."""
        try:
            return self.model.model_validate(stored or {})
        except ValueError:
            return self.model()

    def post(self, db: Session, user, post_id: int) -> PostInfo:
        """The post, if `user` may read it."""
        info = post_info(db, post_id)
        require_role(db, user, info.account_code, *self.readers)
        return info

    def editing(self, db: Session, user, post_id: int):
        """The settings an editor works on: a pending change's if one waits."""
        from hub.posts import services

        self.post(db, user, post_id)
        return self.parse(services.outlet_options(db, services.get_post(db, post_id),
                                                  self.channel))

    def save(self, db: Session, user, post_id: int, settings) -> PostInfo:
        """Save validated settings as the post's next revision (audited as this outlet's
        options change); returns where the post stands (`pending` when they wait)."""
        from hub.posts import services

        self.post(db, user, post_id)
        post = services.get_post(db, post_id)
        before = services.outlet_options(db, post, self.channel) or None
        after = settings.model_dump(mode="json")
        services.set_outlet_options(db, user, post, self.channel, after, self.label)
        audit(db, actor=user, action=f"{self.channel}.options.update",
              account_id=post.account_id, subject_type="post", subject_id=post.id,
              post_state=post.state, pending=post.pending_revision is not None,
              before=before, after=after)
        return post_info(db, post_id)


def reached_accounts(db: Session, post_id: int) -> list[AccountInfo]:
    """The post's own account, then those it is pushed down to (下发)."""
    from hub.posts.services import get_post

    return [_account_info(row) for row, _ in _outlets.reached_accounts(db, get_post(db, post_id))]


def posts_in_column(db: Session, post_ids: set[int], slug: str) -> set[int]:
    """Of these posts, those filed under a column with this slug."""
    from hub.accounts.models import Column
    from hub.posts.models import Post

    if not post_ids:
        return set()
    return set(db.scalars(select(Post.id).join(Column, Column.id == Post.column_id)
                          .where(Post.id.in_(post_ids), Column.slug == slug)))


def confirm_delivery(db: Session, delivery_id: int, result) -> str:
    """An outlet reports (later, e.g. WeChat's PUBLISHJOBFINISH) how a delivery it left
    pending ended: a `Receipt` or a `DeliveryError`. Commits; returns the delivery's state."""
    from hub.deliveries import queue

    return queue.confirm(db, delivery_id, result)


def post_snapshot(db: Session, post_id: int, channel: str, account_code: str,
                  public_url: str) -> PostSnapshot | None:
    """The post's current version as `channel` shows it on that account's outlets."""
    from hub.publication import snapshot_of

    return snapshot_of(db, post_id, channel, account_code, public_url)
