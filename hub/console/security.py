"""The console's guards: session cookies, CSRF tokens, login throttling, response headers.

Login throttling slows down, it never locks a name out for everyone: failures are counted
per (username, client address) with growing waits, so someone guessing an editor's password
from elsewhere does not keep the editor out; and per client address, whatever the name. Counts
live on the app's rate limits (hub/ratelimits.py): shared by every web process when
HUB_REDIS_URL is set; without it each of N processes (gunicorn -w N) counts on its own. Behind
a reverse proxy, `remote_addr` is the proxy's unless the app is wrapped in werkzeug's
ProxyFix. An admin's unlock forgets a user's counts from every address (the keys carry the
user's `login_epoch`).

Sessions end on the server: the cookie carries the user's `session_generation`, and logging
out, an unlock or a new password add one to it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from urllib.parse import urlsplit

from flask import abort, request, session

from hub.ratelimits import Backoff, RateLimits

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
    """Growing waits after failures per (username, address); a limit per address; a success
    clears that name's failures from that address."""

    def __init__(self, limits: RateLimits, *, free_per_user: int = 4, first_wait: int = 60,
                 longest_wait: int = 3600, per_address: int = 20, window_minutes: int = 15):
        self.limits = limits
        self.backoff = Backoff(limits, "login", free=free_per_user, first=first_wait,
                               longest=longest_wait)
        self.address_rule = f"{per_address} per {window_minutes} minutes"

    def retry_after(self, username: str, epoch: int, address: str) -> int:
        """Seconds until an attempt is allowed again; 0 if it is allowed now."""
        return max(self.backoff.wait(username, str(epoch), address),
                   self.limits.wait(self.address_rule, "login", "address", address))

    def failed(self, username: str, epoch: int, address: str) -> int:
        """Count a failure; the seconds the next attempt of the name from there waits."""
        self.limits.hit(self.address_rule, "login", "address", address)
        return self.backoff.failed(username, str(epoch), address)

    def succeeded(self, username: str, epoch: int, address: str) -> None:
        self.backoff.clear(username, str(epoch), address)


def start_session(user) -> None:
    """A fresh session (and CSRF token) for `user`, good until their generation moves on."""
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["gen"] = user.session_generation
    csrf_token()


def session_is_current(user) -> bool:
    return session.get("gen") == user.session_generation


def end_sessions(user) -> None:
    """Every console session of `user` stops working (the caller commits)."""
    user.session_generation = (user.session_generation or 0) + 1
