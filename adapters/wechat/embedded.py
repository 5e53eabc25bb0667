"""The sandbox the demo runs against when HUB_WECHAT_API_BASE is unset.

Started once per process on 127.0.0.1:HUB_WECHAT_SANDBOX_PORT (5001) the first time an
official account is called. If another hub process (a `hub worker`, another gunicorn
worker) already serves it there, that one is used. Outlets whose config says
`"sandbox": true` are registered with it before their first call, with the hub's own
`/wechat/callback/<appid>` (at HUB_PUBLIC_URL) as callback URL, so its publish events reach
the hub; registering again only refreshes an app's settings, so every process may do it.
"""

from __future__ import annotations

import logging
import threading

import requests

from adapters.wechat.credentials import Credentials

log = logging.getLogger("adapters.wechat")


class EmbeddedSandbox:
    def __init__(self, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
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
        from adapters.wechat.sandbox import serve

        try:
            self.server = serve("127.0.0.1", self.port)
            log.info("WeChat sandbox serving at %s (HUB_WECHAT_API_BASE unset)", self.url)
        except (OSError, SystemExit):  # werkzeug exits rather than raise when the port is taken
            log.info("WeChat sandbox already served at %s by another process", self.url)

    def register(self, creds: Credentials, callback_url: str | None, *,
                 account_type: str = "subscription") -> None:
        """Make the app known to the sandbox (once per process and app)."""
        with self.lock:
            if creds.appid in self.registered:
                return
        answer = requests.post(f"{self.url}/sandbox/apps", timeout=10, json={
            "appid": creds.appid, "secret": creds.secret, "token": creds.token,
            "encoding_aes_key": creds.encoding_aes_key, "callback_url": callback_url,
            "account_type": account_type})
        answer.raise_for_status()
        with self.lock:
            self.registered.add(creds.appid)

    def stop(self) -> None:
        with self.lock:
            if self.server is not None:
                self.server.shutdown()
            self.server, self.started = None, False
            self.registered.clear()
