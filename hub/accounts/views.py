"""Editor API for the account tree, profiles and columns, and for what an account configures
beyond its columns: topics (专题) and links to local services (本地服务)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from flask import Blueprint, g
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.accounts import services
from hub.accounts.models import Account, ServiceLink, Topic
from hub.api import refuse_nulls, route
from hub.clock import as_utc, local_iso
from hub.errors import BadRequest
from hub.media.models import Media
from hub.members.feed import media_url
from hub.users.permissions import require_role

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")
TAG = "accounts"
COLOR = r"^#[0-9A-Fa-f]{6}$"
# A logo is shown by address (web pages, share cards, the mini-program): a web address, or a
# picture of the hub's media library as its /media address (the console's upload gives one).
LOGO_URL = re.compile(r"^(https?://[^\s/]+\S*|/media/\d+/[0-9a-f]{16})$")


class ColumnOut(BaseModel):
    slug: str
    name: str
    position: int


class AccountOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None
    region_code: str | None
    short_name: str | None
    logo_url: str | None
    theme_color: str
    intro: str
    requires_review: bool
    columns: list[ColumnOut]


class AccountList(BaseModel):
    accounts: list[AccountOut]


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=2, max_length=64, description="小写字母、数字和横线")
    name: str = Field(min_length=1, max_length=100)
    level: str
    parent: str
    region_code: str | None = Field(default=None, max_length=12)
    short_name: str | None = Field(default=None, max_length=30)
    theme_color: str | None = Field(default=None, pattern=COLOR)
    intro: str = Field(default="", max_length=2000)
    requires_review: bool = False


class AccountUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    short_name: str | None = Field(default=None, max_length=30)
    logo_url: str | None = Field(
        default=None, max_length=500,
        description="标志图片：http(s) 网址，或本 hub 素材库图片的地址（/media/<id>/<摘要>）")
    theme_color: str | None = Field(default=None, pattern=COLOR)
    intro: str | None = Field(default=None, max_length=2000)
    requires_review: bool | None = None

    @field_validator("logo_url")
    @classmethod
    def _logo_is_an_image_address(cls, value: str | None) -> str | None:
        if value is not None and not LOGO_URL.match(value):
            raise ValueError("应为网址（以 https:// 或 http:// 开头）"
                             "或素材库图片的地址（/media/…）")
        return value


class ColumnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    name: str = Field(min_length=1, max_length=40)


class ColumnsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: list[ColumnIn] = Field(min_length=1, max_length=20)


class ColumnList(BaseModel):
    columns: list[ColumnOut]


def account_out(account: Account, codes_by_id: dict[int, str] | None = None) -> AccountOut:
    if account.parent_id is None:
        parent = None
    elif codes_by_id is not None:
        parent = codes_by_id[account.parent_id]
    else:
        parent = account.parent.code
    return AccountOut(
        code=account.code, name=account.name, level=account.level, parent=parent,
        region_code=account.region_code, short_name=account.short_name,
        logo_url=account.logo_url, theme_color=account.theme_color, intro=account.intro,
        requires_review=account.requires_review,
        columns=[ColumnOut(slug=c.slug, name=c.name, position=c.position)
                 for c in account.columns],
    )


@route(bp, "/accounts", "GET", summary="The whole account tree, parents before children",
       tag=TAG, response=AccountList)
def list_accounts():
    accounts = services.all_accounts(g.db)
    codes = {a.id: a.code for a in accounts}
    return AccountList(accounts=[account_out(a, codes) for a in accounts])


@route(bp, "/accounts/<code>", "GET", summary="One account", tag=TAG, response=AccountOut)
def get_account(code: str):
    return account_out(services.get_account(g.db, code))


@route(bp, "/accounts", "POST", summary="Create a child account (admin of the parent)", tag=TAG,
       body=AccountCreate, response=AccountOut, status=201, errors=(409,))
def create_account(body: AccountCreate):
    parent = services.get_account(g.db, body.parent)
    require_role(g.db, g.user, parent, "admin")
    fields = body.model_dump(exclude={"parent", "code", "name", "level", "region_code"},
                             exclude_none=True)
    account = services.create_account(g.db, code=body.code, name=body.name, level=body.level,
                                      parent=parent, region_code=body.region_code,
                                      actor=g.user, **fields)
    return account_out(account)


@route(bp, "/accounts/<code>", "PATCH", summary="Change an account's profile (admin)", tag=TAG,
       body=AccountUpdate, response=AccountOut)
def update_account(code: str, body: AccountUpdate):
    account = services.get_account(g.db, code)
    require_role(g.db, g.user, account, "admin")
    changes = refuse_nulls(body.model_dump(exclude_unset=True), Account)
    services.update_profile(g.db, account, changes, actor=g.user)
    return account_out(account)


@route(bp, "/accounts/<code>/columns", "GET", summary="An account's ordered columns", tag=TAG,
       response=ColumnList)
def list_columns(code: str):
    account = services.get_account(g.db, code)
    return ColumnList(columns=account_out(account).columns)


@route(bp, "/accounts/<code>/columns", "PUT", summary="Replace an account's ordered columns "
       "(admin)", tag=TAG, body=ColumnsIn, response=ColumnList)
def replace_columns(code: str, body: ColumnsIn):
    account = services.get_account(g.db, code)
    require_role(g.db, g.user, account, "admin")
    services.replace_columns(g.db, account, [(c.slug, c.name) for c in body.columns],
                             actor=g.user)
    return ColumnList(columns=account_out(account).columns)


# -- topics (专题) and service links (本地服务) ------------------------------------------------

PAGE_TAG = "account pages"


def _window_to_utc(value):
    return as_utc(value) if value is not None else None


class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=60)
    summary: str = Field(default="", max_length=500)
    cover_media_id: int | None = Field(default=None, ge=1, description="本账号或上级的图片")
    starts_at: dt.datetime | None = Field(default=None, description="ISO 8601；无时区按北京时间")
    ends_at: dt.datetime | None = Field(default=None, description="ISO 8601；无时区按北京时间")

    _utc = field_validator("starts_at", "ends_at")(_window_to_utc)


class TopicUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=60)
    summary: str | None = Field(default=None, max_length=500)
    cover_media_id: int | None = Field(default=None, ge=1)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    closed: bool | None = Field(default=None, description="true：关闭专题（各处不再显示）")

    _utc = field_validator("starts_at", "ends_at")(_window_to_utc)


class TopicPostOut(BaseModel):
    id: int
    title: str
    kind: str
    state: str
    account: str = Field(description="稿件所属账号代码（下发的稿件是上级的）")


class TopicOut(BaseModel):
    id: int
    account: str
    title: str
    summary: str
    cover_media_id: int | None
    cover_url: str | None
    position: int
    starts_at: str | None
    ends_at: str | None
    closed: bool
    showing: bool = Field(description="会员现在能否看到：未关闭且在时间范围内")
    post_count: int


class TopicDetailOut(TopicOut):
    posts: list[TopicPostOut]


class TopicList(BaseModel):
    topics: list[TopicOut]


class TopicPostsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    posts: list[int] = Field(max_length=services.MAX_TOPIC_POSTS,
                             description="稿件编号，按显示顺序")


class TopicOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topics: list[int] = Field(max_length=200, description="本账号全部专题的编号，按显示顺序")


IconName = Literal[tuple(services.LINK_ICONS)]  # type: ignore[valid-type]
LinkKind = Literal["web", "miniprogram"]


class ServiceLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=20)
    icon: IconName
    kind: LinkKind = Field(description="web：https 网页；miniprogram：小程序页面")
    url: str | None = Field(default=None, max_length=500, description="kind=web 时必填，https://")
    mp_appid: str | None = Field(default=None, max_length=32,
                                 description="另一个小程序的 AppID；不填即本小程序")
    mp_path: str | None = Field(default=None, max_length=200,
                                description="kind=miniprogram 时必填，如 pages/service/index")
    enabled: bool = True


class ServiceLinkUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=20)
    icon: IconName | None = None
    kind: LinkKind | None = None
    url: str | None = Field(default=None, max_length=500)
    mp_appid: str | None = Field(default=None, max_length=32)
    mp_path: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None


class ServiceLinkOut(BaseModel):
    id: int
    owner: str = Field(description="设置这个链接的账号代码")
    name: str
    icon: str
    kind: str
    url: str | None
    mp_appid: str | None
    mp_path: str | None
    position: int
    enabled: bool
    inherited: bool = Field(description="true：从上级继承")
    hidden: bool = Field(description="true：本账号（或其上级）隐藏了这个继承的链接")


class ServiceLinkList(BaseModel):
    links: list[ServiceLinkOut] = Field(description="上级的在前，本账号的在后；含停用和隐藏的")


class LinkOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    links: list[int] = Field(max_length=services.MAX_LINKS,
                             description="本账号自己全部链接的编号，按显示顺序")


class HiddenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hidden: bool


def _cover_url(topic: Topic) -> str | None:
    media = g.db.get(Media, topic.cover_media_id) if topic.cover_media_id else None
    return media_url(media.id, media.sha256) if media else None


def topic_out(topic: Topic) -> TopicOut:
    return TopicOut(
        id=topic.id, account=topic.account.code, title=topic.title, summary=topic.summary,
        cover_media_id=topic.cover_media_id, cover_url=_cover_url(topic),
        position=topic.position, starts_at=local_iso(topic.starts_at),
        ends_at=local_iso(topic.ends_at), closed=topic.closed_at is not None,
        showing=services.topic_is_showing(topic), post_count=len(topic.entries))


def _topic_detail(topic: Topic) -> TopicDetailOut:
    posts = [TopicPostOut(id=p.id, title=p.title, kind=p.kind, state=p.state,
                          account=p.account.code)
             for p in services.topic_posts(g.db, topic, published_only=False)]
    return TopicDetailOut(**topic_out(topic).model_dump(), posts=posts)


def _link_out(shown: services.ShownLink) -> ServiceLinkOut:
    link = shown.link
    return ServiceLinkOut(id=link.id, owner=shown.owner.code, name=link.name, icon=link.icon,
                          kind=link.kind, url=link.url, mp_appid=link.mp_appid,
                          mp_path=link.mp_path, position=link.position, enabled=link.enabled,
                          inherited=shown.inherited, hidden=shown.hidden)


def _account_as(code: str, roles: tuple[str, ...]) -> Account:
    account = services.get_account(g.db, code)
    require_role(g.db, g.user, account, *roles)
    return account


def _links_of(account: Account) -> ServiceLinkList:
    return ServiceLinkList(links=[_link_out(s) for s in
                                  services.links_for(g.db, account, shown_only=False)])


@route(bp, "/accounts/<code>/topics", "GET", summary="An account's topics (专题), in order",
       tag=PAGE_TAG, response=TopicList)
def list_topics(code: str):
    account = _account_as(code, services.READERS)
    return TopicList(topics=[topic_out(t) for t in services.topics_of(g.db, account)])


@route(bp, "/accounts/<code>/topics", "POST", summary="Create a topic (reviewer or admin)",
       tag=PAGE_TAG, body=TopicIn, response=TopicOut, status=201)
def create_topic(code: str, body: TopicIn):
    account = _account_as(code, services.TOPIC_EDITORS)
    return topic_out(services.create_topic(g.db, account, body.model_dump(), actor=g.user))


@route(bp, "/accounts/<code>/topics/order", "PUT", summary="Reorder the account's topics "
       "(reviewer or admin)", tag=PAGE_TAG, body=TopicOrderIn, response=TopicList)
def reorder_topics(code: str, body: TopicOrderIn):
    account = _account_as(code, services.TOPIC_EDITORS)
    topics = services.reorder_topics(g.db, account, body.topics, actor=g.user)
    return TopicList(topics=[topic_out(t) for t in topics])


@route(bp, "/accounts/<code>/topics/<int:topic_id>", "GET", summary="A topic and its posts",
       tag=PAGE_TAG, response=TopicDetailOut)
def get_topic(code: str, topic_id: int):
    account = _account_as(code, services.READERS)
    return _topic_detail(services.get_topic(g.db, account, topic_id))


@route(bp, "/accounts/<code>/topics/<int:topic_id>", "PATCH", summary="Change, close or "
       "reopen a topic (reviewer or admin)", tag=PAGE_TAG, body=TopicUpdate,
       response=TopicDetailOut)
def update_topic(code: str, topic_id: int, body: TopicUpdate):
    account = _account_as(code, services.TOPIC_EDITORS)
    topic = services.get_topic(g.db, account, topic_id)
    changes = refuse_nulls(body.model_dump(exclude_unset=True), Topic)
    closed = changes.pop("closed", None)
    if closed is None and "closed" in body.model_fields_set:
        raise BadRequest("closed 不能设为 null", field="closed")
    if changes:
        services.update_topic(g.db, topic, changes, actor=g.user)
    if closed is not None and closed != (topic.closed_at is not None):
        services.close_topic(g.db, topic, closed, actor=g.user)
    return _topic_detail(topic)


@route(bp, "/accounts/<code>/topics/<int:topic_id>/posts", "PUT", summary="Set a topic's "
       "posts, in order: the account's own and those pushed down to it (reviewer or admin)",
       tag=PAGE_TAG, body=TopicPostsIn, response=TopicDetailOut)
def set_topic_posts(code: str, topic_id: int, body: TopicPostsIn):
    account = _account_as(code, services.TOPIC_EDITORS)
    topic = services.get_topic(g.db, account, topic_id)
    return _topic_detail(services.set_topic_posts(g.db, topic, body.posts, actor=g.user))


@route(bp, "/accounts/<code>/service-links", "GET", summary="The account's links to local "
       "services (本地服务): inherited from above, then its own", tag=PAGE_TAG,
       response=ServiceLinkList)
def list_service_links(code: str):
    return _links_of(_account_as(code, services.READERS))


@route(bp, "/accounts/<code>/service-links", "POST", summary="Add a service link (admin)",
       tag=PAGE_TAG, body=ServiceLinkIn, response=ServiceLinkOut, status=201)
def create_service_link(code: str, body: ServiceLinkIn):
    account = _account_as(code, ("admin",))
    link = services.create_link(g.db, account, body.model_dump(), actor=g.user)
    return _link_out(services.ShownLink(link, account, False, False))


@route(bp, "/accounts/<code>/service-links/order", "PUT", summary="Reorder the account's "
       "own service links (admin)", tag=PAGE_TAG, body=LinkOrderIn, response=ServiceLinkList)
def reorder_service_links(code: str, body: LinkOrderIn):
    account = _account_as(code, ("admin",))
    services.reorder_links(g.db, account, body.links, actor=g.user)
    return _links_of(account)


@route(bp, "/accounts/<code>/service-links/<int:link_id>", "PATCH", summary="Change or "
       "switch off one of the account's own service links (admin)", tag=PAGE_TAG,
       body=ServiceLinkUpdate, response=ServiceLinkOut)
def update_service_link(code: str, link_id: int, body: ServiceLinkUpdate):
    account = _account_as(code, ("admin",))
    link = services.own_link(g.db, account, link_id)
    changes = refuse_nulls(body.model_dump(exclude_unset=True), ServiceLink)
    services.update_link(g.db, link, changes, actor=g.user)
    return _link_out(services.ShownLink(link, account, False, False))


@route(bp, "/accounts/<code>/service-links/<int:link_id>", "DELETE", summary="Delete one of "
       "the account's own service links (admin)", tag=PAGE_TAG, response=ServiceLinkList)
def delete_service_link(code: str, link_id: int):
    account = _account_as(code, ("admin",))
    services.delete_link(g.db, services.own_link(g.db, account, link_id), actor=g.user)
    return _links_of(account)


@route(bp, "/accounts/<code>/service-links/<int:link_id>/hidden", "PUT", summary="Hide (or "
       "show again) a link inherited from above, here and beneath (admin)", tag=PAGE_TAG,
       body=HiddenIn, response=ServiceLinkList)
def hide_service_link(code: str, link_id: int, body: HiddenIn):
    account = _account_as(code, ("admin",))
    services.hide_link(g.db, account, services.get_link(g.db, link_id), body.hidden,
                       actor=g.user)
    return _links_of(account)
