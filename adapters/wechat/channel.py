"""The WeChat official-account channel ("wechat"): one outlet per official account (its appid
as key, its credentials as the encrypted secret), one lane per app."""

from __future__ import annotations

import functools
import logging
import threading
from urllib.parse import urlsplit

import click
import requests

from adapters.wechat import credentials, demo, render
from adapters.wechat.article_reads import ArticleReads
from adapters.wechat.client import HubWeChatClient
from adapters.wechat.embedded import EmbeddedSandbox, sandbox_state_file
from adapters.wechat.errors import WeChatNotConfigured
from adapters.wechat.inbox import Inbox
from adapters.wechat.miniapp import MiniProgram
from adapters.wechat.publisher import Publisher
from adapters.wechat.records import Records
from adapters.wechat.settings import WECHAT_API, WeChatSettings
from adapters.wechat.tokens import DatabaseTokenStore, RedisTokenStore
from hub import ports
from hub.channels import (
    Channel,
    ChannelContext,
    ConsolePage,
    CredentialsError,
    DeliveryJob,
    DesignedForm,
    OutletInfo,
    PostSnapshot,
    Receipt,
)
from hub.errors import HubError

log = logging.getLogger("adapters.wechat")
EXTERNAL_IMAGE_MAX_BYTES = 10 * 1024 * 1024

# One embedded sandbox per port (and state file) and process.
_sandboxes: dict[tuple[int, str], EmbeddedSandbox] = {}
_sandboxes_lock = threading.Lock()


class WeChatChannel(Channel):
    name = "wechat"
    migrations = "migrations/versions"  # its Alembic branch, beside this module
    label = render.LABEL  # its problems name the compose form's fields after it
    # Sends at once across all official accounts; each app's own lane is bounded by the
    # hub's HUB_LANE_CONCURRENCY, so one slow or failing account never takes them all.
    max_concurrency = 16
    updates_in_place = False  # a published article cannot be edited: new version, new article
    preview_frame = "phone"
    campaign_links = True
    json_prefixes = ("/wechat/",)
    audit_actions = {"wechat.": "微信公众号", "wechat.menu.push": "推送公众号菜单"}
    audit_words = {"outlets": "公众号"}

    def __init__(self, settings: WeChatSettings | None = None):
        super().__init__()
        credentials.install_log_redaction()
        self.config = None
        self.sessions = None
        self.read_sessions = None
        self._said_where = False
        self.tokens = None
        self.records: Records | None = None
        self.publisher: Publisher | None = None  # built once attached (see _wire)
        self.inbox: Inbox | None = None
        self.miniprogram: MiniProgram | None = None
        self.article_reads = ArticleReads(self)
        self.settings = settings or WeChatSettings.from_env()

    @property
    def settings(self) -> WeChatSettings:
        return self._settings

    @settings.setter
    def settings(self, value: WeChatSettings) -> None:
        self._settings = value
        self._wire()

    def _wire(self) -> None:
        """Give the publisher and the inbox what each needs, and only that."""
        if self.records is None:
            return  # not attached yet: nothing to publish with
        self.publisher = Publisher(records=self.records, settings=self._settings,
                                   client_for=self.client_for, article=self.article,
                                   image_bytes=self.image_bytes)
        self.inbox = Inbox(settle=self.publisher.settle, sessions=self.sessions,
                           read_sessions=self.read_sessions)
        self.miniprogram = MiniProgram(settings=self._settings, tokens=self.tokens,
                                       hub_secret=self.config.secret(), api_base=self.api_base,
                                       sandbox=self.sandbox_in_use)

    # -- wiring --------------------------------------------------------------------------
    def attach(self, context: ChannelContext) -> None:
        """The hub's configuration and sessions, once, from the bootstrap."""
        super().attach(context)
        config, sessions = context.config, context.sessions
        self.config, self.sessions = config, sessions
        # Reads that must not queue behind a writer (SQLite: BEGIN DEFERRED), e.g. while the
        # publishing request itself holds the write lock.
        self.read_sessions = context.read_sessions
        self.records = Records(sessions)
        store_options = {"margin": self.settings.token_margin, "hold": self.settings.token_hold}
        if self.settings.redis_url:
            self.tokens = RedisTokenStore(self.settings.redis_url, config.secret(),
                                          **store_options)
        else:
            self.tokens = DatabaseTokenStore(sessions, config.secret(), **store_options)
        self._wire()
        self._say_where_wechat_is()

    # -- where WeChat is: a URL, the sandbox, or nowhere -------------------------------------
    def uses_sandbox(self) -> bool:
        """The sandbox answers for WeChat when asked by name (HUB_WECHAT_API_BASE=sandbox) or,
        with HUB_WECHAT_API_BASE unset, in demo mode (HUB_DEMO=1). Never otherwise: in
        production an article "delivered" to a stand-in would be a lie to the editor."""
        if self.settings.api_base:
            return self.settings.wants_sandbox
        return self.config is not None and bool(self.config.load_demo)

    def api_base(self) -> str:
        """Where WeChat calls go; WeChatNotConfigured (a PermanentError) if nowhere."""
        if self.settings.api_url:
            return self.settings.api_url
        if not self.uses_sandbox():
            raise WeChatNotConfigured()
        return self._sandbox().ensure_started()

    def sandbox_in_use(self) -> EmbeddedSandbox | None:
        """The sandbox, when it is what answers for WeChat; None otherwise."""
        return self._sandbox() if self.uses_sandbox() else None

    def _sandbox(self) -> EmbeddedSandbox:
        key = (self.settings.sandbox_port, str(sandbox_state_file(self.config.var_dir)))
        with _sandboxes_lock:
            if key not in _sandboxes:
                _sandboxes[key] = EmbeddedSandbox(*key)
            return _sandboxes[key]

    def _say_where_wechat_is(self) -> None:
        """Once per channel, at start-up: where WeChat calls will go (never a secret)."""
        if self._said_where:
            return
        self._said_where = True
        if self.settings.api_url:
            log.info("WeChat: calls go to %s (HUB_WECHAT_API_BASE)",
                     urlsplit(self.settings.api_url).hostname)  # no user:password@
        elif self.uses_sandbox():
            log.info("WeChat: the WeChat sandbox answers (%s), on 127.0.0.1:%d",
                     "HUB_WECHAT_API_BASE=sandbox" if self.settings.wants_sandbox
                     else "demo mode", self.settings.sandbox_port)
        else:
            log.warning("WeChat is not configured: HUB_WECHAT_API_BASE is unset and HUB_DEMO=0, "
                        "so WeChat deliveries and mini-program sign-in fail at once. Set "
                        "HUB_WECHAT_API_BASE=%s (or =sandbox to rehearse).", WECHAT_API)

    def client_for(self, outlet: OutletInfo) -> HubWeChatClient:
        if self.tokens is None:
            raise RuntimeError("WeChat channel used before the bootstrap attached it")
        try:
            creds = credentials.parse(outlet.secret, outlet.key)
        except credentials.CredentialsInvalid as exc:
            raise CredentialsError(str(exc)) from None
        base = self.api_base()
        if outlet.config.get("sandbox") and self.uses_sandbox():
            try:
                self._sandbox().register(
                    creds, f"{self.config.public_url}/wechat/callback/{creds.appid}")
            except requests.RequestException as exc:
                log.warning("could not register %s with the sandbox: %s", creds.appid,
                            type(exc).__name__)
        return HubWeChatClient(base, creds, self.tokens, timeout=self.settings.timeout)

    # -- the Channel port ----------------------------------------------------------------
    def tick(self, context: ChannelContext) -> None:
        """Once a day: yesterday's article reads of every official account (datacube)."""
        if self.config is None or not (self.settings.api_url or self.uses_sandbox()):
            return  # WeChat not configured: nothing to ask
        self.article_reads.tick()

    def lane(self, outlet: OutletInfo) -> str:
        return outlet.key  # the appid: one app's quota, token and faults are its own

    def article(self, post: PostSnapshot, outlet: OutletInfo) -> render.Article:
        return render.article_for(post, outlet, self._theme(outlet.account_code),
                                  self._miniprogram_appid(post),
                                  public_url=self.config.public_url if self.config else "")

    def _miniprogram_appid(self, post: PostSnapshot) -> str | None:
        if not post.campaign_path or self.config is None:
            return None
        try:
            return self.miniprogram.credentials().appid
        except HubError:  # no mini-program configured: the article links the landing page
            return None

    def miniprogram_code(self, scene: str, page: str) -> bytes | None:
        """The union mini-program's code for a 地推 poster (wxacode.getUnlimited)."""
        if self.miniprogram is None:
            return None
        return self.miniprogram.code(scene, page)

    def render(self, post: PostSnapshot, outlet: OutletInfo) -> dict:
        article = self.article(post, outlet)
        return {
            "title": article.title, "author": article.author, "digest": article.digest,
            "content": article.content, "content_source_url": article.content_source_url,
            "theme_color": article.theme, "images": article.image_sources,
            "moved_links": [{"text": link.text, "href": link.href}
                            for link in article.moved_links],
            "cover": {"size": "x".join(map(str, render.THUMB_SIZE)), "format": "JPG ≤ 64 KB",
                      "crop_2.35_1": "0_0_1_1", "crop_1_1": render.square_crop(article.focal)},
            "problems": render.problems(article, post.body),
        }

    def forms(self, post: PostSnapshot, outlet: OutletInfo) -> list[DesignedForm]:
        """The cover as WeChat gets it (the 2.35:1 thumb: the cover cropped around its focal
        point, or the card the hub designs without one) and the 1:1 crop WeChat cuts of it."""
        article = self.article(post, outlet)
        cover = self.image_bytes(post.cover_url) if post.cover_url else None
        thumb = render.thumb_for(article, cover)
        width, height = render.THUMB_SIZE
        return [DesignedForm(f"{outlet.name} 封面", width, height, "image/jpeg", thumb),
                DesignedForm(f"{outlet.name} 1:1 分享图", height, height, "image/jpeg",
                             render.square_of(thumb, article.focal))]

    def check(self, post: PostSnapshot, outlet: OutletInfo) -> list[str]:
        # Limits do not depend on the theme colour: no database read here.
        return render.problems(render.article_for(post, outlet), post.body)

    def deliver(self, job: DeliveryJob) -> Receipt:
        return self.publisher.deliver(job)

    def withdraw(self, job: DeliveryJob) -> None:
        self.publisher.withdraw(job)

    def blueprints(self) -> list:
        from adapters.wechat.callbacks import bp as callbacks
        from adapters.wechat.console_views import bp as console_page
        from adapters.wechat.mp_views import bp as miniprogram_login

        return [callbacks, miniprogram_login, console_page]

    def console_pages(self) -> list[ConsolePage]:
        return [ConsolePage("wechat_console.accounts", "公众号", min_role="admin")]

    def console_refusal_page(self, page: ConsolePage, args: dict) -> tuple[str, dict] | None:
        """None: the page's forms show their own problems (a binding WeChat refuses, a menu it
        will not take), so a HubError reaching the hub refuses the page itself (no admin role,
        no such account) and is answered there, with its status."""
        return None

    def load_demo(self, db, config) -> None:
        demo.load_demo(db, config)

    def cli(self) -> list[click.Command]:
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
        reference = ports.media_in_url(src, public_url)
        if reference is not None:
            return self._media_bytes(*reference)
        if src.startswith(("http://", "https://")):
            return _fetch(src)
        return None

    @functools.lru_cache(maxsize=64)  # noqa: B019 - media bytes never change under one id
    def _media_bytes(self, media_id: int, digest: str) -> bytes | None:
        with self.read_sessions() as db:
            media = ports.media(db, media_id, digest)
            return ports.media_bytes(db, media) if media is not None else None


def _theme_of(sessions, account_code: str) -> str | None:
    with sessions() as db:
        account = ports.find_account(db, account_code)
        return account.theme_color if account is not None else None


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
