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
- `HUB_MINIPROGRAM_APPID`, `HUB_MINIPROGRAM_SECRET`: the union mini-program's own app, for
  signing members in and sending subscribe messages. Unset with the sandbox: a demo app the
  hub registers there itself.
- `HUB_MINIPROGRAM_TEMPLATE_NEWS`, `HUB_MINIPROGRAM_TEMPLATE_COURSE`: subscribe-message
  template ids ("新内容提醒", "开课提醒") as the WeChat back office assigned them.
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
    miniprogram_appid: str | None = None
    miniprogram_secret: str | None = None
    template_news: str = "hub-news"
    template_course: str = "hub-course-reminder"

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
            miniprogram_appid=env.get("HUB_MINIPROGRAM_APPID") or None,
            miniprogram_secret=env.get("HUB_MINIPROGRAM_SECRET") or None,
            template_news=env.get("HUB_MINIPROGRAM_TEMPLATE_NEWS") or cls.template_news,
            template_course=env.get("HUB_MINIPROGRAM_TEMPLATE_COURSE")
            or cls.template_course,
        )

    def wait_before_check(self, checks_done: int) -> float:
        """Seconds to wait for the publish event before the next look at freepublish/get."""
        schedule = self.confirm_schedule or (300.0,)
        return schedule[min(checks_done, len(schedule) - 1)]
