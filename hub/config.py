"""Configuration of the hub, read from HUB_* environment variables in this one place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CHANNELS = ("adapters.loopback:LoopbackChannel", "adapters.webhook:WebhookChannel",
                    "adapters.web:WebChannel",
                    "adapters.led_screen:LedScreenChannel",
                    "adapters.app_splash:AppSplashChannel",
                    "adapters.wechat:WeChatChannel",
                    "adapters.wechat:SubscribeChannel")


def _default_database_url(var_dir: Path) -> str:
    return f"sqlite:///{var_dir / 'hub.sqlite3'}"


def _normalise_database_url(url: str) -> str:
    # People paste plain postgresql:// URLs; SQLAlchemy would pick psycopg2, which we do not ship.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@dataclass
class Config:
    var_dir: Path = ROOT / "var"
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 5000
    secret_key: str = ""
    max_upload_bytes: int = 10 * 1024 * 1024
    timezone: str = "Asia/Shanghai"
    # embedded: the web process runs the dispatcher and scheduler; external: `hub worker` does.
    run_workers: bool = True
    load_demo: bool = True
    # Migrate (and load the demo into an empty database) when the app is created.
    auto_migrate: bool = True
    public_url: str = "http://127.0.0.1:5000"
    # Outlet adapters, "module:attribute"; the hub imports none of them by name.
    channels: list[str] = field(default_factory=lambda: list(DEFAULT_CHANNELS))
    # Delivery workers: threads per process, per-channel and per-lane bounds, leases, retries.
    worker_threads: int = 32
    channel_concurrency: dict[str, int] = field(default_factory=dict)
    lane_concurrency: int = 4
    lease_seconds: float = 60.0
    max_attempts: int = 8
    retry_base_seconds: float = 2.0
    retry_cap_seconds: float = 600.0
    poll_seconds: float = 0.5
    # Shared fast state (campaign claim gate, rate limits); None: each process keeps its own.
    redis_url: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        var_dir = Path(env.get("HUB_VAR_DIR", ROOT / "var"))
        return cls(
            var_dir=var_dir,
            database_url=_normalise_database_url(
                env.get("HUB_DATABASE_URL") or _default_database_url(var_dir)
            ),
            host=env.get("HUB_HOST", "127.0.0.1"),
            port=int(env.get("HUB_PORT", "5000")),
            secret_key=env.get("HUB_SECRET_KEY", ""),
            max_upload_bytes=int(env.get("HUB_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
            run_workers=env.get("HUB_RUN_WORKERS", "1") not in ("0", "false", "no"),
            load_demo=env.get("HUB_DEMO", "1") not in ("0", "false", "no"),
            auto_migrate=env.get("HUB_AUTO_MIGRATE", "1") not in ("0", "false", "no"),
            public_url=env.get("HUB_PUBLIC_URL", "").rstrip("/")
            or f"http://127.0.0.1:{env.get('HUB_PORT', '5000')}",
            channels=_list(env.get("HUB_CHANNELS")) or list(DEFAULT_CHANNELS),
            worker_threads=int(env.get("HUB_WORKER_THREADS", "32")),
            channel_concurrency=_limits(env.get("HUB_CHANNEL_CONCURRENCY", "")),
            lane_concurrency=int(env.get("HUB_LANE_CONCURRENCY", "4")),
            lease_seconds=float(env.get("HUB_LEASE_SECONDS", "60")),
            max_attempts=int(env.get("HUB_MAX_ATTEMPTS", "8")),
            retry_base_seconds=float(env.get("HUB_RETRY_BASE_SECONDS", "2")),
            retry_cap_seconds=float(env.get("HUB_RETRY_CAP_SECONDS", "600")),
            poll_seconds=float(env.get("HUB_POLL_SECONDS", "0.5")),
            redis_url=env.get("HUB_REDIS_URL") or None,
        )

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


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _limits(value: str) -> dict[str, int]:
    """"wechat=8,loopback=50" -> {"wechat": 8, "loopback": 50}."""
    limits = {}
    for item in _list(value):
        name, _, number = item.partition("=")
        limits[name.strip()] = int(number)
    return limits
