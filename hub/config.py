"""Configuration of the hub, read from HUB_* environment variables in this one place.

`Config.from_env()` reads the environment (what `hub run`, `hub worker` and gunicorn do);
`Config(var_dir=..., database_url=...)` takes only what it is given (tests, benches). Each
setting's default is written once, below; its variable is HUB_ and its name in capitals,
except HUB_DEMO (load_demo).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "HUB_"
DEFAULT_CHANNELS = ("adapters.loopback:LoopbackChannel", "adapters.webhook:WebhookChannel",
                    "adapters.web:WebChannel",
                    "adapters.led_screen:LedScreenChannel",
                    "adapters.app_splash:AppSplashChannel",
                    "adapters.wechat:WeChatChannel",
                    "adapters.wechat:SubscribeChannel")


class ConfigError(ValueError):
    """A HUB_* variable holds something the hub cannot use; the message names it."""


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True,
                                      validate_by_name=True, extra="forbid")

    var_dir: Path = ROOT / "var"
    # Empty: a SQLite file under var_dir. postgresql:// URLs are given the psycopg driver.
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 5000
    secret_key: str = ""
    max_upload_bytes: int = 10 * 1024 * 1024
    timezone: str = "Asia/Shanghai"
    # embedded: the web process runs the dispatcher and scheduler; external: `hub worker` does.
    run_workers: bool = True
    load_demo: bool = Field(default=True, validation_alias="HUB_DEMO")
    # Migrate (and load the demo into an empty database) when the app is created.
    auto_migrate: bool = True
    # Empty: http://127.0.0.1:<port>.
    public_url: str = ""
    # Outlet adapters, "module:attribute"; the hub imports none of them by name.
    channels: Annotated[list[str], NoDecode] = list(DEFAULT_CHANNELS)
    # Delivery workers: threads per process, per-channel and per-lane bounds, leases, retries.
    worker_threads: int = 32
    # "wechat=8,loopback=50": threads per channel where the default does not suit.
    channel_concurrency: Annotated[dict[str, int], NoDecode] = {}
    lane_concurrency: int = 4
    lease_seconds: float = 60.0
    max_attempts: int = 8
    retry_base_seconds: float = 2.0
    retry_cap_seconds: float = 600.0
    poll_seconds: float = 0.5
    # Shared fast state (campaign claim gate, rate limits); None: each process keeps its own.
    redis_url: str | None = None
    # Review alerts by e-mail: smtp://[user:password@]host[:port][?from=…&starttls=1] or
    # smtps://…; None: no e-mail is sent (the console's badge still counts what waits).
    smtp_url: str | None = None
    # What Redis deciding claims must guarantee: "always" (appendfsync always: no
    # acknowledged claim is ever lost) or "everysec" (accepts losing up to one second of
    # claims in a crash of the Redis machine). A Redis below it does not decide claims.
    redis_durability: Literal["always", "everysec"] = "always"

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        # Only what the caller passes: from_env passes what it read from the environment.
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """The configuration the environment (or `env`, for tests) describes; a value that
        does not parse is a ConfigError naming its variable."""
        values = _EnvironmentSource(cls, env)()
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(_explain(exc)) from None

    @field_validator("channels", mode="before")
    @classmethod
    def _comma_list(cls, value):
        return _list(value) or list(DEFAULT_CHANNELS) if isinstance(value, str) else value

    @field_validator("redis_durability", mode="before")
    @classmethod
    def _lower(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("channel_concurrency", mode="before")
    @classmethod
    def _named_numbers(cls, value):
        return _limits(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _derived_defaults(self) -> Config:
        self.database_url = _normalise_database_url(
            self.database_url or f"sqlite:///{self.var_dir / 'hub.sqlite3'}")
        self.public_url = self.public_url.rstrip("/") or f"http://127.0.0.1:{self.port}"
        return self

    def secret(self) -> str:
        """HUB_SECRET_KEY, or one generated per installation under var/ and kept there."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        self.secret_key = path.read_text().strip()
        return self.secret_key

    def concurrency_for(self, channel: str, default: int) -> int:
        return self.channel_concurrency.get(channel, default)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class _EnvironmentSource(EnvSettingsSource):
    """pydantic-settings' reading of HUB_* variables, from `env` when one is given."""

    def __init__(self, settings_cls, env: Mapping[str, str] | None):
        self._given = env
        super().__init__(settings_cls)

    def _load_env_vars(self):
        if self._given is None:
            return super()._load_env_vars()
        return parse_env_vars(self._given, self.case_sensitive, self.env_ignore_empty,
                              self.env_parse_none_str)


def variable_of(field: str) -> str:
    """The environment variable a Config field is read from."""
    alias = Config.model_fields[field].validation_alias if field in Config.model_fields else None
    return alias if isinstance(alias, str) else ENV_PREFIX + field.upper()


def _explain(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = field if field.startswith(ENV_PREFIX) else variable_of(field) if field else ""
        problems.append(f"{name}={error.get('input')!r} 无法使用：{error['msg']}")
    return "; ".join(problems) or str(exc)


def _normalise_database_url(url: str) -> str:
    # People paste plain postgresql:// URLs; SQLAlchemy would pick psycopg2, which we do not ship.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _limits(value: str) -> dict[str, int]:
    """"wechat=8,loopback=50" -> {"wechat": 8, "loopback": 50}."""
    limits = {}
    for item in _list(value):
        name, _, number = item.partition("=")
        if not number.strip().isdigit():
            raise ValueError(f"应为 名称=数字，收到 {item!r}")
        limits[name.strip()] = int(number)
    return limits
