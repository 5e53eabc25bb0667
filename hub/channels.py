"""The Channel port: what every outlet implements, and the registry filled at start-up.

The hub never imports an adapter: `HUB_CHANNELS` names them ("module:attribute"), and
`load_registry` instantiates them. Adapters receive plain snapshots (`DeliveryJob`), never
database sessions, so an outlet's slowness never holds a transaction open.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Protocol


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


@dataclass(frozen=True)
class OutletInfo:
    id: int
    channel: str
    key: str
    name: str
    account_code: str
    config: dict = field(default_factory=dict)
    secret: str | None = None  # decrypted only for the adapter's call, never logged


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


class Channel(Protocol):
    name: str
    label: str  # shown to editors, in Chinese
    max_concurrency: int
    updates_in_place: bool

    def render(self, post: PostSnapshot, outlet: OutletInfo) -> dict:
        """The outlet's form of the post (previews use this)."""

    def deliver(self, job: DeliveryJob) -> Receipt:
        """Send or update; must be harmless when repeated with the same idempotency key."""

    def withdraw(self, job: DeliveryJob) -> None:
        """Take the post down from the outlet; harmless if it is already gone."""

    def lane(self, outlet: OutletInfo) -> str:
        """Deliveries sharing a lane share a concurrency bound (e.g. one WeChat app)."""

    # Optional, looked up with getattr:
    #   notify(job) -> Receipt             send an event (webhooks: delivery.failed)
    #   blueprint() -> flask.Blueprint     routes the outlet serves (callbacks, playlists)
    #   load_demo(db, config) -> None      bind the demo's outlets; must be idempotent
    #   cli_commands() -> list[click.Command]   extra `hub` subcommands (e.g. `hub screen`)
    #   check(post, outlet) -> list[str]   what stops the post going out there (in Chinese);
    #                                      publishing and scheduling are refused while any
    #   tick(sessions) -> None             periodic work, run by the scheduler's tick in
    #                                      every process that runs it (e.g. reminders)
    #   attach(config, sessions) -> None   the hub's configuration and database sessions, for
    #                                      adapters with tables of their own (short
    #                                      transactions only, never across a call out)


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


def attach(config, sessions) -> None:
    """Give every adapter that asks for them the configuration and a session factory."""
    for channel in all_channels():
        hook = getattr(channel, "attach", None)
        if hook is not None:
            hook(config, sessions)


def problems(targets: list[tuple[PostSnapshot, OutletInfo]], *, shown: int = 3) -> list[str]:
    """What the outlets' own checks say stops this post, one line per problem, naming the
    outlets concerned (the same problem on 34 official accounts is one line, not 34)."""
    where: dict[str, list[str]] = {}
    for post, outlet in targets:
        check = getattr(get_channel(outlet.channel), "check", None)
        for problem in (check(post, outlet) if check is not None else []):
            where.setdefault(problem, []).append(outlet.name)
    lines = []
    for problem, names in where.items():
        named = "、".join(names[:shown]) + (f" 等 {len(names)} 个终端" if len(names) > shown
                                           else "")
        lines.append(f"{problem}（{named}）")
    return lines
