"""The Channel port: what every outlet implements, and the registry filled at start-up.

The hub never imports an adapter: `HUB_CHANNELS` names them ("module:attribute"), and
`load_registry` instantiates them. Adapters receive plain snapshots (`DeliveryJob`), never
database sessions, so an outlet's slowness never holds a transaction open.
"""

from __future__ import annotations

import base64
import importlib
import re
from dataclasses import dataclass, field

from content.links import with_source


class DeliveryError(Exception):
    """An outlet refused or failed; `message` is shown to editors in plain words."""

    transient = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransientError(DeliveryError):
    """Worth retrying later: timeouts, rate limits, the outlet being busy."""

    transient = True


class PermanentError(DeliveryError):
    """Retrying will not help (content refused): an editor must act."""


class CredentialsError(PermanentError):
    """The outlet's credentials stopped working: every delivery to it fails until fixed."""


@dataclass(frozen=True)
class Receipt:
    external_id: str | None = None
    external_url: str | None = None
    # The outlet accepted the send but reports the outcome later (WeChat publishes in a job
    # and pushes an event when it ends). The delivery stays "sending" with no lease owner
    # until `hub.deliveries.queue.confirm` completes it, or until `check_after` seconds have
    # passed and a worker calls `deliver` again, which must then ask the outlet what became
    # of the first send rather than send again.
    pending: bool = False
    check_after: float | None = None


@dataclass(frozen=True)
class MediaRef:
    """An uploaded picture, by reference: `hub.ports.media_bytes` reads its bytes."""

    id: int
    sha256: str
    width: int
    height: int
    byte_size: int
    mime_type: str
    focal: tuple[float, float] | None = None  # what a crop keeps: (x, y) fractions


# Editors' roles from least to most trusted; a grant of one does not imply the others in the
# API's checks, so a page's minimum role stands for itself and every role above it.
EDITOR_ROLES = ("author", "reviewer", "admin")


@dataclass(frozen=True)
class DesignedForm:
    """One picture an outlet will show of a post, at its exact size: the very bytes it sends
    (the console's gallery lists them). For an outlet that plays video, `video` is the MP4
    and `data` its poster (the frame it holds)."""

    label: str  # where it is shown, in Chinese (a screen's name, "东莞市总工会公众号 封面")
    width: int
    height: int
    mime_type: str
    data: bytes
    video: bytes | None = None


_DATA_URL = re.compile(r"data:(image/[a-z+]+);base64,([A-Za-z0-9+/=]+)")


def forms_in(rendered: dict, label: str) -> list[DesignedForm]:
    """The pictures a `render` result carries (its own, and each screen's as
    `image_data_url`), one per size, for outlets that do not list their forms themselves."""
    found: dict[tuple[int, int], DesignedForm] = {}
    screens = rendered.get("screens") if isinstance(rendered.get("screens"), list) else []
    for item in [rendered, *screens]:
        if not isinstance(item, dict):
            continue
        picture = _DATA_URL.fullmatch(str(item.get("image_data_url") or ""))
        width, height = item.get("width"), item.get("height")
        if picture is None or not isinstance(width, int) or not isinstance(height, int):
            continue
        name = str(item.get("name") or label)
        if (width, height) in found:  # several screens of one size show one file
            known = found[(width, height)]
            found[(width, height)] = DesignedForm(f"{known.label}、{name}", width, height,
                                                  known.mime_type, known.data)
            continue
        found[(width, height)] = DesignedForm(name, width, height, picture.group(1),
                                              base64.b64decode(picture.group(2)))
    return list(found.values())


@dataclass(frozen=True)
class ConsolePage:
    """A page an outlet adds to an account's console menu, shown only to editors holding at
    least `min_role` on the account (the role its view demands, so no tab leads to a 403)."""

    endpoint: str  # a Flask endpoint of the outlet's blueprint, taking the account's `code`
    label: str  # its Chinese menu label
    min_role: str = "author"  # "author", "reviewer" or "admin"

    def __post_init__(self) -> None:
        if self.min_role not in EDITOR_ROLES:
            raise ValueError(f"ConsolePage {self.endpoint}: unknown role {self.min_role!r}")

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles that open the page: `min_role` and those above it."""
        return EDITOR_ROLES[EDITOR_ROLES.index(self.min_role):]


@dataclass(frozen=True)
class PostSnapshot:
    """What a post says, at one version, with per-channel overrides already applied."""

    id: int
    version: int
    kind: str
    account_code: str
    account_name: str
    title: str
    summary: str
    body: str
    body_html: str
    link_url: str | None
    cover_url: str | None
    valid_from: str | None
    valid_until: str | None
    origin_account_code: str  # where it was written; differs from account_code when pushed down
    # A promotion's campaign, as the mini-program opens it (link_url then leads to the
    # campaign's landing page unless the editor set a link of their own).
    campaign_path: str | None = None
    cover: MediaRef | None = None  # the picture behind cover_url
    column_slug: str | None = None
    published_at: str | None = None  # ISO 8601, when an editor first published it
    # This outlet's settings for the post (LED form and schedule, splash window...), as they
    # stand in this version: they change only with the post's words, through its review.
    options: dict = field(default_factory=dict)
    cover_override: bool = False  # the cover is the editor's own picture for this channel
    campaign_url: str | None = None  # a promotion's campaign landing page (hub.campaigns.links)

    def link_from(self, outlet: str) -> str | None:
        """The post's link as `outlet` shows it: the campaign's landing page carries the
        outlet's own name as `src` (the campaign funnel counts it); an editor's own link
        stays as they wrote it."""
        if self.link_url and self.link_url == self.campaign_url:
            return with_source(self.link_url, outlet)
        return self.link_url

    def campaign_path_from(self, outlet: str) -> str | None:
        """The mini-program's campaign page, with `outlet` as its `src`."""
        return with_source(self.campaign_path, outlet) if self.campaign_path else None


@dataclass(frozen=True)
class OutletInfo:
    id: int
    channel: str
    key: str
    name: str
    account_code: str
    config: dict = field(default_factory=dict)
    secret: str | None = None  # decrypted only for the adapter's call, never logged
    account_id: int | None = None


@dataclass(frozen=True)
class DeliveryJob:
    delivery_id: int
    idempotency_key: str
    goal: str  # "publish" | "withdraw" | "notify"
    attempt: int
    post: PostSnapshot
    outlet: OutletInfo
    external_id: str | None = None  # what the outlet gave us before (withdraw, update in place)
    replaces_external_id: str | None = None  # the previous version's id, for update in place
    event: dict | None = None  # for "notify": the event to send


@dataclass(frozen=True)
class ChannelContext:
    """What the bootstrap hands every adapter once: the configuration and the database.

    `sessions` may write (short transactions only, never across a call out); `read_sessions`
    only read, and on SQLite never wait for a writer.
    """

    config: object  # hub.config.Config
    sessions: object  # sessionmaker
    read_sessions: object  # sessionmaker


class Channel:
    """What every outlet implements. Subclass it; override what the outlet needs.

    Required: `name`, `label`, `render`, `deliver`, `withdraw`. Everything else has a default
    here that means "this outlet does not do that", so the hub calls methods, never probes.
    """

    name: str = ""
    label: str = ""  # shown to editors, in Chinese
    max_concurrency: int = 4
    updates_in_place: bool = True  # False: a new version is a new item on the outlet
    # An outlet that hears about everything beneath its account (integrators' webhooks)
    # rather than one an editor picks per post: it gets `notify`, not posts.
    notifies_only: bool = False
    # How the console frames the outlet's preview: "phone", "screen" (exact pixels) or "card".
    preview_frame: str = "card"
    # URL prefixes of this outlet's routes whose errors are answered as JSON (machines poll).
    json_prefixes: tuple[str, ...] = ()
    # The folder of this outlet's Alembic migrations (its own branch), relative to the
    # adapter's module unless absolute; None: no tables (see hub.migrate).
    migrations: str | None = None
    # The audit log's Chinese names for what this outlet records there: its action prefixes
    # ({"led.": "LED 屏"}) and its actions ({"led.screen.create": "登记屏幕"}), the subject
    # types it names ({"led_screen": "LED 屏"}) and its details' keys and the fields they
    # list ({"brightness": "亮度"}).
    audit_actions: dict[str, str] = {}
    audit_words: dict[str, str] = {}
    # True: what this outlet shows carries a campaign's link tagged `src=<name>`, so the
    # campaign's funnel counts the visits it brought (hub.attribution).
    campaign_links: bool = False
    audit_subjects: dict[str, str] = {}

    def __init__(self) -> None:
        self.context: ChannelContext | None = None

    # -- required ---------------------------------------------------------------------
    def render(self, post: PostSnapshot, outlet: OutletInfo) -> dict:
        """The outlet's form of the post; the console's preview shows exactly this."""
        raise NotImplementedError

    def deliver(self, job: DeliveryJob) -> Receipt:
        """Send or update; must be harmless when repeated with the same idempotency key."""
        raise NotImplementedError

    def withdraw(self, job: DeliveryJob) -> None:
        """Take the post down from the outlet; harmless if it is already gone."""
        raise NotImplementedError

    # -- optional, with defaults -------------------------------------------------------
    def attach(self, context: ChannelContext) -> None:
        """Called once by the bootstrap, before anything else; keep what you need."""
        self.context = context

    def targets(self, post: PostSnapshot, outlets: list[OutletInfo]) -> list[OutletInfo]:
        """Of this channel's outlets on the accounts a post reaches, those it goes to."""
        return outlets

    def check(self, post: PostSnapshot, outlet: OutletInfo) -> list[str]:
        """What stops the post going out there, in Chinese; publishing waits while any."""
        return []

    def lane(self, outlet: OutletInfo) -> str:
        """Deliveries sharing a lane share a concurrency bound (e.g. one WeChat app)."""
        return str(outlet.id)

    def notify(self, job: DeliveryJob) -> Receipt:
        """Send an event (`job.event`) to an outlet that `notifies_only`."""
        return Receipt()

    def outlet_status(self, outlets: list[OutletInfo]) -> dict[int, str]:
        """{outlet id: "online" | "offline"} for outlets that can tell (screens polling)."""
        return {}

    def device_status(self, outlets: list[OutletInfo]) -> list[dict]:
        """The devices behind these outlets (each screen of an LED group), for the console's
        overview: [{"outlet_id", "name", "online": bool, "last_seen": datetime | None}].
        By default one device per outlet that `outlet_status` can tell about."""
        return [{"outlet_id": outlet_id, "name": None, "online": state == "online",
                 "last_seen": None} for outlet_id, state in self.outlet_status(outlets).items()]

    def post_figures(self, post_ids: list[int]) -> dict[int, dict[str, int]]:
        """What this outlet saw of each post, for the console's overview: {post id: {label:
        count}} (e.g. {"大屏播放": 120}); posts it saw nothing of are left out."""
        return {}

    def blueprints(self) -> list:
        """Flask blueprints this outlet serves (callbacks, playlists, sites)."""
        return []

    def cli(self) -> list:
        """click commands or groups added to `hub` (e.g. `hub screen`)."""
        return []

    def tick(self, context: ChannelContext) -> None:
        """Periodic work, run by the scheduler in every process that runs it."""

    def load_demo(self, db, config) -> None:
        """Bind the demo's outlets of this kind; must be idempotent."""

    def console_pages(self) -> list[ConsolePage]:
        """Pages this outlet adds to each account's console menu (none by default)."""
        return []

    def console_refusal_page(self, page: ConsolePage, args: dict) -> tuple[str, dict] | None:
        """Where the console sends an editor back to, the message flashed there, when the hub
        refuses a form (a HubError) posted on this outlet's console page `page` (`args`: the
        form URL's arguments) and the browser does not say which page the form was on: an
        endpoint and its URL arguments. By default `page` itself, for the form's account.
        None: the refusal is answered where the form was posted, as the console's error page
        with the error's status (for forms that show their own problems in the page, so that
        what reaches the hub refuses the page itself: no role, no such account)."""
        return page.endpoint, {"code": args.get("code", "")}

    def forms(self, post: PostSnapshot, outlet: OutletInfo) -> list[DesignedForm]:
        """Every picture (and video) this outlet will show of the post, at each size, as it
        sends them; by default the pictures its `render` carries. A DeliveryError says why
        there are none."""
        return forms_in(self.render(post, outlet), outlet.name)

    def miniprogram_code(self, scene: str, page: str) -> bytes | None:
        """A mini-program code (PNG) that opens `page` with `scene`, for a 地推 poster, from an
        outlet that has a mini-program; None: this one has none. A failure to get one is a
        HubError saying why."""
        return None


_REGISTRY: dict[str, Channel] = {}


def load_registry(specs: list[str]) -> dict[str, Channel]:
    """Instantiate the configured adapters ("module:attribute"), replacing the registry."""
    _REGISTRY.clear()
    for spec in specs:
        module_name, _, attribute = spec.partition(":")
        factory = getattr(importlib.import_module(module_name), attribute)
        channel = factory() if callable(factory) else factory
        _REGISTRY[channel.name] = channel
    return _REGISTRY


def register(channel: Channel) -> None:
    _REGISTRY[channel.name] = channel


def get_channel(name: str) -> Channel | None:
    return _REGISTRY.get(name)


def channel_names() -> list[str]:
    return sorted(_REGISTRY)


def all_channels() -> list[Channel]:
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def attach(context: ChannelContext) -> None:
    """Hand every adapter its context (the bootstrap does this once per registry)."""
    for channel in all_channels():
        channel.attach(context)


def json_prefixes() -> tuple[str, ...]:
    return tuple(prefix for channel in all_channels() for prefix in channel.json_prefixes)


def problems(targets: list[tuple[PostSnapshot, OutletInfo]], *, shown: int = 3) -> list[str]:
    """What the outlets' own checks say stops this post, one line per problem, naming the
    outlets concerned (the same problem on 34 official accounts is one line, not 34)."""
    where: dict[str, list[str]] = {}
    for post, outlet in targets:
        channel = get_channel(outlet.channel)
        for problem in (channel.check(post, outlet) if channel is not None else []):
            where.setdefault(problem, []).append(outlet.name)
    lines = []
    for problem, names in where.items():
        named = "、".join(names[:shown]) + (f" 等 {len(names)} 个终端" if len(names) > shown
                                           else "")
        lines.append(f"{problem}（{named}）")
    return lines
