"""The WeChat official-account channel ("wechat"): one outlet per official account (its appid
as key, its credentials as the encrypted secret), one lane per app."""

from __future__ import annotations

import functools
import logging
import threading

import click
import requests

from adapters.wechat import credentials, demo, render
from adapters.wechat.client import HubWeChatClient
from adapters.wechat.embedded import EmbeddedSandbox
from adapters.wechat.inbox import Inbox
from adapters.wechat.miniapp import MiniProgram
from adapters.wechat.publisher import Publisher, media_reference
from adapters.wechat.records import Records
from adapters.wechat.settings import WeChatSettings
from adapters.wechat.tokens import DatabaseTokenStore, RedisTokenStore
from hub import crypto
from hub.accounts.models import Account
from hub.channels import CredentialsError, DeliveryJob, OutletInfo, PostSnapshot, Receipt
from hub.db import make_session_factory
from hub.errors import HubError
from hub.media.models import Media

log = logging.getLogger("adapters.wechat")
EXTERNAL_IMAGE_MAX_BYTES = 10 * 1024 * 1024

_sandboxes: dict[int, EmbeddedSandbox] = {}  # one embedded sandbox per port and process
_sandboxes_lock = threading.Lock()


class WeChatChannel:
    name = "wechat"
    migrations = "migrations/versions"  # its Alembic branch, beside this module
    label = "微信公众号"
    # Sends at once across all official accounts; each app's own lane is bounded by the
    # hub's HUB_LANE_CONCURRENCY, so one slow or failing account never takes them all.
    max_concurrency = 16
    updates_in_place = False  # a published article cannot be edited: new version, new article

    def __init__(self, settings: WeChatSettings | None = None):
        credentials.install_log_redaction()
        self.settings = settings or WeChatSettings.from_env()
        self.config = None
        self.sessions = None
        self.read_sessions = None
        self.tokens = None
        self.records: Records | None = None
        self.publisher = Publisher(self)
        self.inbox = Inbox(self)
        self.miniprogram = MiniProgram(self)

    # -- wiring --------------------------------------------------------------------------
    def attach(self, config, sessions) -> None:
        """The hub's configuration and sessions (the app factory and every Dispatcher)."""
        self.config, self.sessions = config, sessions
        # Reads that must not queue behind a writer (SQLite: BEGIN DEFERRED), e.g. while the
        # publishing request itself holds the write lock.
        self.read_sessions = make_session_factory(sessions.kw["bind"], read_only=True)
        self.records = Records(sessions)
        store_options = {"margin": self.settings.token_margin, "hold": self.settings.token_hold}
        if self.settings.redis_url:
            self.tokens = RedisTokenStore(self.settings.redis_url, config.secret(),
                                          **store_options)
        else:
            self.tokens = DatabaseTokenStore(sessions, config.secret(), **store_options)

    def api_base(self) -> str:
        if self.settings.api_base:
            return self.settings.api_base
        return self._sandbox().ensure_started()

    def _sandbox(self) -> EmbeddedSandbox:
        port = self.settings.sandbox_port
        with _sandboxes_lock:
            if port not in _sandboxes:
                _sandboxes[port] = EmbeddedSandbox(port)
            return _sandboxes[port]

    def client_for(self, outlet: OutletInfo) -> HubWeChatClient:
        if self.tokens is None:
            raise RuntimeError("WeChat channel used before attach(config, sessions)")
        try:
            creds = credentials.parse(outlet.secret, outlet.key)
        except credentials.CredentialsInvalid as exc:
            raise CredentialsError(str(exc)) from None
        base = self.api_base()
        if outlet.config.get("sandbox") and not self.settings.api_base:
            try:
                self._sandbox().register(
                    creds, f"{self.config.public_url}/wechat/callback/{creds.appid}")
            except requests.RequestException as exc:
                log.warning("could not register %s with the sandbox: %s", creds.appid,
                            type(exc).__name__)
        return HubWeChatClient(base, creds, self.tokens, timeout=self.settings.timeout)

    def outlet_info(self, outlet) -> OutletInfo:
        """An outlet row as adapters see it, credentials decrypted (for the menu command)."""
        secret = crypto.decrypt(self.config.secret(), outlet.secret_encrypted) \
            if outlet.secret_encrypted else None
        return OutletInfo(id=outlet.id, channel=outlet.channel, key=outlet.key,
                          name=outlet.name, account_code=outlet.account.code,
                          config=dict(outlet.config or {}), secret=secret)

    # -- the Channel port ----------------------------------------------------------------
    def lane(self, outlet: OutletInfo) -> str:
        return outlet.key  # the appid: one app's quota, token and faults are its own

    def article(self, post: PostSnapshot, outlet: OutletInfo) -> render.Article:
        return render.article_for(post, outlet, self._theme(outlet.account_code),
                                  self._miniprogram_appid(post))

    def _miniprogram_appid(self, post: PostSnapshot) -> str | None:
        if not post.campaign_path or self.config is None:
            return None
        try:
            return self.miniprogram.credentials().appid
        except HubError:  # no mini-program configured: the article links the landing page
            return None

    def render(self, post: PostSnapshot, outlet: OutletInfo) -> dict:
        article = self.article(post, outlet)
        return {
            "title": article.title, "author": article.author, "digest": article.digest,
            "content": article.content, "content_source_url": article.content_source_url,
            "theme_color": article.theme, "images": article.image_sources,
            "moved_links": [{"text": link.text, "href": link.href}
                            for link in article.moved_links],
            "cover": {"size": "x".join(map(str, render.THUMB_SIZE)), "format": "JPG ≤ 64 KB",
                      "crop_2.35_1": "0_0_1_1", "crop_1_1": render.square_crop()},
            "problems": render.problems(article, post.body),
        }

    def check(self, post: PostSnapshot, outlet: OutletInfo) -> list[str]:
        # Limits do not depend on the theme colour: no database read here.
        return render.problems(render.article_for(post, outlet), post.body)

    def deliver(self, job: DeliveryJob) -> Receipt:
        return self.publisher.deliver(job)

    def withdraw(self, job: DeliveryJob) -> None:
        self.publisher.withdraw(job)

    def blueprint(self):
        from adapters.wechat.callbacks import bp as callbacks
        from adapters.wechat.mp_views import bp as miniprogram_login

        return [callbacks, miniprogram_login]

    def load_demo(self, db, config) -> None:
        demo.load_demo(db, config)

    def cli_commands(self) -> list[click.Command]:
        from adapters.wechat.commands import wechat

        return [wechat]

    # -- what the publisher needs from the hub -------------------------------------------
    def _theme(self, account_code: str) -> str | None:
        if self.read_sessions is None:
            return None
        return _theme_of(self.read_sessions, account_code)

    def image_bytes(self, src: str) -> bytes | None:
        """An image's bytes: the hub's own media from the database, others over HTTP."""
        public_url = self.config.public_url if self.config else ""
        reference = media_reference(src, public_url)
        if reference is not None:
            return self._media_bytes(*reference)
        if src.startswith(("http://", "https://")):
            return _fetch(src)
        return None

    @functools.lru_cache(maxsize=64)  # noqa: B019 - media bytes never change under one id
    def _media_bytes(self, media_id: int, digest: str) -> bytes | None:
        with self.read_sessions() as db:
            media = db.get(Media, media_id)
            if media is None or not media.sha256.startswith(digest):
                return None
            return media.data


def _theme_of(sessions, account_code: str) -> str | None:
    from sqlalchemy import select

    with sessions() as db:
        return db.scalar(select(Account.theme_color).where(Account.code == account_code))


def _fetch(url: str) -> bytes | None:
    """An outside image, at most 10 MB; None if it cannot be had (it is then left out)."""
    try:
        with requests.get(url, timeout=(5, 15), stream=True) as answer:
            if answer.status_code != 200:
                return None
            data = answer.raw.read(EXTERNAL_IMAGE_MAX_BYTES + 1, decode_content=True)
    except requests.RequestException:
        return None
    return data if len(data) <= EXTERNAL_IMAGE_MAX_BYTES else None
