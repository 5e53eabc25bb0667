"""Settings of the WeChat API sandbox: lifetimes, delays, quotas, the public base URL and
where its state is kept."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# Daily call limits as WeChat sets them; a setting may override any of them.
DEFAULT_DAILY_QUOTAS: Mapping[str, int] = {
    "token": 2000,
    "stable_token": 500_000,
    "stable_token_force_refresh": 20,
    "freepublish_get": 100,
    # Generous, as WeChat's are for an ordinary account; tests lower them per app.
    "draft_add": 1000,
    "freepublish_submit": 1000,
    "mass_preview": 100,
    # Subscription accounts may mass-send once a day. Service accounts really get four
    # sends a month per follower; the sandbox counts them per day, which is close enough.
    "mass_sendall_subscription": 1,
    "mass_sendall_service": 4,
    # wxacode.getUnlimited has no daily cap, only 5,000 calls a minute across the app; the
    # sandbox counts a day's calls against a generous limit that tests lower per app.
    "getwxacodeunlimit": 500_000,
    # The datacube's article figures: the sandbox's own ration per API (WeChat rations these
    # calls per account and day too; a daily pull uses one of each).
    "datacube_getarticlesummary": 1000,
    "datacube_getarticletotal": 1000,
}


@dataclass(frozen=True)
class SandboxSettings:
    """How the sandbox behaves; tests shorten the times."""

    token_lifetime: float = 7200.0
    # How long a superseded access_token keeps working, and how early stable_token renews.
    token_overlap: float = 300.0
    # WeChat ignores a forced stable_token refresh sooner than this after the previous one.
    stable_force_refresh_interval: float = 30.0
    publish_delay: float = 0.2
    callback_timeout: float = 5.0
    callback_tries: int = 3
    callback_retry_delay: float = 0.0
    daily_quotas: Mapping[str, int] = field(default_factory=dict)
    latency_ms: int = 0
    public_base_url: str | None = None
    login_code_ttl: float = 300.0
    mass_dedupe_window: float = 24 * 3600.0
    clock: Callable[[], float] = time.time
    # A SQLite file keeping apps, tokens, publications, codes and allowances across
    # restarts (see store.py); None: in memory only, gone when the sandbox stops.
    state_file: str | None = None

    def quota(self, name: str) -> int:
        """The daily limit for a quota name, with this setting's overrides applied."""
        if name in self.daily_quotas:
            return self.daily_quotas[name]
        return DEFAULT_DAILY_QUOTAS[name]
