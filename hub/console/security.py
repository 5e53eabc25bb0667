"""The console's guards: session cookies, CSRF tokens, login throttling, response headers.

Login throttling counts failed attempts per username and per client address in a sliding
window, on the app's rate limits (hub/ratelimits.py): shared by every web process when
HUB_REDIS_URL is set; without it each of N processes (gunicorn -w N) counts on its own, so
the effective limit is N times the one below. Behind a reverse proxy, `remote_addr` is the
proxy's unless the app is wrapped in werkzeug's ProxyFix.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from urllib.parse import urlsplit

from flask import abort, request, session

from hub.ratelimits import RateLimits

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
    """Refuses further attempts after too many failures in a window, per username and per
    client address; a success clears the username's failures."""

    def __init__(self, limits: RateLimits, *, per_user: int = 5, per_address: int = 20,
                 window_minutes: int = 15):
        self.limits = limits
        self.rules = {"user": f"{per_user} per {window_minutes} minutes",
                      "address": f"{per_address} per {window_minutes} minutes"}

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until an attempt is allowed again; 0 if it is allowed now."""
        return max(self.limits.wait(self.rules["user"], "login", "user", username),
                   self.limits.wait(self.rules["address"], "login", "address", address))

    def failed(self, username: str, address: str) -> None:
        self.limits.hit(self.rules["user"], "login", "user", username)
        self.limits.hit(self.rules["address"], "login", "address", address)

    def succeeded(self, username: str) -> None:
        self.limits.clear(self.rules["user"], "login", "user", username)
