"""Helpers for the WeChat sandbox tests: wechatpy pointed at the sandbox, apps, a receiver."""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from PIL import Image
from wechatpy import WeChatClient

from adapters.wechat.sandbox import SandboxServer, SandboxSettings

# Fast but otherwise WeChat-like: publishing finishes in 0.2 s, callbacks wait 1 s.
FAST = SandboxSettings(publish_delay=0.2, callback_timeout=1.0)
HTTP_TIMEOUT = 10


class SandboxWeChatClient(WeChatClient):
    """wechatpy's real client, pointed at the sandbox.

    wechatpy 1.8.18 has four separate bases: API_BASE_URL (cgi-bin calls), a hard-coded
    token URL in fetch_access_token, WeChatWxa.API_BASE_URL (jscode2session,
    subscribe/send) and WeChatDataCube.API_BASE_URL. All must follow the sandbox.
    """

    def __init__(self, base_url: str, appid: str, secret: str, **kwargs: Any) -> None:
        self.API_BASE_URL = f"{base_url}/cgi-bin/"
        super().__init__(appid, secret, **kwargs)
        self.wxa.API_BASE_URL = f"{base_url}/"
        self.datacube.API_BASE_URL = f"{base_url}/datacube/"
        self._token_url = f"{base_url}/cgi-bin/token"

    def fetch_access_token(self) -> dict[str, Any]:
        return self._fetch_access_token(
            url=self._token_url,
            params={"grant_type": "client_credential", "appid": self.appid,
                    "secret": self.secret})


@dataclass
class SandboxApp:
    """A registered app and the way to talk to the sandbox as it."""

    base_url: str
    appid: str
    secret: str
    token: str
    encoding_aes_key: str | None

    def client(self, **kwargs: Any) -> SandboxWeChatClient:
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return SandboxWeChatClient(self.base_url, self.appid, self.secret, **kwargs)

    def fetch_token(self) -> str:
        answer = requests.get(f"{self.base_url}/cgi-bin/token", timeout=HTTP_TIMEOUT, params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
        return answer.json()["access_token"]

    def call(self, path: str, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST JSON the way WeChat wants it: UTF-8, Chinese not escaped."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        answer = requests.post(f"{self.base_url}{path}", params={"access_token": token},
                               data=body, timeout=HTTP_TIMEOUT)
        assert answer.status_code == 200
        return answer.json()

    def get(self, path: str, token: str) -> dict[str, Any]:
        answer = requests.get(f"{self.base_url}{path}", params={"access_token": token},
                              timeout=HTTP_TIMEOUT)
        assert answer.status_code == 200
        return answer.json()

    def faults(self, **faults: Any) -> dict[str, Any]:
        answer = requests.post(f"{self.base_url}/sandbox/apps/{self.appid}/faults",
                               json=faults, timeout=HTTP_TIMEOUT)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def received(self) -> dict[str, Any]:
        answer = requests.get(f"{self.base_url}/sandbox/apps/{self.appid}/received",
                              timeout=HTTP_TIMEOUT)
        assert answer.status_code == 200
        return answer.json()


def new_aes_key() -> str:
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


def register(sandbox: SandboxServer, *, account_type: str = "subscription",
             callback_url: str | None = None, safe_mode: bool = False) -> SandboxApp:
    app = SandboxApp(sandbox.url, "wx" + secrets.token_hex(8), secrets.token_hex(16),
                     "tok" + secrets.token_hex(6), new_aes_key() if safe_mode else None)
    answer = requests.post(f"{sandbox.url}/sandbox/apps", timeout=HTTP_TIMEOUT, json={
        "appid": app.appid, "secret": app.secret, "token": app.token,
        "encoding_aes_key": app.encoding_aes_key, "callback_url": callback_url,
        "account_type": account_type})
    assert answer.status_code == 200, answer.text
    return app


# --- images ---------------------------------------------------------------------------


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload_image(app: SandboxApp, token: str, data: bytes, filename: str) -> dict[str, Any]:
    answer = requests.post(f"{app.base_url}/cgi-bin/media/uploadimg", timeout=HTTP_TIMEOUT,
                           params={"access_token": token}, files={"media": (filename, data)})
    return answer.json()


def add_thumb(app: SandboxApp, token: str, data: bytes | None = None,
              filename: str = "cover.jpg") -> dict[str, Any]:
    answer = requests.post(
        f"{app.base_url}/cgi-bin/material/add_material", timeout=HTTP_TIMEOUT,
        params={"access_token": token, "type": "thumb"},
        files={"media": (filename, data if data is not None else image_bytes())})
    return answer.json()


def new_draft(app: SandboxApp, token: str, **article: Any) -> str:
    """A one-article draft with a fresh cover; returns its media_id."""
    thumb = add_thumb(app, token)["media_id"]
    fields = {"title": "工会福利上新", "content": "<p>正文</p>", "thumb_media_id": thumb,
              **article}
    answer = app.call("/cgi-bin/draft/add", token, {"articles": [fields]})
    assert "media_id" in answer, answer
    return answer["media_id"]


# --- a callback receiver --------------------------------------------------------------


@dataclass
class ReceivedPush:
    path: str
    params: dict[str, str]
    body: bytes
    at: float


class CallbackReceiver:
    """A tiny HTTP server standing in for the hub's callback URL.

    `delays` and `statuses` say, push by push, how long to wait before answering and with
    which HTTP status (afterwards: at once, 200 "success").
    """

    def __init__(self, delays: Sequence[float] = (), statuses: Sequence[int] = ()) -> None:
        self.pushes: list[ReceivedPush] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = urlsplit(self.path)
                index = receiver._record(ReceivedPush(
                    parts.path, dict(parse_qsl(parts.query)), body, time.monotonic()))
                time.sleep(delays[index] if index < len(delays) else 0)
                status = statuses[index] if index < len(statuses) else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "7")
                    self.end_headers()
                    self.wfile.write(b"success")
                except OSError:
                    pass  # the sandbox gave up waiting and hung up

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/wechat/callback"

    def _record(self, push: ReceivedPush) -> int:
        with self._changed:
            self.pushes.append(push)
            self._changed.notify_all()
            return len(self.pushes) - 1

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedPush]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.pushes) >= count, timeout)
            return list(self.pushes)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def wait_until(condition: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll `condition` until it gives something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail("condition not met in time")
        time.sleep(0.02)
