"""The two WSGI apps the rush benchmark serves under gunicorn: the hub with its campaign
endpoints, and a bare Flask endpoint that parses the same JSON body, for comparison.

    gunicorn -w 2 'rush_app:hub()'    gunicorn -w 2 'rush_app:bare()'    (cwd bench/)
"""

from __future__ import annotations

from benchkit import bare_app
from flask import Flask, jsonify, request

from hub import campaigns
from hub.app import create_app


def hub() -> Flask:
    app = create_app()
    campaigns.register(app)  # a no-op once hub/app.py registers the campaign blueprints
    return app


def bare() -> Flask:
    app = bare_app()

    @app.post("/bare/claim")
    def bare_claim():
        body = request.get_json(silent=True) or {}
        return jsonify({"status": "claimed", "request_id": body.get("request_id")})

    return app
