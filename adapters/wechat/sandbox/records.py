"""What the sandbox keeps of each registered app: the records of what it was sent and
answered, plain data that the state (state.py) holds in memory and the state file (store.py)
writes to disk."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from .errors import WeChatError
from .settings import SandboxSettings
from .tokens import FAMILY_STABLE, FAMILY_TOKEN, TokenFamily

ACCOUNT_TYPES = ("subscription", "service", "miniprogram")
CHINA_UTC_OFFSET = 8 * 3600  # WeChat's quotas reset at midnight Beijing time.


@dataclass
class Faults:
    """Failures switched on through the admin routes; each count is used up call by call."""

    system_busy: int = 0
    token_storm: int = 0
    publish_fail: str | None = None
    latency_ms: int = 0
    drop_callbacks: int = 0

    def hit_call(self, takes_access_token: bool) -> None:
        """Raise the fault, if any, that the next call of this app meets."""
        if self.system_busy > 0:
            self.system_busy -= 1
            raise WeChatError(-1)
        if takes_access_token and self.token_storm > 0:
            self.token_storm -= 1
            raise WeChatError(40001)

    def take_publish_fail(self) -> str | None:
        planned, self.publish_fail = self.publish_fail, None
        return planned

    def take_drop_callback(self) -> bool:
        if self.drop_callbacks > 0:
            self.drop_callbacks -= 1
            return True
        return False

    def as_dict(self) -> dict[str, Any]:
        return {
            "system_busy": self.system_busy,
            "token_storm": self.token_storm,
            "publish_fail": self.publish_fail,
            "latency_ms": self.latency_ms,
            "drop_callbacks": self.drop_callbacks,
        }


@dataclass
class DailyQuotas:
    day: int = -1
    used: dict[str, int] = field(default_factory=dict)

    def take(self, name: str, limit: int, now: float, errcode: int = 45009) -> None:
        """Count one use of `name` today, or raise `errcode` if today's `limit` is reached."""
        today = int((now + CHINA_UTC_OFFSET) // 86400)
        if today != self.day:
            self.day, self.used = today, {}
        if self.used.get(name, 0) >= limit:
            raise WeChatError(errcode)
        self.used[name] = self.used.get(name, 0) + 1

    def clear(self) -> None:
        self.used = {}


@dataclass
class StoredImage:
    name: str
    url: str
    filename: str
    content_type: str
    data: bytes
    kind: str  # "uploadimg" or the material type

    def summary(self) -> dict[str, Any]:
        return {"url": self.url, "filename": self.filename, "size": len(self.data),
                "content_type": self.content_type, "kind": self.kind}


@dataclass
class Draft:
    media_id: str
    articles: list[dict[str, Any]]
    created_at: float
    # WeChat removes a draft from the draft box once it is published or mass-sent.
    removed_because: str | None = None


@dataclass
class PublishJob:
    publish_id: str
    msg_data_id: str
    media_id: str
    articles: list[dict[str, Any]]
    submitted_at: float
    planned_status: int = 0
    status: int = 1
    article_id: str | None = None
    article_urls: list[str] = field(default_factory=list)
    deleted_idx: set[int] = field(default_factory=set)
    fail_idx: list[int] = field(default_factory=list)
    finished_at: float | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "publish_id": self.publish_id,
            "msg_data_id": self.msg_data_id,
            "media_id": self.media_id,
            "status": self.status,
            "article_id": self.article_id,
            "articles": [
                {"idx": idx, "title": article.get("title"), "url": url,
                 "deleted": idx in self.deleted_idx}
                for idx, (article, url) in enumerate(
                    itertools.zip_longest(self.articles, self.article_urls), start=1)
            ],
            "fail_idx": self.fail_idx,
            "submitted_at": self.submitted_at,
            "finished_at": self.finished_at,
        }


@dataclass
class Tag:
    id: int
    name: str
    openids: set[str] = field(default_factory=set)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "count": len(self.openids),
                "openids": sorted(self.openids)}


@dataclass
class OneTimeCode:
    """A mini-program code (login or phone number), single use and short-lived."""

    code: str
    expires_at: float
    openid: str
    unionid: str | None = None
    phone: str | None = None
    country_code: str = "86"
    used: bool = False


@dataclass
class CallbackRecord:
    event: str
    key: str
    dropped: bool = False
    delivered: bool = False
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"event": self.event, "key": self.key, "dropped": self.dropped,
                "delivered": self.delivered, "attempts": list(self.attempts)}


@dataclass
class ArticleStats:
    """One sent article's figures as WeChat's datacube reports them: sent on `sent`, to
    `target_user` followers, and each day's own reads, shares and favourites."""

    msgid: str  # "{msg_data_id}_{index}", as the datacube names an article
    title: str
    sent: str  # YYYY-MM-DD, Beijing time
    target_user: int
    days: dict[str, dict[str, int]] = field(default_factory=dict)  # ref_date -> figures


@dataclass
class AppRecord:
    """One registered official account or mini-program and all it has done."""

    appid: str
    secret: str
    token: str
    encoding_aes_key: str | None
    callback_url: str | None
    account_type: str
    ghid: str
    token_families: dict[str, TokenFamily] = field(
        default_factory=lambda: {FAMILY_TOKEN: TokenFamily(), FAMILY_STABLE: TokenFamily()})
    faults: Faults = field(default_factory=Faults)
    quotas: DailyQuotas = field(default_factory=DailyQuotas)
    # Per-app daily limits set through the admin route (an account already out of quota).
    quota_limits: dict[str, int] = field(default_factory=dict)
    images: dict[str, StoredImage] = field(default_factory=dict)
    materials: dict[str, StoredImage] = field(default_factory=dict)
    drafts: dict[str, Draft] = field(default_factory=dict)
    publishes: dict[str, PublishJob] = field(default_factory=dict)
    deletions: list[dict[str, Any]] = field(default_factory=list)
    mass_sends: list[dict[str, Any]] = field(default_factory=list)
    mass_previews: list[dict[str, Any]] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    qrcodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # ticket -> scene
    tags: dict[int, Tag] = field(default_factory=dict)
    subscribe_allowances: dict[tuple[str, str], int] = field(default_factory=dict)
    subscribe_messages: list[dict[str, Any]] = field(default_factory=list)
    login_codes: dict[str, OneTimeCode] = field(default_factory=dict)
    phone_codes: dict[str, OneTimeCode] = field(default_factory=dict)
    logins: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[CallbackRecord] = field(default_factory=list)
    # The datacube's article figures, set through the admin route: msgid -> ArticleStats.
    article_stats: dict[str, ArticleStats] = field(default_factory=dict)

    def take_quota(self, settings: SandboxSettings, name: str, now: float,
                   errcode: int = 45009) -> None:
        """Count one call of a rationed API, with this app's own limit if it has one."""
        limit = self.quota_limits.get(name, settings.quota(name))
        self.quotas.take(name, limit, now, errcode)

    @property
    def safe_mode(self) -> bool:
        return bool(self.encoding_aes_key)

    def allowed_image_urls(self) -> set[str]:
        return {image.url for image in self.images.values()} | {
            material.url for material in self.materials.values()}

    def find_publish_by_article(self, article_id: str) -> PublishJob | None:
        for job in self.publishes.values():
            if job.article_id == article_id:
                return job
        return None

    def received(self) -> dict[str, Any]:
        """Everything this app received, for the sandbox's inspection route."""
        return {
            "appid": self.appid,
            "account_type": self.account_type,
            "ghid": self.ghid,
            "safe_mode": self.safe_mode,
            "callback_url": self.callback_url,
            "images": [image.summary() for image in self.images.values()],
            "materials": [{"media_id": media_id, **material.summary()}
                          for media_id, material in self.materials.items()],
            "drafts": [{"media_id": d.media_id, "articles": d.articles,
                        "created_at": d.created_at, "removed_because": d.removed_because}
                       for d in self.drafts.values()],
            "publishes": [job.summary() for job in self.publishes.values()],
            "deletions": list(self.deletions),
            "mass_sends": list(self.mass_sends),
            "mass_previews": list(self.mass_previews),
            "menus": list(self.menus),
            "qrcodes": [{"ticket": t, **q} for t, q in self.qrcodes.items()],
            "tags": [tag.summary() for tag in self.tags.values()],
            "subscribe_messages": list(self.subscribe_messages),
            "subscribe_allowances": [
                {"openid": openid, "template_id": template_id, "remaining": count}
                for (openid, template_id), count in self.subscribe_allowances.items()],
            "logins": list(self.logins),
            "callbacks": [callback.summary() for callback in self.callbacks],
            "quota_used": dict(self.quotas.used),
            "quota_limits": dict(self.quota_limits),
            "faults": self.faults.as_dict(),
        }


def default_ghid(appid: str) -> str:
    return "gh_" + hashlib.sha1(appid.encode()).hexdigest()[:12]  # noqa: S324 - an id, not security
