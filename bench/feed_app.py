"""The two WSGI apps the feed benchmark serves under gunicorn: the hub (whose
`GET /mp/v1/feed` the benchmark reads with member session tokens), and a bare Flask endpoint
for comparison.

    gunicorn -w 2 'feed_app:hub()'    gunicorn -w 2 'feed_app:bare()'    (cwd bench/)
"""

from __future__ import annotations

from benchkit import bare_app
from flask import Flask

from hub.app import create_app


def hub() -> Flask:
    """The hub itself: the benchmark reads the mini-program's own GET /mp/v1/feed."""
    return create_app()


def bare() -> Flask:
    return bare_app()
