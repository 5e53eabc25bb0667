"""Settings of the WeChat adapter, read from HUB_WECHAT_* (and HUB_REDIS_URL) in this one place.

- `HUB_WECHAT_API_BASE` (unset): base URL of a WeChat-compatible API
  (`https://api.weixin.qq.com` in production); every call goes there: cgi-bin, the token,
  wxa. Unset: the adapter starts the sandbox in-process on first use (the demo).
- `HUB_WECHAT_SANDBOX_PORT` (5001): where that embedded sandbox listens, on 127.0.0.1.
- `HUB_REDIS_URL` (unset): keep access tokens in Redis instead of the database.
- `HUB_WECHAT_TIMEOUT` (15): seconds to wait for one WeChat call.
- `HUB_WECHAT_CONFIRM_SCHEDULE` (`120,300,900,1800,3600,7200`): seconds to wait for
  PUBLISHJOBFINISH before asking `freepublish/get`, then between later asks.
- `HUB_WECHAT_POLL_BUDGET` (50): `freepublish/get` calls the hub allows itself per app and
  Beijing day (WeChat allows 100; the rest stays for people in the WeChat back office).
- `HUB_WECHAT_SUBMIT_GRACE` (600): seconds after a submit whose answer was lost before the
  hub may submit the draft again (if WeChat shows no article from it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

WECHAT_API = "https://api.weixin.qq.com"


def _floats(value: str) -> tuple[float, ...]:
    return tuple(float(part) for part in value.split(",") if part.strip())


@dataclass
class WeChatSettings:
    api_base: str | None = None
    sandbox_port: int = 5001
    redis_url: str | None = None
    timeout: float = 15.0
    confirm_schedule: tuple[float, ...] = (120, 300, 900, 1800, 3600, 7200)
    poll_budget: int = 50
    submit_grace: float = 600.0
    # Refresh an access token this long before WeChat says it expires (stable_token renews
    # inside the same window).
    token_margin: float = 300.0
    # How long one process may hold the right to refresh an app's token.
    token_hold: float = 15.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> WeChatSettings:
        env = dict(os.environ if env is None else env)
        return cls(
            api_base=(env.get("HUB_WECHAT_API_BASE") or "").rstrip("/") or None,
            sandbox_port=int(env.get("HUB_WECHAT_SANDBOX_PORT", "5001")),
            redis_url=env.get("HUB_REDIS_URL") or None,
            timeout=float(env.get("HUB_WECHAT_TIMEOUT", "15")),
            confirm_schedule=_floats(env.get("HUB_WECHAT_CONFIRM_SCHEDULE", ""))
            or cls.confirm_schedule,
            poll_budget=int(env.get("HUB_WECHAT_POLL_BUDGET", "50")),
            submit_grace=float(env.get("HUB_WECHAT_SUBMIT_GRACE", "600")),
        )

    def wait_before_check(self, checks_done: int) -> float:
        """Seconds to wait for the publish event before the next look at freepublish/get."""
        schedule = self.confirm_schedule or (300.0,)
        return schedule[min(checks_done, len(schedule) - 1)]
