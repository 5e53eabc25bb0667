"""What every web page of the hub gets, whoever serves it: gzip for text, long caching of
versioned static files, the favicon, `robots.txt`, and a Chinese home and 404 page at `/`.

Compression keeps conditional answers working: a gzipped body gets the weak form of the view's
own ETag (W/"…": the same content, other bytes), which every view here compares weakly
(hub.pull.conditional.matches, werkzeug's contains_weak). A 304 is never compressed. The LED
and splash shortcuts answer in front of Flask and are not touched by any of this.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, render_template, request, send_from_directory
from flask_compress import Compress

STATIC = Path(__file__).parent / "static"
# Text that shrinks; pictures and LED/splash binaries are compressed already.
COMPRESSED_TYPES = ["text/html", "text/css", "text/plain", "text/xml", "text/javascript",
                    "application/javascript", "application/json", "application/xml",
                    "application/atom+xml", "application/rss+xml", "image/svg+xml"]
LONG_CACHE = "public, max-age=31536000, immutable"
ICON_CACHE = "public, max-age=86400"
# Machines' areas: nothing there for a search engine; the public sites are.
ROBOTS = ("User-agent: *\nDisallow: /console/\nDisallow: /api/\nDisallow: /mp/\n"
          "Disallow: /merchant/\nDisallow: /led/\nAllow: /sites/\nAllow: /\n")


def install(app: Flask) -> None:
    _install_compression(app)
    _install_static_versions(app)
    _install_root_pages(app)


def _install_compression(app: Flask) -> None:
    app.config.update(COMPRESS_REGISTER=False, COMPRESS_ALGORITHM=["gzip"],
                      COMPRESS_ALGORITHM_STREAMING=["gzip"], COMPRESS_MIMETYPES=COMPRESSED_TYPES,
                      COMPRESS_MIN_SIZE=500, COMPRESS_LEVEL=6,
                      # The views answer If-None-Match themselves, by weak comparison.
                      COMPRESS_EVALUATE_CONDITIONAL_REQUEST=False)
    compress = Compress(app)

    @app.after_request
    def _gzip(response):
        if response.direct_passthrough and _is_static():
            # A static file (a CSS or script of a few kB) is read whole so it can be gzipped.
            response.direct_passthrough = False
            response.get_data()
        etag, weak = response.get_etag()
        response = compress.after_request(response)
        if etag and response.headers.get("Content-Encoding") == "gzip":
            response.set_etag(etag, weak=True)
        return response


def _is_static() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


@lru_cache(maxsize=256)
def _file_version(folder: str, filename: str) -> str:
    try:
        return hashlib.sha256((Path(folder) / filename).read_bytes()).hexdigest()[:12]
    except OSError:
        return ""


def _static_folder(endpoint: str) -> str | None:
    if endpoint == "static":
        return current_app.static_folder
    blueprint = current_app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint is not None else None


def _install_static_versions(app: Flask) -> None:
    """Every url_for(…static…) carries `v=<hash of the file>`: the URL changes whenever the
    file does, so browsers may keep it for a year."""

    @app.url_defaults
    def _version(endpoint, values):
        if not (endpoint == "static" or endpoint.endswith(".static")) or "v" in values:
            return
        folder = _static_folder(endpoint)
        version = _file_version(folder, values.get("filename", "")) if folder else ""
        if version:
            values["v"] = version

    @app.after_request
    def _cache_static(response):
        if _is_static() and response.status_code in (200, 304):
            folder = _static_folder(request.endpoint)
            current = _file_version(folder, (request.view_args or {}).get("filename", "")) \
                if folder else ""
            if current and request.args.get("v") == current:
                response.headers["Cache-Control"] = LONG_CACHE
            else:
                response.headers["Cache-Control"] = "public, no-cache"
        return response


def _install_root_pages(app: Flask) -> None:
    @app.get("/favicon.ico")
    def favicon():
        response = send_from_directory(STATIC, "favicon.ico", mimetype="image/x-icon")
        response.headers["Cache-Control"] = ICON_CACHE
        return response

    @app.get("/robots.txt")
    def robots():
        return current_app.response_class(ROBOTS, mimetype="text/plain")

    @app.get("/")
    def home():
        return render_template("home.html")


def not_found_page():
    """The Chinese 404 for a person's browser (machines' routes answer JSON)."""
    return render_template("404.html"), 404
