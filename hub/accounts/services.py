"""Reading and shaping the account tree: lookup, subtree, creating children, columns, profile;
and what an account configures beyond its columns: topics (专题) and links to local services
(本地服务, inherited down the tree)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.accounts.models import (
    LEVEL_TIER,
    Account,
    Column,
    HiddenServiceLink,
    Level,
    ServiceLink,
    Topic,
    TopicPost,
)
from hub.audit.services import record
from hub.db import utcnow
from hub.deliveries.models import PostReach
from hub.errors import BadRequest, Conflict, NotFound
from hub.media.models import Media
from hub.posts.models import Post

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
DEFAULT_COLUMNS = [("news", "工会要闻"), ("notice", "通知公告"), ("welfare", "会员福利"),
                   ("rights", "维权服务"), ("culture", "职工文化")]


def get_account(db: Session, code: str) -> Account:
    account = db.scalar(select(Account).where(Account.code == code))
    if account is None:
        raise NotFound(f"没有代码为 {code} 的账号", field="account")
    return account


def subtree(db: Session, account: Account) -> list[Account]:
    return list(db.scalars(
        select(Account).where(Account.path.startswith(account.path)).order_by(Account.path)))


def descendants(db: Session, account: Account) -> list[Account]:
    return [a for a in subtree(db, account) if a.id != account.id]


def all_accounts(db: Session) -> list[Account]:
    return list(db.scalars(select(Account).order_by(Account.path)))


def _check_level(parent: Account | None, level: str) -> None:
    try:
        level = Level(level)
    except ValueError:
        raise BadRequest(f"未知的层级 {level}", field="level") from None
    if parent is None:
        if level is not Level.province:
            raise BadRequest("只有省级账号可以没有上级", field="parent")
        return
    if LEVEL_TIER[level] <= LEVEL_TIER[Level(parent.level)]:
        raise BadRequest(f"{level.value} 不能建在 {parent.level} 之下", field="level")


def create_account(
    db: Session, *, code: str, name: str, level: str, parent: Account | None,
    region_code: str | None = None, actor=None, **profile,
) -> Account:
    """Create an account; it starts with a copy of its parent's columns (千家千面 from there)."""
    if not CODE.match(code):
        raise BadRequest("账号代码只能用小写字母、数字和横线，2 到 64 位", field="code")
    if db.scalar(select(Account.id).where(Account.code == code)) is not None:
        raise Conflict(f"账号代码 {code} 已被使用", field="code")
    _check_level(parent, level)
    account = Account(code=code, name=name, level=level, region_code=region_code,
                      parent=parent, path="", **profile)
    if parent is not None and "theme_color" not in profile:
        account.theme_color = parent.theme_color
    db.add(account)
    db.flush()
    account.path = (parent.path if parent else "/") + f"{account.id}/"
    source = [(c.slug, c.name) for c in parent.columns] if parent else DEFAULT_COLUMNS
    account.columns = [Column(slug=s, name=n, position=i) for i, (s, n) in enumerate(source)]
    db.flush()
    record(db, actor=actor, action="account.create", account_id=account.id,
           subject_type="account", subject_id=account.id, code=code, name=name)
    return account


def update_profile(db: Session, account: Account, changes: dict, *, actor) -> Account:
    for key, value in changes.items():
        setattr(account, key, value)
    record(db, actor=actor, action="account.update", account_id=account.id,
           subject_type="account", subject_id=account.id, fields=sorted(changes))
    return account


def replace_columns(db: Session, account: Account, columns: list[tuple[str, str]], *, actor):
    """Set the account's ordered columns; existing ones keep their id so posts keep their column."""
    slugs = [slug for slug, _ in columns]
    if len(set(slugs)) != len(slugs):
        raise BadRequest("栏目标识不能重复", field="columns")
    by_slug = {c.slug: c for c in account.columns}
    kept = []
    for position, (slug, name) in enumerate(columns):
        column = by_slug.get(slug) or Column(slug=slug)
        column.name, column.position = name, position
        kept.append(column)
    account.columns = kept
    db.flush()
    record(db, actor=actor, action="account.columns", account_id=account.id,
           subject_type="account", subject_id=account.id, columns=slugs)
    return account.columns


def column_by_slug(account: Account, slug: str) -> Column:
    for column in account.columns:
        if column.slug == slug:
            return column
    raise BadRequest(f"账号 {account.code} 没有栏目 {slug}", field="column")


# -- topics (专题) ----------------------------------------------------------------------------

# Who works on an account's topics; authors (and anyone with a grant) may read them.
TOPIC_EDITORS = ("reviewer", "admin")
READERS = ("author", "reviewer", "admin")
MAX_TOPIC_POSTS = 100


def topics_of(db: Session, account: Account) -> list[Topic]:
    """Every topic of the account, in its order (closed ones too)."""
    return list(db.scalars(select(Topic).where(Topic.account_id == account.id)
                           .order_by(Topic.position, Topic.id)))


def get_topic(db: Session, account: Account, topic_id: int) -> Topic:
    topic = db.get(Topic, topic_id)
    if topic is None or topic.account_id != account.id:
        raise NotFound(f"账号 {account.code} 没有编号为 {topic_id} 的专题", field="topic")
    return topic


def topic_is_showing(topic: Topic, now: dt.datetime | None = None) -> bool:
    """Members see a topic that is not closed, inside its window."""
    now = now or utcnow()
    return (topic.closed_at is None
            and (topic.starts_at is None or topic.starts_at <= now)
            and (topic.ends_at is None or now < topic.ends_at))


def showing_topics(db: Session, account: Account) -> list[Topic]:
    now = utcnow()
    return [t for t in topics_of(db, account) if topic_is_showing(t, now)]


def _check_topic(db: Session, account: Account, fields: dict) -> None:
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise BadRequest("结束时间应晚于开始时间", field="ends_at")
    media_id = fields.get("cover_media_id")
    if media_id is not None:
        media = db.get(Media, media_id)
        if media is None or media.account_id not in account.ancestor_ids():
            raise BadRequest(f"封面图片 {media_id} 不存在或不属于本账号",
                             field="cover_media_id")


def create_topic(db: Session, account: Account, fields: dict, *, actor) -> Topic:
    """A new topic, last in the account's order; `fields`: title, summary, cover_media_id,
    starts_at, ends_at (UTC)."""
    _check_topic(db, account, fields)
    last = db.scalar(select(func.max(Topic.position)).where(Topic.account_id == account.id))
    topic = Topic(account_id=account.id, position=(last or 0) + 1, **fields)
    db.add(topic)
    db.flush()
    _audit_topic(db, topic, "create", actor, title=topic.title)
    return topic


def update_topic(db: Session, topic: Topic, changes: dict, *, actor) -> Topic:
    merged = {name: getattr(topic, name) for name in ("starts_at", "ends_at")} | changes
    _check_topic(db, topic.account, merged)
    for name, value in changes.items():
        setattr(topic, name, value)
    topic.updated_at = utcnow()
    _audit_topic(db, topic, "update", actor, fields=sorted(changes))
    return topic


def close_topic(db: Session, topic: Topic, closed: bool, *, actor) -> Topic:
    """Close a topic (off every page at once) or reopen it."""
    topic.closed_at = utcnow() if closed else None
    topic.updated_at = utcnow()
    _audit_topic(db, topic, "close" if closed else "reopen", actor)
    return topic


def reorder_topics(db: Session, account: Account, topic_ids: list[int], *, actor) -> list[Topic]:
    """Put the account's topics in this order; every topic of the account, each once."""
    topics = {t.id: t for t in topics_of(db, account)}
    if sorted(topic_ids) != sorted(topics):
        raise BadRequest("排序须列出本账号的全部专题，每个一次", field="topics")
    for position, topic_id in enumerate(topic_ids, start=1):
        topics[topic_id].position = position
    record(db, actor=actor, action="account.topic.reorder", account_id=account.id,
           subject_type="account", subject_id=account.id, topics=topic_ids)
    return topics_of(db, account)


def _eligible_post_ids(db: Session, account: Account, post_ids: list[int]) -> set[int]:
    """Of these, the posts a topic of `account` may hold: its own (not withdrawn) and those
    pushed down to it (下发)."""
    own = select(Post.id).where(Post.id.in_(post_ids), Post.account_id == account.id,
                                Post.state != "withdrawn")
    pushed = select(PostReach.post_id).where(PostReach.post_id.in_(post_ids),
                                             PostReach.account_id == account.id,
                                             PostReach.pushed.is_(True))
    return set(db.scalars(own)) | set(db.scalars(pushed))


def set_topic_posts(db: Session, topic: Topic, post_ids: list[int], *, actor) -> Topic:
    """The topic's posts, in this order (the first shown first)."""
    if len(set(post_ids)) != len(post_ids):
        raise BadRequest("同一篇稿件不能在专题里出现两次", field="posts")
    if len(post_ids) > MAX_TOPIC_POSTS:
        raise BadRequest(f"一个专题最多 {MAX_TOPIC_POSTS} 篇稿件", field="posts")
    refused = [i for i in post_ids if i not in _eligible_post_ids(db, topic.account, post_ids)]
    if refused:
        raise BadRequest("这些稿件不属于本账号，也不是上级下发给本账号的："
                         + "、".join(map(str, refused)), field="posts")
    topic.entries = [TopicPost(post_id=post_id, position=position)
                     for position, post_id in enumerate(post_ids, start=1)]
    topic.updated_at = utcnow()
    db.flush()
    _audit_topic(db, topic, "posts", actor, posts=post_ids)
    return topic


def topic_posts(db: Session, topic: Topic, *, published_only: bool) -> list[Post]:
    """The topic's posts in its order; for members, only those published now."""
    query = (select(Post).join(TopicPost, TopicPost.post_id == Post.id)
             .where(TopicPost.topic_id == topic.id).order_by(TopicPost.position))
    if published_only:
        query = query.where(Post.state == "published")
    return list(db.scalars(query))


def topic_candidates(db: Session, account: Account, limit: int = 100) -> list[Post]:
    """Posts an editor may put in the account's topics, newest first: its own (not withdrawn)
    and those pushed down to it."""
    pushed = select(PostReach.post_id).where(PostReach.account_id == account.id,
                                             PostReach.pushed.is_(True))
    query = (select(Post).where(Post.state != "withdrawn")
             .where((Post.account_id == account.id) | Post.id.in_(pushed))
             .order_by(Post.id.desc()).limit(limit))
    return list(db.scalars(query))


def _audit_topic(db: Session, topic: Topic, what: str, actor, **detail) -> None:
    record(db, actor=actor, action=f"account.topic.{what}", account_id=topic.account_id,
           subject_type="topic", subject_id=topic.id, **detail)


# -- service links (本地服务) -----------------------------------------------------------------

# The icons an admin chooses from (the mini-program and the site draw their own picture of
# each); the label says what it is for, the glyph is what the site shows.
LINK_ICONS = {
    "legal": ("法律援助", "法"), "books": ("职工书屋", "书"), "help": ("困难帮扶", "帮"),
    "jobs": ("就业服务", "业"), "health": ("健康服务", "康"), "training": ("技能培训", "训"),
    "tickets": ("优惠票务", "票"), "childcare": ("托管服务", "托"), "home": ("职工之家", "家"),
    "service": ("综合服务", "服"),
}
LINK_KINDS = {"web": "网页（H5）", "miniprogram": "小程序页面"}
MP_APPID = re.compile(r"^wx[0-9a-f]{16}$")
MP_PATH = re.compile(r"^/?[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*(\?[A-Za-z0-9_\-.=&%]*)?$")
HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9\-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]*"
                  r"[A-Za-z0-9])?)+(:\d{1,5})?$")
LINK_FIELDS = ("name", "icon", "kind", "url", "mp_appid", "mp_path", "enabled")
MAX_LINKS = 30


@dataclass(frozen=True)
class ShownLink:
    """A link as an account's pages show it: its own or inherited from `owner` above."""

    link: ServiceLink
    owner: Account
    inherited: bool
    hidden: bool


def _check_url(url: str | None) -> str:
    url = (url or "").strip()
    if not url:
        raise BadRequest("请填写服务的网址（以 https:// 开头）", field="url")
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise BadRequest("网址须以 https:// 开头（不接受 http:// 等其他地址）", field="url")
    if not HOST.match(parts.netloc) or any(c.isspace() for c in url):
        raise BadRequest("网址格式不对，应形如 https://example.cn/page", field="url")
    return url


def _check_link(fields: dict) -> dict:
    """The link's fields checked and tidied; the target that does not fit its kind is
    cleared, so a link is either a web page or a mini-program page, never both."""
    name = (fields.get("name") or "").strip()
    if not 1 <= len(name) <= 20:
        raise BadRequest("服务名称请填写 1 到 20 个字", field="name")
    if fields.get("icon") not in LINK_ICONS:
        raise BadRequest("请从给定的图标中选择一个", field="icon")
    kind = fields.get("kind")
    checked = {"name": name, "icon": fields["icon"], "kind": kind,
               "url": None, "mp_appid": None, "mp_path": None}
    if kind == "web":
        checked["url"] = _check_url(fields.get("url"))
    elif kind == "miniprogram":
        path = (fields.get("mp_path") or "").strip()
        if not MP_PATH.match(path) or len(path) > 200:
            raise BadRequest("小程序页面路径格式不对，应形如 pages/service/index",
                             field="mp_path")
        appid = (fields.get("mp_appid") or "").strip() or None
        if appid is not None and not MP_APPID.match(appid):
            raise BadRequest("小程序 AppID 格式不对，应为 wx 加 16 位字母数字", field="mp_appid")
        checked["mp_path"], checked["mp_appid"] = path, appid
    else:
        raise BadRequest("链接类型只能是网页（web）或小程序页面（miniprogram）", field="kind")
    if "enabled" in fields:
        checked["enabled"] = bool(fields["enabled"])
    return checked


def own_links(db: Session, account: Account) -> list[ServiceLink]:
    return list(db.scalars(select(ServiceLink).where(ServiceLink.account_id == account.id)
                           .order_by(ServiceLink.position, ServiceLink.id)))


def get_link(db: Session, link_id: int) -> ServiceLink:
    link = db.get(ServiceLink, link_id)
    if link is None:
        raise NotFound(f"没有编号为 {link_id} 的服务链接", field="link")
    return link


def own_link(db: Session, account: Account, link_id: int) -> ServiceLink:
    link = get_link(db, link_id)
    if link.account_id != account.id:
        raise NotFound(f"账号 {account.code} 没有编号为 {link_id} 的服务链接", field="link")
    return link


def create_link(db: Session, account: Account, fields: dict, *, actor) -> ServiceLink:
    checked = _check_link(fields)
    if len(own_links(db, account)) >= MAX_LINKS:
        raise BadRequest(f"一个账号最多 {MAX_LINKS} 个服务链接", field="links")
    last = db.scalar(select(func.max(ServiceLink.position))
                     .where(ServiceLink.account_id == account.id))
    link = ServiceLink(account_id=account.id, position=(last or 0) + 1, **checked)
    db.add(link)
    db.flush()
    _audit_link(db, account, link, "create", actor, name=link.name, kind=link.kind)
    return link


def update_link(db: Session, link: ServiceLink, changes: dict, *, actor) -> ServiceLink:
    current = {name: getattr(link, name) for name in LINK_FIELDS}
    checked = _check_link(current | changes)
    for name, value in checked.items():
        setattr(link, name, value)
    link.updated_at = utcnow()
    _audit_link(db, link.account, link, "update", actor, fields=sorted(changes))
    return link


def delete_link(db: Session, link: ServiceLink, *, actor) -> None:
    _audit_link(db, link.account, link, "delete", actor, name=link.name)
    db.delete(link)
    db.flush()


def reorder_links(db: Session, account: Account, link_ids: list[int], *, actor
                  ) -> list[ServiceLink]:
    links = {link.id: link for link in own_links(db, account)}
    if sorted(link_ids) != sorted(links):
        raise BadRequest("排序须列出本账号自己的全部服务链接，每个一次", field="links")
    for position, link_id in enumerate(link_ids, start=1):
        links[link_id].position = position
    record(db, actor=actor, action="account.link.reorder", account_id=account.id,
           subject_type="account", subject_id=account.id, links=link_ids)
    return own_links(db, account)


def hide_link(db: Session, account: Account, link: ServiceLink, hidden: bool, *, actor) -> None:
    """An account hides (or shows again) a link it inherits from above; accounts beneath it
    follow."""
    owner = link.account
    if owner.id == account.id or not account.is_within(owner):
        raise BadRequest("只能隐藏从上级继承的服务链接；自己的链接请停用或删除", field="link")
    key = (account.id, link.id)
    existing = db.get(HiddenServiceLink, key)
    if hidden and existing is None:
        db.add(HiddenServiceLink(account_id=account.id, link_id=link.id))
    elif not hidden and existing is not None:
        db.delete(existing)
    db.flush()
    _audit_link(db, account, link, "hide" if hidden else "show", actor, owner=owner.code)


def links_for(db: Session, account: Account, *, shown_only: bool = True) -> list[ShownLink]:
    """The account's links as its pages show them: those of the accounts above first (the
    province's, then the city's…), then its own, each in its owner's order. A link hidden
    by the account or by any account between it and the link's owner is left out (or, with
    `shown_only=False`, marked hidden); a link switched off by its owner is left out
    below it, and marked on the owner's own list."""
    chain = account.ancestor_ids()
    owners = {a.id: a for a in db.scalars(select(Account).where(Account.id.in_(chain)))}
    links = db.scalars(select(ServiceLink).where(ServiceLink.account_id.in_(chain))).all()
    hides = db.execute(select(HiddenServiceLink.link_id, HiddenServiceLink.account_id)
                       .where(HiddenServiceLink.account_id.in_(chain))).all()
    depth = {account_id: index for index, account_id in enumerate(chain)}
    hidden_at: dict[int, list[int]] = {}
    for link_id, hider in hides:
        hidden_at.setdefault(link_id, []).append(depth[hider])
    shown = []
    for link in sorted(links, key=lambda x: (depth[x.account_id], x.position, x.id)):
        inherited = link.account_id != account.id
        if inherited and not link.enabled:
            continue
        hidden = any(at > depth[link.account_id] for at in hidden_at.get(link.id, []))
        if shown_only and (hidden or not link.enabled):
            continue
        shown.append(ShownLink(link, owners[link.account_id], inherited, hidden))
    return shown


def link_target(link: ServiceLink) -> str:
    """Where the link goes, in one line: its https address, or the mini-program page."""
    if link.kind == "web":
        return link.url or ""
    return f"{link.mp_appid or '本小程序'}:{link.mp_path}"


def _audit_link(db: Session, account: Account, link: ServiceLink, what: str, actor,
                **detail) -> None:
    record(db, actor=actor, action=f"account.link.{what}", account_id=account.id,
           subject_type="service_link", subject_id=link.id, **detail)
