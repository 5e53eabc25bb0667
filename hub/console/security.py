"""The console's guards: session cookies, CSRF tokens, login throttling, response headers.

Login throttling is kept in memory, per process: a sliding window of failed attempts per
username and per client address. With several web processes (gunicorn -w N) each counts on
its own, so the effective limit is N times the one below; put the counts in Redis (or the
database) before relying on it across processes. Behind a reverse proxy, `remote_addr` is
the proxy's unless the app is wrapped in werkzeug's ProxyFix.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
import time
from collections import deque
from urllib.parse import urlsplit

from flask import abort, request, session

CSRF_FIELD = "csrf_token"
SESSION_HOURS = 12
# Console pages: only the hub's own styles, scripts, frames (previews) and forms.
CONSOLE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: "
               "https: http:; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
               "base-uri 'none'; object-src 'none'")
# An outlet's preview document: shown inside a sandboxed frame, nothing in it may run.
PREVIEW_CSP = ("default-src 'none'; img-src * data: blob:; media-src * data:; "
               "style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
               "frame-ancestors 'self'; sandbox")


def configure_session_cookie(app) -> None:
    """HttpOnly and SameSite=Lax always; Secure whenever the hub is served over https."""
    public_url = app.config["HUB"].public_url
    app.config.update(
        SESSION_COOKIE_NAME="hub_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=public_url.startswith("https://"),
        SESSION_COOKIE_PATH="/console",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
    )


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Every state-changing request must carry the session's token and, if the browser says
    where it comes from, come from this site."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = session.get("csrf")
    sent = request.form.get(CSRF_FIELD, "")
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        abort(400, description="csrf")
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        abort(400, description="csrf")


def console_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONSOLE_CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"  # pages show unpublished work
    return response


class LoginThrottle:
    """Refuses further attempts after too many failures in a window (see module note)."""

    def __init__(self, *, per_user: int = 5, per_address: int = 20, window: float = 900.0):
        self.limits = {"user": per_user, "address": per_address}
        self.window = window
        self.failures: dict[tuple[str, str], deque[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self.failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until an attempt is allowed again; 0 if it is allowed now."""
        now = time.monotonic()
        wait = 0.0
        with self.lock:
            for kind, value in (("user", username), ("address", address)):
                times = self._recent((kind, value), now)
                if len(times) >= self.limits[kind]:
                    wait = max(wait, times[0] + self.window - now)
        return int(wait) + 1 if wait else 0

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self.lock:
            if len(self.failures) > 100_000:  # names are chosen by clients: stay bounded
                self.failures.clear()
            for key in (("user", username), ("address", address)):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self.lock:
            self.failures.pop(("user", username), None)
