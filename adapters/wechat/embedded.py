"""The WeChat sandbox inside the hub: in demo mode (HUB_DEMO=1 with HUB_WECHAT_API_BASE
unset) or when asked for with HUB_WECHAT_API_BASE=sandbox; never otherwise (channel.py
decides).

Started once per process on 127.0.0.1:HUB_WECHAT_SANDBOX_PORT (5001) the first time WeChat
is called. If another hub process (a `hub worker`, another gunicorn worker) already serves
it there, that one is used. Its state is kept in `wechat-sandbox.sqlite3` under the hub's
var dir, so a restarted hub finds its apps, tokens and publications again and no publish_id
is ever handed out twice. Outlets whose config says `"sandbox": true` are registered with it
before their first call, with the hub's own `/wechat/callback/<appid>` (at HUB_PUBLIC_URL)
as callback URL, so its publish events reach the hub; registering again only refreshes an
app's settings, so every process may do it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import requests

from adapters.wechat.credentials import Credentials

log = logging.getLogger("adapters.wechat")
STATE_FILE_NAME = "wechat-sandbox.sqlite3"
PROBE_TIMEOUT = 3


def sandbox_state_file(var_dir: str | Path) -> Path:
    return Path(var_dir) / STATE_FILE_NAME


def sandbox_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def is_sandbox(url: str) -> bool:
    """True if a WeChat sandbox answers at `url` (starts nothing)."""
    try:
        answer = requests.get(f"{url}/sandbox/apps", timeout=PROBE_TIMEOUT)
    except requests.RequestException:
        return False
    return answer.status_code == 200 and "apps" in answer.text


def register_app(url: str, creds: Credentials, callback_url: str | None, *,
                 account_type: str = "subscription") -> None:
    """Make the app known to the sandbox at `url` (again: only refreshes its settings)."""
    answer = requests.post(f"{url}/sandbox/apps", timeout=10, json={
        "appid": creds.appid, "secret": creds.secret, "token": creds.token,
        "encoding_aes_key": creds.encoding_aes_key, "callback_url": callback_url,
        "account_type": account_type})
    answer.raise_for_status()


class EmbeddedSandbox:
    def __init__(self, port: int, state_file: str | Path):
        self.port = port
        self.url = sandbox_url(port)
        self.state_file = str(state_file)
        self.server = None
        self.registered: set[str] = set()
        self.lock = threading.Lock()
        self.started = False

    def ensure_started(self) -> str:
        with self.lock:
            if not self.started:
                self._start()
                self.started = True
        return self.url

    def _start(self) -> None:
        from adapters.wechat.sandbox import SandboxSettings, serve

        try:
            self.server = serve("127.0.0.1", self.port,
                                SandboxSettings(state_file=self.state_file))
            log.info("WeChat sandbox serving at %s, state in %s", self.url, self.state_file)
        except (OSError, SystemExit):  # werkzeug exits rather than raise when the port is taken
            log.info("WeChat sandbox already served at %s by another process", self.url)

    def register(self, creds: Credentials, callback_url: str | None, *,
                 account_type: str = "subscription") -> None:
        """Make the app known to the sandbox (once per process and app)."""
        with self.lock:
            if creds.appid in self.registered:
                return
        register_app(self.url, creds, callback_url, account_type=account_type)
        with self.lock:
            self.registered.add(creds.appid)

    def stop(self) -> None:
        with self.lock:
            if self.server is not None:
                self.server.shutdown()
            self.server, self.started = None, False
            self.registered.clear()
