"""Custom domains: a request whose Host is a site's own domain (outlet config "domain") is
served that site's pages at the domain's root, e.g. http://dg.example.cn/posts/12 is
/sites/dongguan/posts/12. Done as WSGI middleware, before Flask routes the request."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from flask import request

ENVIRON_KEY = "hub.web.domain"
CACHE_SECONDS = 10.0  # a newly bound domain answers within this long on every process
# Paths the hub serves for every host (the bytes of pictures named in posts, the icon).
PASSTHROUGH = ("/media/", "/favicon.ico")


class DomainMiddleware:
    def __init__(self, wsgi_app, read_sessions, public_url: str):
        self.wsgi_app = wsgi_app
        self.read_sessions = read_sessions
        self.own_hosts = {"127.0.0.1", "localhost", "::1", "[::1]",
                          (urlsplit(public_url).hostname or "").lower()}
        self.cache: dict[str, tuple[float, str | None]] = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        host = _host_of(environ)
        if host and host not in self.own_hosts:
            code = self.site_for(host)
            path = environ.get("PATH_INFO", "/")
            if code is not None and not path.startswith(PASSTHROUGH):
                environ = dict(environ)
                environ["PATH_INFO"] = f"/sites/{code}{path}"
                environ[ENVIRON_KEY] = host
        return self.wsgi_app(environ, start_response)

    def site_for(self, host: str) -> str | None:
        now = time.monotonic()
        with self.lock:
            cached = self.cache.get(host)
        if cached and cached[0] > now:
            return cached[1]
        from adapters.web import store

        with self.read_sessions() as db:
            code = store.account_for_domain(db, host)
        with self.lock:
            if len(self.cache) > 10_000:  # hosts are chosen by clients: keep this bounded
                self.cache.clear()
            self.cache[host] = (now + CACHE_SECONDS, code)
        return code


def _host_of(environ) -> str:
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
    if host.startswith("["):
        return host.split("]")[0].lower() + "]"
    return host.rsplit(":", 1)[0].lower() if ":" in host else host.lower()


def site_base(code: str) -> tuple[str, str | None]:
    """(path prefix of the site's pages, its custom domain or None) for this request."""
    domain = request.environ.get(ENVIRON_KEY)
    return ("", request.host) if domain else (f"/sites/{code}", None)
