"""Tables for posts, their revisions (every save), proposed changes to live posts and review
comments; an outlet's settings for a post are part of its words (`outlet_options`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.accounts.models import Account, Column
from hub.db import Base, UTCDateTime, utcnow
from hub.users.models import User

# The fields an editor writes; a revision is a snapshot of exactly these.
CONTENT_FIELDS = (
    "title",
    "summary",
    "body",
    "column_id",
    "cover_media_id",
    "link_url",
    "valid_from",
    "valid_until",
    "overrides",
    "outlet_options",
)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    column_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_columns.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(16), default="article")
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The body rendered once, when it is saved (hub.posts.rendering): no read renders again.
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Plain text of body_html, cut: the summary shown when the editor wrote none.
    body_summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    cover_media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    link_url: Mapped[str | None] = mapped_column(String(1000))
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # {"led": {"title": "..."}, "splash": {"cover_media_id": 3}}: per-outlet changes on one base.
    overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    # {"led": {"role": "interrupt", ...}, "splash": {...}}: each outlet's settings for the post,
    # validated by its adapter. Part of the words: a change is a revision and passes review.
    outlet_options: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # None: every outlet of the account; otherwise the editor's chosen subset.
    channels: Mapped[list | None] = mapped_column(JSON)
    # 下发: None, ["*"] for every descendant account, or a list of descendant account codes.
    push_down: Mapped[list | None] = mapped_column(JSON)

    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Bumped each time the post goes out; deliveries are keyed by (post, version, target).
    version: Mapped[int] = mapped_column(Integer, default=0)
    publish_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The revision the last approval saw: editors of later revisions may not approve them.
    approved_revision: Mapped[int | None] = mapped_column(Integer)
    # The note of the last decision on the current revision: a new revision clears it (the
    # note stays in the post's comments, on the revision it was made on).
    review_note: Mapped[str] = mapped_column(Text, default="")
    # A live post on an account that requires review changes only through review: an edit is
    # kept as revision `pending_revision` (this row keeps the live words, which every outlet
    # goes on serving) until a second person approves it. `pending_state`: draft / in_review.
    pending_revision: Mapped[int | None] = mapped_column(Integer)
    pending_state: Mapped[str | None] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship()
    column: Mapped[Column | None] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])


class PostRevision(Base):
    __tablename__ = "post_revisions"
    __table_args__ = (UniqueConstraint("post_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # JSON snapshot of CONTENT_FIELDS (datetimes as ISO strings).
    content: Mapped[dict] = mapped_column(JSON)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    # A restore copies revision `restored_from`: its editor's words come back with it.
    restored_from: Mapped[int | None] = mapped_column(Integer)
    # A pending change its editors dropped: kept in the history, never live, nobody's
    # unapproved words any more (unless restored).
    discarded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[User] = relationship()


class PostComment(Base):
    """A remark in a post's review: a comment, or the note of an approval or a rejection. It
    belongs to the revision it was made on, so it does not follow the post into later drafts."""

    __tablename__ = "post_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16), default="comment")  # comment/approve/reject
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()
