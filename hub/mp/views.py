"""`/mp/v1/`: the member's profile and verification, the merged feed, posts, account pages
(with their topics and local services), following, my union, account search and
subscribe-message allowances.

Signing in (`POST /mp/v1/session`, jscode2session) and the phone number exchange live with
the WeChat adapter, which talks to WeChat; every route here takes the member session it
issues (`Authorization: Member <token>`).
"""

from __future__ import annotations

from flask import Blueprint, current_app, g
from pydantic import BaseModel, Field
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from hub.accounts import services as accounts
from hub.accounts.models import Account
from hub.accounts.services import get_account
from hub.api import error_response, route
from hub.attribution import sources
from hub.campaigns import links
from hub.clock import local_iso
from hub.db import utcnow
from hub.errors import BadRequest, NotFound, Unauthorized
from hub.members import feed, follows, verification
from hub.members import identity as ids
from hub.members.models import MemberFollow, MemberIdentity, MemberSubscription
from hub.mp import sharing
from hub.mp.profiles import (
    AccountOut,
    AccountRef,
    FeedItemOut,
    ProfileOut,
    account_json,
    feed_item_json,
    profile,
)
from hub.posts.models import Post
from hub.ratelimits import rate_limits

bp = Blueprint("mp_api", __name__, url_prefix="/mp/v1")
TAG = "mini-program"
MEMBER = "member"
# Subscribe-message templates the hub sends, by the name the mini-program asks with.
TEMPLATES = {"news": "关注的工会号有新内容", "course_reminder": "课程开课提醒"}
MAX_ALLOWANCES = 100  # what the hub keeps counting; WeChat counts for itself anyway
SEARCH_MAX = 30
GENERIC = "有字段不合要求"  # hub.api's words for a request its models refused
# What a member is told when a field they typed (or the page sent) does not fit: every /mp/v1
# error answers {error, message, fields: {field: message}}; these make message plain Chinese.
FIELD_PROBLEMS = {
    "q": f"搜索词请输入 1 到 {SEARCH_MAX} 个字",
    "name": "请填写姓名（最多 50 个字）",
    "id_number": "请填写 18 位身份证号",
    "template": "未知的订阅消息类型",
    "accepted": "同意次数应为 1 到 10",
    "cursor": "翻页位置无效，请下拉刷新后重试",
    "limit": "每页条数应为 1 到 50",
    "code": "授权码无效，请重试",
    "source": "分享来源无效",
}


class CursorQuery(BaseModel):
    cursor: str | None = Field(default=None, max_length=100)
    limit: int = Field(default=feed.PAGE, ge=1, le=feed.MAX_PAGE)


class SearchQuery(BaseModel):
    q: str = Field(min_length=1, max_length=SEARCH_MAX, description="工会号名称的一部分")


class PostQuery(BaseModel):
    source: str | None = Field(default=None, max_length=sharing.MAX_LENGTH,
                               description="分享者：分享链接里的 source（资料的 share_source）")
    src: str | None = Field(default=None, max_length=sources.MAX_LENGTH,
                            description="带来会员的终端（如订阅消息 mp_subscribe）；不认识的不计")


class VerificationIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=15, max_length=20)


class SubscriptionIn(BaseModel):
    template: str = Field(description="news（新内容提醒）或 course_reminder（开课提醒）")
    accepted: int = Field(default=1, ge=1, le=10, description="本次同意的次数")


class ProfileAnswer(BaseModel):
    profile: ProfileOut


class FeedPageOut(BaseModel):
    items: list[FeedItemOut]
    next_cursor: str | None


class PostDetailOut(BaseModel):
    id: int
    title: str
    summary: str
    kind: str
    account: AccountRef
    published_at: str | None
    html: str
    campaign_id: int | None
    cover_url: str | None
    from_above: bool = Field(description="true：来自所关注工会号的上级工会（上级推送）")


class AccountsOut(BaseModel):
    accounts: list[AccountOut]


class AccountPageOut(AccountOut):
    children: list[AccountRef] = Field(description="下级工会号，按名称排序")


class TopicOut(BaseModel):
    id: int
    title: str
    summary: str
    cover_url: str | None
    ends_at: str | None = Field(description="专题截止时间（北京时间），无则长期")


class TopicsOut(BaseModel):
    topics: list[TopicOut] = Field(description="正在展示的专题，按工会号排定的顺序")


class TopicPageOut(TopicOut):
    account: AccountRef
    items: list[FeedItemOut] = Field(description="专题里已发布的内容，按编辑排定的顺序")


class ServiceOut(BaseModel):
    id: int
    name: str
    icon: str = Field(description="图标：legal、books、help、jobs、health、training、tickets、"
                      "childcare、home、service")
    kind: str = Field(description="web：打开 url（https 网页）；miniprogram：打开 path"
                      "（appid 为空即本小程序）")
    url: str | None
    appid: str | None
    path: str | None
    from_above: bool = Field(description="true：上级工会提供的服务")


class ServicesOut(BaseModel):
    services: list[ServiceOut]


class FollowOut(BaseModel):
    followed: bool


class SubscriptionOut(BaseModel):
    template: str
    allowances: int


@bp.errorhandler(BadRequest)
def _plain_chinese(exc: BadRequest):
    """A request whose fields do not fit is told so in words a member understands (the
    generic "查询参数有字段不合要求（q：…）" names a parameter and a rule, not the problem)."""
    known = [name for name in exc.fields if name in FIELD_PROBLEMS]
    if known and GENERIC in exc.message:  # a message written for the member stays
        exc.message = "；".join(FIELD_PROBLEMS[name] for name in known)
        exc.fields = {name: FIELD_PROBLEMS.get(name, text) for name, text in exc.fields.items()}
    return error_response(exc)


def _me() -> MemberIdentity:
    person = g.db.get(MemberIdentity, g.member.identity_id)
    if person is None or person.openid != g.member.openid:
        raise Unauthorized("会员登录凭证无效")
    return person


def _keys() -> ids.IdKeys:
    return ids.IdKeys.from_config(current_app.config["HUB"])


def _page(page: feed.FeedPage) -> dict:
    promotions = [item.post_id for item in page.items if item.kind == "promotion"]
    campaigns = links.campaigns_of(g.db, promotions)
    return {"items": [feed_item_json(item, campaigns) for item in page.items],
            "next_cursor": page.next_cursor}


def _follow_states(person: MemberIdentity, accounts: list[Account]) -> dict[int, bool]:
    rows = g.db.execute(select(MemberFollow.account_id, MemberFollow.own).where(
        MemberFollow.identity_id == person.id,
        MemberFollow.account_id.in_([a.id for a in accounts])))
    return dict(rows.all())


def _accounts_json(person: MemberIdentity, accounts: list[Account]) -> list[dict]:
    states = _follow_states(person, accounts)
    return [account_json(a, followed=a.id in states, own=bool(states.get(a.id)))
            for a in accounts]


@route(bp, "/me", "GET", summary="我的资料（证件号、手机号已打码）", tag=TAG, auth=MEMBER,
       response=ProfileOut)
def me():
    return profile(g.db, _me(), _keys())


@route(bp, "/verification", "POST", summary="实名认证：姓名与身份证号比对会员名册", tag=TAG,
       body=VerificationIn, response=ProfileAnswer, auth=MEMBER, errors=(429,))
def verify(body: VerificationIn):
    person = _me()
    verification.verify_and_commit(g.db, person, body.name, body.id_number, person.phone,
                                   limits=rate_limits(), keys=_keys())
    sources.record_verification(g.db, person.id)
    return {"profile": profile(g.db, person, _keys())}


@route(bp, "/feed", "GET", summary="关注动态：所关注工会号及其收到的下发内容，新的在前",
       tag=TAG, query=CursorQuery, response=FeedPageOut, auth=MEMBER)
def member_feed(query: CursorQuery):
    # The signed session names the identity: the feed needs no read of it first (the most
    # read page of all; an identity that no longer exists simply follows nothing).
    return _page(feed.feed(g.db, g.member.identity_id, cursor=query.cursor,
                           limit=query.limit))


def _note_source(query: PostQuery) -> None:
    """Who or what brought this member here (a share link's `source`, an outlet's `src`),
    kept on the request and in the member's sources; a member opening their own share
    brought nobody."""
    sharer = sharing.sharer_of(current_app.config["HUB"].secret(), query.source)
    g.shared_by = sharer if sharer != g.member.identity_id else None
    src = sources.clean(query.src)
    if g.shared_by is not None or src is not None:
        sources.record_member_visit(g.db, g.member.identity_id, None, src, g.shared_by)


@route(bp, "/posts/<int:post_id>", "GET", summary="一篇已发布的内容（source：分享者）", tag=TAG,
       auth=MEMBER, query=PostQuery, response=PostDetailOut)
def post_detail(post_id: int, query: PostQuery):
    post = g.db.get(Post, post_id)
    if post is None or post.state != "published":
        raise NotFound("内容不存在或已撤回")
    _note_source(query)
    campaigns = links.campaigns_of(g.db, [post.id])
    followed = g.db.scalar(select(MemberFollow.account_id).where(
        MemberFollow.identity_id == g.member.identity_id,
        MemberFollow.account_id == post.account_id))
    return {"id": post.id, "title": post.title, "summary": post.summary, "kind": post.kind,
            "account": {"code": post.account.code, "name": post.account.name},
            "published_at": local_iso(post.published_at), "html": post.body_html,
            "campaign_id": campaigns.get(post.id), "cover_url": feed.cover_url(g.db, post),
            # As in the feed: a post whose author the member does not follow reached them
            # pushed down from above.
            "from_above": followed is None}


@route(bp, "/accounts", "GET", summary="按名称搜索工会号", tag=TAG, query=SearchQuery,
       response=AccountsOut, auth=MEMBER)
def search_accounts(query: SearchQuery):
    words = query.q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{words}%"
    found = g.db.scalars(select(Account).where(or_(
        Account.name.like(pattern, escape="\\"), Account.short_name.like(pattern, escape="\\")))
        .order_by(func.length(Account.path), Account.name).limit(20)).all()
    return {"accounts": _accounts_json(_me(), list(found))}


@route(bp, "/accounts/<code>", "GET", summary="工会号主页", tag=TAG, auth=MEMBER,
       response=AccountPageOut)
def account_page(code: str):
    account = get_account(g.db, code)
    return _with_children(account, _accounts_json(_me(), [account])[0])


def _with_children(account: Account, body: dict) -> dict:
    children = g.db.scalars(select(Account).where(Account.parent_id == account.id)
                            .order_by(Account.name)).all()
    body["children"] = [{"code": c.code, "name": c.name} for c in children]
    return body


@route(bp, "/accounts/<code>/posts", "GET", summary="工会号的内容（含上级下发）", tag=TAG,
       query=CursorQuery, response=FeedPageOut, auth=MEMBER)
def account_page_posts(code: str, query: CursorQuery):
    account = get_account(g.db, code)
    return _page(feed.account_posts(g.db, account, cursor=query.cursor, limit=query.limit))


def _topic_json(topic) -> dict:
    cover = feed.cover_url(g.db, topic) if topic.cover_media_id else None
    return {"id": topic.id, "title": topic.title, "summary": topic.summary,
            "cover_url": cover, "ends_at": local_iso(topic.ends_at)}


@route(bp, "/accounts/<code>/topics", "GET", summary="工会号正在展示的专题", tag=TAG,
       auth=MEMBER, response=TopicsOut)
def account_topics(code: str):
    account = get_account(g.db, code)
    return {"topics": [_topic_json(t) for t in accounts.showing_topics(g.db, account)]}


@route(bp, "/accounts/<code>/topics/<int:topic_id>", "GET", summary="一个专题及其内容",
       tag=TAG, auth=MEMBER, response=TopicPageOut)
def topic_page(code: str, topic_id: int):
    account = get_account(g.db, code)
    topic = accounts.get_topic(g.db, account, topic_id)
    if not accounts.topic_is_showing(topic):
        raise NotFound("专题不存在或已结束")
    posts = accounts.topic_posts(g.db, topic, published_only=True)
    campaigns = links.campaigns_of(g.db, [p.id for p in posts if p.kind == "promotion"])
    items = [feed_item_json(feed.FeedItem(
        post_id=p.id, title=p.title, summary=p.summary or p.body_summary, kind=p.kind,
        published_at=p.published_at, account_code=p.account.code,
        account_name=p.account.name, cover_url=feed.cover_url(g.db, p),
        from_followed=p.account_id == account.id), campaigns) for p in posts]
    return _topic_json(topic) | {"account": {"code": account.code, "name": account.name},
                                 "items": items}


@route(bp, "/accounts/<code>/services", "GET", summary="工会号的本地服务（含上级工会提供的）",
       tag=TAG, auth=MEMBER, response=ServicesOut)
def account_services(code: str):
    shown = accounts.links_for(g.db, get_account(g.db, code))
    return {"services": [{"id": s.link.id, "name": s.link.name, "icon": s.link.icon,
                          "kind": s.link.kind, "url": s.link.url, "appid": s.link.mp_appid,
                          "path": s.link.mp_path, "from_above": s.inherited}
                         for s in shown]}


@route(bp, "/accounts/<code>/follow", "POST", summary="关注工会号（跨区域订阅）", tag=TAG,
       response=FollowOut, auth=MEMBER)
def follow(code: str):
    follows.follow(g.db, _me(), get_account(g.db, code))
    return {"followed": True}


@route(bp, "/accounts/<code>/follow", "DELETE", summary="取消关注（所属工会链不可取消）",
       tag=TAG, response=FollowOut, auth=MEMBER, errors=(409,))
def unfollow(code: str):
    follows.unfollow(g.db, _me(), get_account(g.db, code))
    return {"followed": False}


@route(bp, "/follows", "GET", summary="我关注的工会号", tag=TAG, auth=MEMBER,
       response=AccountsOut)
def my_follows():
    followed = follows.followed(g.db, _me())
    return {"accounts": [account_json(a, followed=True, own=own) for a, own in followed]}


@route(bp, "/my-union", "GET", summary="一键直达所属工会（含下级工会）", tag=TAG, auth=MEMBER,
       response=AccountPageOut)
def my_union():
    union = profile(g.db, _me(), _keys())["union"]
    if union is None:
        raise NotFound("完成实名认证后即可直达所属工会")
    return _with_children(get_account(g.db, union["code"]), union)


@route(bp, "/subscriptions", "POST", summary="记录会员同意接收的订阅消息次数", tag=TAG,
       body=SubscriptionIn, response=SubscriptionOut, auth=MEMBER)
def allow_messages(body: SubscriptionIn):
    if body.template not in TEMPLATES:
        raise BadRequest(f"未知的订阅消息模板：{body.template}", field="template")
    person = _me()
    key = (MemberSubscription.identity_id == person.id,
           MemberSubscription.template == body.template)
    if g.db.scalar(select(MemberSubscription.allowances).where(*key)) is None:
        try:
            with g.db.begin_nested():  # two taps at once: one inserts, both add below
                g.db.add(MemberSubscription(identity_id=person.id, template=body.template,
                                            allowances=0, updated_at=utcnow()))
        except IntegrityError:
            pass
    # Added in the database, so simultaneous reports never lose one.
    g.db.execute(update(MemberSubscription).where(*key).values(
        allowances=case((MemberSubscription.allowances + body.accepted > MAX_ALLOWANCES,
                         MAX_ALLOWANCES),
                        else_=MemberSubscription.allowances + body.accepted),
        updated_at=utcnow()))
    allowances = g.db.scalar(select(MemberSubscription.allowances).where(*key))
    return {"template": body.template, "allowances": allowances}
