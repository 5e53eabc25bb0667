"""Settings of the WeChat adapter, read from HUB_WECHAT_* (and HUB_REDIS_URL) in this one place.

- `HUB_WECHAT_API_BASE` (unset): where every WeChat call goes (cgi-bin, the token, wxa).
  - a URL: a WeChat-compatible API, `https://api.weixin.qq.com` in production;
  - `sandbox`: the WeChat sandbox (adapters/wechat/sandbox), started in-process on first use
    on 127.0.0.1:`HUB_WECHAT_SANDBOX_PORT`, even outside the demo (a rehearsal, a test bed);
  - unset: the sandbox in demo mode (`HUB_DEMO=1`, what `make run` uses); otherwise WeChat
    is not configured: nothing listens, and every WeChat delivery and mini-program sign-in
    fails at once saying so. Nothing fake ever answers for WeChat in production.
- `HUB_WECHAT_SANDBOX_PORT` (5001): where that embedded sandbox listens, on 127.0.0.1. Its
  state (apps, tokens, publications, login codes, allowances) is kept in
  `wechat-sandbox.sqlite3` under the hub's var dir, so it survives a restart.
- `HUB_REDIS_URL` (unset): keep access tokens in Redis instead of the database.
- `HUB_WECHAT_TIMEOUT` (15): seconds to wait for one WeChat call.
- `HUB_WECHAT_CONFIRM_SCHEDULE` (`120,300,900,1800,3600,7200`): seconds to wait for
  PUBLISHJOBFINISH before asking `freepublish/get`, then between later asks.
- `HUB_WECHAT_POLL_BUDGET` (50): `freepublish/get` calls the hub allows itself per app and
  Beijing day (WeChat allows 100; the rest stays for people in the WeChat back office).
- `HUB_WECHAT_SUBMIT_GRACE` (600): seconds after a submit whose answer was lost before the
  hub may submit the draft again (if WeChat shows no article from it).
- `HUB_WECHAT_TOKEN_MARGIN` (300): refresh an access token this long before WeChat says it
  expires (stable_token renews inside the same window).
- `HUB_WECHAT_TOKEN_HOLD` (15): seconds one process may hold the right to refresh an app's
  token.
- `HUB_MINIPROGRAM_APPID`, `HUB_MINIPROGRAM_SECRET`: the union mini-program's own app, for
  signing members in and sending subscribe messages. Unset with the sandbox: a demo app the
  hub registers there itself.
- `HUB_MINIPROGRAM_TEMPLATE_NEWS`, `HUB_MINIPROGRAM_TEMPLATE_COURSE`: subscribe-message
  template ids ("新内容提醒", "开课提醒") as the WeChat back office assigned them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, InitSettingsSource, NoDecode, SettingsConfigDict

WECHAT_API = "https://api.weixin.qq.com"
SANDBOX = "sandbox"  # HUB_WECHAT_API_BASE's value asking for the sandbox outside the demo
ENV_PREFIX = "HUB_"


class WeChatSettings(BaseSettings):
    model_config = SettingsConfigDict(
        # Each field's variable is HUB_ and its alias; in code the field's name works too.
        env_prefix=ENV_PREFIX, env_prefix_target="all",
        env_ignore_empty=True,  # HUB_X= (empty) means the default, as unset does
        validate_by_name=True, validate_by_alias=True, extra="ignore")

    api_base: str | None = Field(None, validation_alias="WECHAT_API_BASE")
    sandbox_port: int = Field(5001, validation_alias="WECHAT_SANDBOX_PORT")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    timeout: float = Field(15.0, validation_alias="WECHAT_TIMEOUT")
    confirm_schedule: Annotated[tuple[float, ...], NoDecode] = Field(
        (120, 300, 900, 1800, 3600, 7200), validation_alias="WECHAT_CONFIRM_SCHEDULE")
    poll_budget: int = Field(50, validation_alias="WECHAT_POLL_BUDGET")
    submit_grace: float = Field(600.0, validation_alias="WECHAT_SUBMIT_GRACE")
    token_margin: float = Field(300.0, validation_alias="WECHAT_TOKEN_MARGIN")
    token_hold: float = Field(15.0, validation_alias="WECHAT_TOKEN_HOLD")
    miniprogram_appid: str | None = Field(None, validation_alias="MINIPROGRAM_APPID")
    miniprogram_secret: str | None = Field(None, validation_alias="MINIPROGRAM_SECRET")
    template_news: str = Field("hub-news", validation_alias="MINIPROGRAM_TEMPLATE_NEWS")
    template_course: str = Field("hub-course-reminder",
                                 validation_alias="MINIPROGRAM_TEMPLATE_COURSE")

    @field_validator("api_base", mode="after")
    @classmethod
    def _without_trailing_slash(cls, value: str | None) -> str | None:
        return (value or "").rstrip("/") or None

    @field_validator("confirm_schedule", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """"120,300,900" as the environment gives it; nothing in it: the default."""
        if isinstance(value, str):
            value = tuple(float(part) for part in value.split(",") if part.strip())
        return value or cls.model_fields["confirm_schedule"].default

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WeChatSettings:
        """The settings from the process's environment, or from `env` in its place."""
        if env is None:
            return cls()
        given = {name.removeprefix(ENV_PREFIX): value for name, value in env.items()
                 if name.startswith(ENV_PREFIX) and value}
        only_given = InitSettingsSource(cls, init_kwargs=given)  # os.environ is not read
        return cls(_build_sources=((only_given,), given))

    @property
    def wants_sandbox(self) -> bool:
        """HUB_WECHAT_API_BASE=sandbox: the sandbox, even outside the demo."""
        return self.api_base == SANDBOX

    @property
    def api_url(self) -> str | None:
        """The WeChat-compatible API named by HUB_WECHAT_API_BASE, if it names one."""
        return None if self.wants_sandbox else self.api_base

    def wait_before_check(self, checks_done: int) -> float:
        """Seconds to wait for the publish event before the next look at freepublish/get."""
        schedule = self.confirm_schedule or (300.0,)
        return schedule[min(checks_done, len(schedule) - 1)]
