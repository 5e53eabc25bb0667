"""The two WSGI apps the feed benchmark serves under gunicorn: the hub with a feed endpoint
(what the mini-program backend will call: hub.members.feed for one member, as JSON), and a
bare Flask endpoint for comparison.

    gunicorn -w 2 'feed_app:hub()'    gunicorn -w 2 'feed_app:bare()'    (cwd bench/)
"""

from __future__ import annotations

from flask import Blueprint, Flask, g, jsonify
from pydantic import BaseModel, Field

from hub.api import route
from hub.app import create_app
from hub.members import feed


class FeedQuery(BaseModel):
    cursor: str | None = None
    limit: int = Field(default=feed.PAGE, ge=1, le=feed.MAX_PAGE)


def hub() -> Flask:
    app = create_app()
    routes = Blueprint("bench_feed", __name__)

    # Through hub.api.route like every JSON endpoint of the hub (the mini-program's will be
    # too): it validates the query and commits the request's transaction, which also keeps
    # the driver's prepared statements (a rollback would discard them).
    @route(routes, "/bench/feed/<int:identity_id>", "GET", summary="A member's feed (bench)",
           tag="bench", auth=None, query=FeedQuery)
    def read_feed(identity_id: int, query: FeedQuery):
        page = feed.feed(g.db, identity_id, cursor=query.cursor, limit=query.limit)
        return {"items": [item.to_json() for item in page.items],
                "next_cursor": page.next_cursor}

    app.register_blueprint(routes)
    return app


def bare() -> Flask:
    app = Flask(__name__)

    @app.get("/bare")
    def bare_endpoint():
        return jsonify({"ok": True})

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    return app
