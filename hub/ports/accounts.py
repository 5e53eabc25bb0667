"""What adapters may read from (and ask of) the core, and nothing else.

An adapter imports `hub.channels`, `hub.ports`, `hub.api`, `hub.errors`, `hub.clock` and
`hub.config`; never a hub model or service (`make lint` checks it). Everything here takes a
session the adapter opened from its context and hands back plain, frozen values: an adapter
can keep them, log them (no secrets in them but `OutletInfo.secret`), and never writes the
core's rows through them. What the core does on an adapter's behalf (binding its outlets,
confirming a delivery, auditing) is a function here too, so its rules stay in one place.

Sections: schema building blocks; accounts; outlets; posts and media; people; KPIs; pull
helpers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import crypto
from hub.accounts import services as _accounts
from hub.accounts.models import Account as _Account
from hub.audit.services import record as _record
from hub.channels import MediaRef, OutletInfo, PostSnapshot
from hub.db import Base, UTCDateTime, utcnow  # noqa: F401  (adapters declare tables with these)
from hub.errors import NotFound
from hub.media import blobs  # noqa: F401  (content-addressed bytes: screen and splash files)
from hub.media.models import Media as _Media
from hub.mp.profiles import ProfileOut as MemberProfileOut  # noqa: F401  (its OpenAPI shape)
from hub.outbound import send  # noqa: F401  (calling an outlet over HTTP, failures classified)
from hub.outlets import services as _outlets
from hub.outlets.models import Outlet as _Outlet
from hub.pull import batches, conditional, lean  # noqa: F401  (what pull outlets share)
from hub.pull.conditional import LruCache, root_of  # noqa: F401
from hub.pull.lean import Unavailable, raw_query  # noqa: F401
from hub.pull.store import Store  # noqa: F401

# -- accounts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnInfo:
    slug: str
    name: str


@dataclass(frozen=True)
class AccountInfo:
    """A union account as outlets show it (its site, its screens' corner, its menu)."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str  # "/1/4/17/": ancestors' ids and its own
    region_code: str | None
    short_name: str | None
    logo_url: str | None
    theme_color: str
    intro: str
    created_at: dt.datetime
    columns: tuple[ColumnInfo, ...]  # in the account's order

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_within(self, other: AccountInfo) -> bool:
        return self.path.startswith(other.path)


def _account_info(row: _Account) -> AccountInfo:
    return AccountInfo(id=row.id, code=row.code, name=row.name, level=row.level,
                       parent_id=row.parent_id, path=row.path, region_code=row.region_code,
                       short_name=row.short_name, logo_url=row.logo_url,
                       theme_color=row.theme_color, intro=row.intro or "",
                       created_at=row.created_at,
                       columns=tuple(ColumnInfo(c.slug, c.name) for c in row.columns))


def account(db: Session, code: str) -> AccountInfo:
    """The account with this code; NotFound (a 404 in Chinese) when there is none."""
    return _account_info(_accounts.get_account(db, code))


def find_account(db: Session, code: str) -> AccountInfo | None:
    row = db.scalar(select(_Account).where(_Account.code == code))
    return _account_info(row) if row is not None else None


def account_by_id(db: Session, account_id: int) -> AccountInfo | None:
    row = db.get(_Account, account_id)
    return _account_info(row) if row is not None else None


def accounts_by_id(db: Session, ids: set[int]) -> dict[int, AccountInfo]:
    if not ids:
        return {}
    return {row.id: _account_info(row)
            for row in db.scalars(select(_Account).where(_Account.id.in_(ids)))}


def all_accounts(db: Session) -> list[AccountInfo]:
    """Every account, parents before their children."""
    return [_account_info(row) for row in _accounts.all_accounts(db)]


def children(db: Session, account_id: int) -> list[AccountInfo]:
    rows = db.scalars(select(_Account).where(_Account.parent_id == account_id)
                      .order_by(_Account.region_code, _Account.code))
    return [_account_info(row) for row in rows]


def descendants(db: Session, code: str) -> list[AccountInfo]:
    """Every account beneath this one (not itself), parents before children."""
    below = _accounts.descendants(db, _accounts.get_account(db, code))
    return [_account_info(row) for row in below]


def subtree_ids(db: Session, code: str) -> list[int]:
    """The ids of the account and everything beneath it."""
    root = _accounts.get_account(db, code)
    return list(db.scalars(select(_Account.id).where(_Account.path.startswith(root.path))))


@dataclass(frozen=True)
class TopicInfo:
    """A topic (专题) an account shows now: its posts in the editors' order (whatever their
    state: an outlet shows those it has live)."""

    id: int
    title: str
    summary: str
    cover_url: str | None  # the hub's own media address, or None
    ends_at: dt.datetime | None
    post_ids: tuple[int, ...]


@dataclass(frozen=True)
class ServiceLinkInfo:
    """A link to a local service (本地服务) an account shows: its own or one from above.
    `kind` "web" opens `url` (https); "miniprogram" opens `mp_path` in the mini-program
    `mp_appid` (None: 粤工惠's own)."""

    id: int
    name: str
    icon: str
    glyph: str  # one character that stands for the icon where no picture is drawn
    kind: str
    url: str | None
    mp_appid: str | None
    mp_path: str | None
    from_above: bool


def account_topics(db: Session, code: str) -> list[TopicInfo]:
    """The account's topics open now (not closed, inside their window), in its order."""
    from hub.members.feed import media_url

    account = _accounts.get_account(db, code)
    topics = []
    for topic in _accounts.showing_topics(db, account):
        cover = db.get(_Media, topic.cover_media_id) if topic.cover_media_id else None
        topics.append(TopicInfo(
            id=topic.id, title=topic.title, summary=topic.summary,
            cover_url=media_url(cover.id, cover.sha256) if cover else None,
            ends_at=topic.ends_at, post_ids=tuple(e.post_id for e in topic.entries)))
    return topics


def service_links(db: Session, code: str) -> list[ServiceLinkInfo]:
    """The links the account shows: from the accounts above first, then its own."""
    return [ServiceLinkInfo(
        id=s.link.id, name=s.link.name, icon=s.link.icon,
        glyph=_accounts.LINK_ICONS.get(s.link.icon, ("", "服"))[1], kind=s.link.kind,
        url=s.link.url, mp_appid=s.link.mp_appid, mp_path=s.link.mp_path,
        from_above=s.inherited) for s in _accounts.links_for(db, _accounts.get_account(db, code))]


# -- outlets ---------------------------------------------------------------------------------


def outlets(db: Session, channel: str, *, key: str | None = None,
            account_ids: list[int] | None = None, hub_secret: str | None = None,
            enabled_only: bool = True) -> list[OutletInfo]:
    """A channel's outlets, oldest first; with `hub_secret`, their credentials decrypted."""
    query = select(_Outlet).where(_Outlet.channel == channel)
    if key is not None:
        query = query.where(_Outlet.key == key)
    if account_ids is not None:
        query = query.where(_Outlet.account_id.in_(account_ids))
    if enabled_only:
        query = query.where(_Outlet.enabled.is_(True))
    return [_outlets.outlet_info(row, hub_secret) for row in db.scalars(query.order_by(_Outlet.id))]


def outlet(db: Session, outlet_id: int, *, hub_secret: str | None = None) -> OutletInfo | None:
    row = db.get(_Outlet, outlet_id)
    return _outlets.outlet_info(row, hub_secret) if row is not None else None


def outlet_keys(db: Session, channel: str) -> set[str]:
    return set(db.scalars(select(_Outlet.key).where(_Outlet.channel == channel)))


def accounts_with_outlets(db: Session, channel: str, codes: list[str] | None = None
                          ) -> list[AccountInfo]:
    """Accounts that have an enabled outlet of this channel, parents before children."""
    query = (select(_Account).join(_Outlet, _Outlet.account_id == _Account.id)
             .where(_Outlet.channel == channel, _Outlet.enabled.is_(True)))
    if codes is not None:
        query = query.where(_Account.code.in_(codes))
    rows = db.scalars(query.order_by(_Account.path)).unique().all()
    return [_account_info(row) for row in rows]


def outlet_where_config(db: Session, channel: str, name: str, value: str) -> OutletInfo | None:
    """The oldest enabled outlet of a channel whose config has `name` == value (a site's
    custom domain, say)."""
    row = db.scalar(select(_Outlet).where(_Outlet.channel == channel, _Outlet.enabled.is_(True),
                                          _Outlet.config[name].as_string() == value)
                    .order_by(_Outlet.id).limit(1))
    return _outlets.outlet_info(row) if row is not None else None


def bind_outlet(db: Session, account_code: str, *, channel: str, key: str, name: str,
                config: dict | None = None, secret: str | None = None, hub_secret: str = "",
                actor=None) -> OutletInfo:
    """Bind a new outlet of `channel` to the account (audited); Conflict if the key is taken."""
    row = _outlets.bind_outlet(db, _accounts.get_account(db, account_code), channel=channel,
                               key=key, name=name, config=config, secret=secret,
                               hub_secret=hub_secret, actor=actor)
    return _outlets.outlet_info(row)


def set_outlet_config(db: Session, outlet_id: int, config: dict) -> None:
    """Replace an outlet's (non-secret) settings, e.g. what a screen group holds."""
    row = db.get(_Outlet, outlet_id)
    if row is None:
        raise NotFound(f"没有编号为 {outlet_id} 的终端", field="outlet")
    row.config = dict(config)


# -- posts and media -------------------------------------------------------------------------


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


# -- people ----------------------------------------------------------------------------------


def require_role(db: Session, user, account_code: str, *roles: str) -> frozenset[str]:
    """The user's roles on the account (or above it); Forbidden, in Chinese, unless one of
    `roles` is among them. `user` is the editor a route's auth found (`g.user`)."""
    from hub.users.permissions import require_role as _require_role

    return _require_role(db, user, _accounts.get_account(db, account_code), *roles)


def roles_of(db: Session, user, account_code: str) -> frozenset[str]:
    """The roles the user holds on the account (or above it), none refused: what a page
    offers (an admin's forms) depends on them."""
    from hub.users.permissions import roles_on

    return roles_on(db, user, _accounts.get_account(db, account_code))


def bearer_editor(db: Session):
    """The editor the request's `Authorization: Bearer` token names; Unauthorized otherwise
    (for the few routes outside `hub.api.route`, e.g. a preview picture)."""
    from hub.users.services import current_user_from_request

    return current_user_from_request(db)


def require_editor(db: Session, account_code: str, *roles: str):
    """The editor the request's bearer token names, if they hold one of `roles` on the
    account (or above it): Unauthorized / Forbidden otherwise, in Chinese."""
    from hub.users.permissions import require_role
    from hub.users.services import current_user_from_request

    user = current_user_from_request(db)
    require_role(db, user, _accounts.get_account(db, account_code), *roles)
    return user


def sign_in_member(db: Session, config, openid: str, unionid: str | None = None) -> dict:
    """A member the mini-program's login identified (by WeChat's openid): their session
    token, how long it lasts, and their profile as `/mp/v1/me` shows it."""
    from hub.members import identity, sessions, verification
    from hub.mp.profiles import profile

    person = verification.sign_in(db, openid, unionid=unionid)
    return {"token": sessions.issue(config.secret(), person.id, person.openid),
            "expires_in": sessions.MAX_AGE_SECONDS,
            "profile": profile(db, person, identity.IdKeys.from_config(config))}


def member_phone(db: Session, config, member, phone: str) -> dict:
    """The signed-in member (`g.member`) shared their phone number: their new profile."""
    from hub.errors import Unauthorized
    from hub.members import identity, verification
    from hub.members.models import MemberIdentity
    from hub.mp.profiles import profile

    person = db.get(MemberIdentity, member.identity_id)
    if person is None or person.openid != member.openid:
        raise Unauthorized("会员登录凭证无效")
    verification.sign_in(db, person.openid, phone=phone)
    return profile(db, person, identity.IdKeys.from_config(config))


def notifiable_followers(db: Session, account_code: str, template: str, *,
                         told=None) -> list[tuple[int, str]]:
    """(identity id, openid) of the members who follow the account and allowed one more
    subscribe message of `template`; `told`, a select of identity ids, leaves those out."""
    from hub.members.models import MemberFollow, MemberIdentity, MemberSubscription

    query = (select(MemberIdentity.id, MemberIdentity.openid)
             .join(MemberFollow, MemberFollow.identity_id == MemberIdentity.id)
             .join(_Account, _Account.id == MemberFollow.account_id)
             .join(MemberSubscription, MemberSubscription.identity_id == MemberIdentity.id)
             .where(_Account.code == account_code, MemberSubscription.template == template,
                    MemberSubscription.allowances > 0)
             .order_by(MemberIdentity.id))
    if told is not None:
        query = query.where(MemberIdentity.id.not_in(told))
    return [(row.id, row.openid) for row in db.execute(query)]


def allowances_left(db: Session, identity_id: int, template: str) -> int:
    """How many more subscribe messages of `template` the member allowed."""
    from hub.members.models import MemberSubscription

    return db.scalar(select(MemberSubscription.allowances).where(
        MemberSubscription.identity_id == identity_id,
        MemberSubscription.template == template)) or 0


def use_allowance(db: Session, identity_id: int, template: str, *, refused: bool) -> None:
    """A message was sent (one allowance used) or WeChat refused it (none left: the member
    withdrew it or used it elsewhere). In the caller's transaction."""
    from sqlalchemy import update

    from hub.members.models import MemberSubscription

    left = 0 if refused else MemberSubscription.allowances - 1
    db.execute(update(MemberSubscription).where(
        MemberSubscription.identity_id == identity_id, MemberSubscription.template == template,
        MemberSubscription.allowances > 0).values(allowances=left, updated_at=utcnow()))


def course_reminders(sessions) -> list[dict]:
    """Members to remind of a course starting soon, each handed out once (see
    `hub.campaigns.schedule.course_reminders`); hand back a failed one with
    `reminder_not_sent`."""
    from hub.campaigns import schedule

    return schedule.course_reminders(sessions)


def reminder_not_sent(sessions, claim_id: int) -> bool:
    from hub.campaigns import schedule

    return schedule.reminder_not_sent(sessions, claim_id)


def audit(db: Session, *, actor, action: str, account_id: int | None, subject_type: str,
          subject_id: int | None, **detail) -> None:
    """Record who changed what, in the caller's transaction. Never pass secrets."""
    _record(db, actor=actor, action=action, account_id=account_id, subject_type=subject_type,
            subject_id=subject_id, **detail)


def encrypt(hub_secret: str, plaintext: str) -> str:
    """Credentials at rest (access tokens, device secrets), with the hub's key."""
    return crypto.encrypt(hub_secret, plaintext)


def decrypt(hub_secret: str, token: str) -> str:
    return crypto.decrypt(hub_secret, token)


# -- migrations: an outlet's settings for posts, once in its own table ------------------------


def move_options_into_posts(bind, table: str, channel: str) -> None:
    """An adapter's migration: copy its `table` (post_id, settings) into
    `posts.outlet_options[channel]`, where the settings now travel with the post's words."""
    import sqlalchemy as sa

    options = sa.table(table, sa.column("post_id", sa.Integer), sa.column("settings", sa.JSON))
    posts = sa.table("posts", sa.column("id", sa.Integer), sa.column("outlet_options", sa.JSON))
    for post_id, settings in bind.execute(sa.select(options.c.post_id, options.c.settings)):
        current = bind.scalar(sa.select(posts.c.outlet_options).where(posts.c.id == post_id))
        merged = dict(current or {}) | {channel: settings or {}}
        bind.execute(posts.update().where(posts.c.id == post_id).values(outlet_options=merged))


def move_options_out_of_posts(bind, table: str, channel: str) -> None:
    """Its downgrade: the adapter's table again, filled from `posts.outlet_options`."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        table, sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f(f"fk_{table}_post_id_posts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id", name=op.f(f"pk_{table}")))
    options = sa.table(table, sa.column("post_id", sa.Integer), sa.column("settings", sa.JSON),
                       sa.column("updated_at", UTCDateTime))
    posts = sa.table("posts", sa.column("id", sa.Integer), sa.column("outlet_options", sa.JSON))
    for post_id, outlet_options in bind.execute(sa.select(posts.c.id, posts.c.outlet_options)):
        if (outlet_options or {}).get(channel):
            bind.execute(options.insert().values(post_id=post_id,
                                                 settings=outlet_options[channel],
                                                 updated_at=utcnow()))


# -- KPIs: what outlets saw, counted for their accounts (hub.kpis) -----------------------------


def count_kpis(db: Session, metric: str, account_id: int, times) -> None:
    """Events of one account's outlet at `times` (e.g. `"led_plays"` of a screen), added to
    that day's KPI of the account and of every account above it, in the caller's transaction
    (count them where a resent batch is already refused, so each counts once)."""
    from hub.kpis import counting

    counting.count_events(db, metric, account_id, times)


def count_outlet_kpis(db: Session, events) -> None:
    """Events as (outlet id, metric, when), e.g. `"splash_impressions"`, counted for each
    outlet's account like `count_kpis`; an event with outlet None is not counted."""
    from hub.kpis import counting

    counting.count_outlet_events(db, events)


def report_outlet_reads(db: Session, outlet_id: int, day, reads: int) -> int:
    """An outlet's own count of a day's reads (e.g. WeChat's article figures, pulled the next
    day), added to the reads of its account and those above; reporting a day again replaces
    its figure (idempotent). In the caller's transaction; returns what changed."""
    from hub.kpis import counting

    return counting.record_outlet_reads(db, outlet_id, day, reads)


def outlet_reads_reported(db: Session, outlet_id: int, day) -> bool:
    """Whether the outlet's reads of `day` were reported already (a daily pull's check)."""
    from hub.kpis import counting

    return counting.outlet_reads_recorded(db, outlet_id, day)


def count_site_read(account_id: int) -> None:
    """The current request is a visit to a post page of `account_id`'s site: a read, if a
    reader (not a robot, by the rule in `hub.kpis.counting`) made it. Written on its own."""
    from hub.kpis import counting

    counting.count_site_read(account_id)
