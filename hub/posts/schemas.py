"""Shapes of posts in the editor API: what editors send and what they get back."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import object_session

from hub.clock import as_utc, local_iso
from hub.posts.models import Post, PostComment, PostRevision
from hub.posts.workflow import CHANGE_LABELS, STATE_LABELS, ChangeState, State

MAX_BODY = 200_000


class ChannelOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    summary: str | None = Field(default=None, max_length=500)
    cover_media_id: int | None = None


class _PostFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str | None = Field(default=None, max_length=500)
    column: str | None = Field(default=None, max_length=40, description="栏目标识 (slug)")
    cover_media_id: int | None = None
    link_url: AnyHttpUrl | None = Field(default=None, description="阅读原文 / 活动链接")
    valid_from: dt.datetime | None = Field(default=None, description="ISO 8601; 无时区按北京时间")
    valid_until: dt.datetime | None = None
    channels: list[str] | None = Field(default=None, description="渠道子集；缺省为全部渠道")
    push_down: Literal["all"] | list[str] | None = Field(
        default=None, description="下发：'all' 或下级账号代码列表")
    overrides: dict[str, ChannelOverride] | None = Field(
        default=None, description="各渠道的覆盖字段，如 {'led': {'title': '短标题'}}")

    @field_validator("valid_from", "valid_until")
    @classmethod
    def _to_utc(cls, value):
        return as_utc(value) if value is not None else None

    def changes(self) -> dict:
        data = self.model_dump(exclude_unset=True)
        if data.get("link_url") is not None:
            data["link_url"] = str(self.link_url)
        if "overrides" in data and data["overrides"] is not None:
            data["overrides"] = {k: {f: v for f, v in o.items() if v is not None}
                                 for k, o in data["overrides"].items()}
        if data.get("summary") is None and "summary" in data:
            data["summary"] = ""
        return data


class PostCreate(_PostFields):
    account: str = Field(description="账号代码")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=MAX_BODY, description="Markdown")
    kind: Literal["article", "promotion"] = "article"

    def changes(self) -> dict:
        data = super().changes()
        for name in ("title", "body", "kind"):
            data[name] = getattr(self, name)
        data.pop("account", None)
        return data


class PostUpdate(_PostFields):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=MAX_BODY)

    @field_validator("title", "body")
    @classmethod
    def _not_null(cls, value, info):
        if value is None:
            raise ValueError(f"{info.field_name} 不能为空")
        return value


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: dt.datetime | None = Field(default=None, description="定时发布时间；无时区按北京时间")

    @field_validator("at")
    @classmethod
    def _to_utc(cls, value):
        return as_utc(value) if value is not None else None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=1000)


class PostListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str = Field(description="账号代码；含其下级账号的稿件")
    state: State | None = None
    limit: int = Field(default=50, ge=1, le=200)
    before: int | None = Field(default=None, description="游标：上一页最后一篇的 id")


class PendingChangeOut(BaseModel):
    revision: int = Field(description="待审核修改所在的修订号")
    state: Literal["draft", "in_review"]
    state_label: str
    editor: str = Field(description="最近修改它的编辑")
    updated_at: str
    content: dict = Field(description="修改后的内容（与修订记录的 content 相同）；"
                          "批准前各终端仍是已发布的内容")


class PostOut(BaseModel):
    id: int
    account: str
    account_name: str
    kind: str
    state: str
    state_label: str
    title: str
    summary: str
    body: str
    body_html: str
    column: str | None
    cover_media_id: int | None
    link_url: str | None
    valid_from: str | None
    valid_until: str | None
    channels: list[str] | None
    push_down: list[str] | None
    overrides: dict
    outlet_options: dict = Field(default_factory=dict,
                                 description="各终端对本稿件的设置（如 led、splash），随修订审核")
    revision: int = Field(description="本条记录中内容（已发布稿件即线上内容）的修订号")
    version: int = Field(description="发布次数：稿件每次发往各终端加一（与修订号 revision 不同）")
    author: str
    publish_at: str | None
    published_at: str | None
    withdrawn_at: str | None
    review_note: str
    created_at: str
    updated_at: str
    from_above: bool = Field(default=False, description="上级下发到所查账号的稿件")
    pending: PendingChangeOut | None = Field(
        default=None, description="已发布稿件的待审核修改；批准后重新发布（version 加一）")


class PostList(BaseModel):
    posts: list[PostOut]
    next_before: int | None


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=2000, description="评论内容")


class CommentOut(BaseModel):
    id: int
    revision: int = Field(description="评论针对的修订号；之后的修订不再带着它")
    author: str
    kind: Literal["comment", "approve", "reject"] = Field(
        description="comment：评论；approve / reject：审核通过或退回时的意见")
    body: str
    created_at: str


class CommentList(BaseModel):
    comments: list[CommentOut]


class RevisionOut(BaseModel):
    number: int
    editor: str
    note: str
    created_at: str
    content: dict
    discarded: bool = Field(default=False, description="被放弃的待审核修改（从未上线）")
    comments: list[CommentOut] = Field(default_factory=list,
                                       description="针对这一修订的评论与审核意见")


class RevisionList(BaseModel):
    revisions: list[RevisionOut]


def post_out(post: Post, *, seen_from=None) -> PostOut:
    """`seen_from`: the account whose list this is; posts from outside it came from above."""
    return PostOut(
        from_above=seen_from is not None and not post.account.is_within(seen_from),
        id=post.id, account=post.account.code, account_name=post.account.name, kind=post.kind,
        state=post.state, state_label=STATE_LABELS[State(post.state)], title=post.title,
        summary=post.summary or post.body_summary, body=post.body, body_html=post.body_html,
        column=post.column.slug if post.column else None, cover_media_id=post.cover_media_id,
        link_url=post.link_url, valid_from=local_iso(post.valid_from),
        valid_until=local_iso(post.valid_until), channels=post.channels,
        push_down=post.push_down, overrides=post.overrides or {}, revision=post.revision,
        version=post.version, author=post.author.username, publish_at=local_iso(post.publish_at),
        published_at=local_iso(post.published_at), withdrawn_at=local_iso(post.withdrawn_at),
        review_note=post.review_note, created_at=local_iso(post.created_at),
        updated_at=local_iso(post.updated_at), outlet_options=post.outlet_options or {},
        pending=pending_out(post),
    )


def pending_out(post: Post) -> PendingChangeOut | None:
    if post.pending_revision is None:
        return None
    revision = object_session(post).scalar(select(PostRevision).where(
        PostRevision.post_id == post.id, PostRevision.number == post.pending_revision))
    state = ChangeState(post.pending_state)
    return PendingChangeOut(revision=revision.number, state=state.value,
                            state_label=CHANGE_LABELS[state], editor=revision.editor.username,
                            updated_at=local_iso(revision.created_at), content=revision.content)


def comment_out(comment: PostComment) -> CommentOut:
    return CommentOut(id=comment.id, revision=comment.revision, author=comment.author.username,
                      kind=comment.kind, body=comment.body,
                      created_at=local_iso(comment.created_at))


def revision_out(revision: PostRevision, comments: list[PostComment] = ()) -> RevisionOut:
    return RevisionOut(number=revision.number, editor=revision.editor.username,
                       note=revision.note, created_at=local_iso(revision.created_at),
                       content=revision.content, discarded=revision.discarded,
                       comments=[comment_out(c) for c in comments
                                 if c.revision == revision.number])


class WaitingQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str = Field(description="账号代码；含其下级账号")


class WaitingItem(BaseModel):
    post_id: int
    title: str
    account: str
    account_name: str
    what: Literal["post", "change"] = Field(
        description="post：送审的稿件；change：已发布稿件的修改")
    revision: int
    since: str = Field(description="送审（最近一次变动）的时间")
    may_approve: bool = Field(description="当前用户能否审核它（角色、作者、四眼原则）")


class WaitingOut(BaseModel):
    account: str
    total: int = Field(description="等待审核的稿件与修改数")
    posts: int
    changes: int
    for_you: int = Field(description="其中当前用户可以审核的数目")
    items: list[WaitingItem]
