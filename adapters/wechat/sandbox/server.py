"""Running the sandbox over real HTTP in a background thread, for tests, the demo and benchmarks."""

from __future__ import annotations

import threading
from types import TracebackType
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import create_sandbox_app
from .jobs import resume_unfinished
from .runtime import EXTENSION_KEY, SandboxRuntime
from .settings import SandboxSettings

# Query parameters that carry credentials: the request log shows them as "***".
SENSITIVE_PARAMS = frozenset({"secret", "access_token", "js_code", "code"})


def redact_path(path: str) -> str:
    parts = urlsplit(path)
    if not parts.query:
        return path
    pairs = [(name, "***" if name in SENSITIVE_PARAMS else value)
             for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    return f"{parts.path}?{urlencode(pairs, safe='*')}"


class RedactingRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler, minus the app secrets and tokens in its access log."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = redact_path(getattr(self, "path", ""))
        self.log("info", '"%s %s %s" %s %s', self.command, path, self.request_version,
                 code, size)


class SandboxServer:
    """A sandbox served on a real port; `shutdown()` stops it and its background work."""

    def __init__(self, app: Flask, server: BaseWSGIServer, url: str) -> None:
        self.app = app
        self.url = url
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"wechat-sandbox {url}", daemon=True)

    @property
    def runtime(self) -> SandboxRuntime:
        return self.app.extensions[EXTENSION_KEY]

    @property
    def port(self) -> int:
        return self._server.server_port

    def start(self) -> SandboxServer:
        self._thread.start()
        resume_unfinished(self.runtime)  # only once the port is ours
        return self

    def shutdown(self) -> None:
        self.runtime.background.shutdown()
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()
        self.runtime.close()  # after the last request: what it changed is written

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.shutdown()


def serve(host: str = "127.0.0.1", port: int = 0,
          settings: SandboxSettings | None = None) -> SandboxServer:
    """Start a sandbox on `host:port` (0: any free port) in a background thread."""
    app = create_sandbox_app(settings)
    try:
        server = make_server(host, port, app, threaded=True,
                             request_handler=RedactingRequestHandler)
    except BaseException:  # werkzeug exits rather than raise when the port is taken
        app.extensions[EXTENSION_KEY].close()
        raise
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{server.server_port}"
    state = app.extensions[EXTENSION_KEY].state
    with state.lock:
        if state.base_url is None:
            state.base_url = url
    return SandboxServer(app, server, url).start()
