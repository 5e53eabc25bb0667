"""ETag answers for what devices pull: a 304 or an already built body given before Flask
when one lookup suffices, the same answers from a view otherwise, and the small caches and
responses around them.

Almost every poll is answered 304. `ConditionalShortcut` answers it in front of Flask, which
skips the request context, routing and the hub's per-request session: most of what a 304
costs. Whatever it cannot answer (unknown devices, rate limits, a body not yet built, any
error) goes to the view, which answers the same way through `answer`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import Response, jsonify, request
from werkzeug.wsgi import get_host

from hub.errors import NotFound

CACHE_CONTROL = "private, no-cache"  # kept, but asked about again each time
JSON = "application/json; charset=utf-8"


def matches(header: str | None, tag: str) -> bool:
    """Whether an If-None-Match header names `tag` (or `*`), by weak comparison as RFC 9110
    asks for If-None-Match: a proxy that compresses turns our tags into W/"…", and the
    client's copy is still the one we sent."""
    if not header:
        return False
    wanted = _opaque(tag)
    return any(part.strip() == "*" or _opaque(part) == wanted for part in header.split(","))


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def root_of(environ) -> str:
    """"scheme://host/" as the client addressed the hub (what Flask's request.host gives)."""
    return f"{environ['wsgi.url_scheme']}://{get_host(environ)}{environ.get('SCRIPT_NAME', '')}/"


def tag_headers(tag: str) -> list[tuple[str, str]]:
    return [("ETag", tag), ("Cache-Control", CACHE_CONTROL)]


class LruCache:
    """Values by key, least recently used dropped first; safe across threads."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def early_answer(environ, tag: str, bodies: LruCache):
    """(status, headers, body) for the shortcut: a 304 when the client holds `tag`, a 200
    when the body for `tag` is already built; None when the view must build it."""
    headers = tag_headers(tag)
    if matches(environ.get("HTTP_IF_NONE_MATCH"), tag):
        return "304 NOT MODIFIED", headers, b""
    body = bodies.get(tag)
    if body is None:
        return None
    return "200 OK", headers + [("Content-Type", JSON), ("Content-Length", str(len(body)))], body


def answer(tag: str, bodies: LruCache, build: Callable[[], bytes]) -> Response:
    """The view's answer: 304 when the client holds `tag`, else the body for it, built (and
    kept for the next poll) when no poll built it yet."""
    headers = dict(tag_headers(tag))
    if matches(request.headers.get("If-None-Match"), tag):
        return Response(status=304, headers=headers)
    body = bodies.get(tag)
    if body is None:
        body = build()
        bodies.put(tag, body)
    return Response(body, headers=headers, content_type=JSON)


def retry_later(message: str, seconds: int, status: int = 503,
                code: str = "unavailable") -> Response:
    """A JSON error with Retry-After: the device keeps what it has and asks again later."""
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    response.headers["Retry-After"] = str(seconds)
    return response


def immutable_file(sha256: str, stored: tuple[bytes, str] | None) -> Response:
    """Bytes named by their sha256 ((data, content type) as hub.media.blobs.get gives them),
    or 404 when None. The bytes behind such a URL never change, so caches keep them for good."""
    if stored is None:
        raise NotFound("没有这个文件", field="file")
    data, content_type = stored
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["ETag"] = f'"{sha256}"'
    return response


class ConditionalShortcut:
    """WSGI middleware in front of Flask for one GET path answered by an ETag.

    `answer(environ)` returns (status, headers, body) when it can answer from one lookup and
    the in-process cache, or None to let Flask handle the request, in which case whatever it
    learnt may be left in the environ for the view.
    """

    def __init__(self, wsgi_app, path: str, answer):
        self.wsgi_app, self.path, self.answer = wsgi_app, path, answer

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == self.path and environ.get("REQUEST_METHOD") == "GET":
            try:
                answered = self.answer(environ)
            except Exception:  # noqa: BLE001  (the view meets the same error and answers it)
                answered = None
            if answered is not None:
                status, headers, body = answered
                start_response(status, headers)
                return [body]
        return self.wsgi_app(environ, start_response)


def install_shortcut(bp, path: str, answer: Callable) -> None:
    """Put a ConditionalShortcut for `path` in front of each app `bp` is registered on, once;
    `answer(environ, engine)` gets the app's engine."""
    def install(state) -> None:
        engine = state.app.extensions["hub.engine"]
        state.app.wsgi_app = ConditionalShortcut(
            state.app.wsgi_app, path, lambda environ: answer(environ, engine))

    bp.record_once(install)
