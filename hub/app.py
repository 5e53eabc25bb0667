"""The Flask app factory: configuration, database sessions, error answers, blueprints."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from hub import api, attribution, bootstrap, campaigns, channels, inputs, kpis, webbasics
from hub.config import Config
from hub.errors import HubError
from hub.ratelimits import init_rate_limits

log = logging.getLogger("hub")


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__)
    app.request_class = inputs.HubRequest  # JSON and forms checked as they are parsed
    app.config["HUB"] = config
    app.config["SECRET_KEY"] = config.secret()
    # Werkzeug refuses bodies over this with 413 before we read them.
    app.config["MAX_CONTENT_LENGTH"] = config.max_upload_bytes + 64 * 1024
    app.json.ensure_ascii = False  # Chinese as UTF-8, never as \uXXXX escapes
    # <int:…> in every route takes ids the database can hold; a longer number is a 404, not
    # an overflow deep in the driver.
    app.url_map.converters["int"] = DatabaseId

    wiring = bootstrap.build(config)
    app.extensions["hub.engine"] = wiring.engine
    app.extensions["hub.sessions"] = wiring.sessions
    app.extensions["hub.read_sessions"] = wiring.read_sessions
    if config.auto_migrate:
        bootstrap.prepare_database(wiring.engine, config)

    init_rate_limits(app, config)  # before the blueprints: their set-up uses it
    _install_sessions(app)
    _install_input_checks(app)
    _install_answer_headers(app)
    _install_error_handlers(app)
    _register_blueprints(app)
    webbasics.install(app)
    return app


class DatabaseId(IntegerConverter):
    """Werkzeug's int converter, bounded to what an id column holds (INTEGER: 2**31 - 1)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(url_map, fixed_digits, min, 2**31 - 1 if max is None else max, signed)


def _install_sessions(app: Flask) -> None:
    sessions = app.extensions["hub.sessions"]
    read_sessions = app.extensions["hub.read_sessions"]

    @app.before_request
    def _open_session():
        # GET and HEAD never write, so they read without taking SQLite's write lock.
        g.db = read_sessions() if request.method in ("GET", "HEAD") else sessions()

    @app.teardown_request
    def _close_session(_exc):
        db = g.pop("db", None)
        if db is not None:
            db.rollback()  # whatever the view did not commit is undone: nothing half-written
            db.close()


def _install_answer_headers(app: Flask) -> None:
    @app.after_request
    def _no_sniffing(response):
        # Every answer is served as the type the hub gave it: an uploaded image, an LED or
        # splash file is never taken for HTML or script by a browser that sniffs.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


def _install_input_checks(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_in_url():
        # Bodies are checked as they are parsed (inputs.HubRequest); the URL is parsed already.
        inputs.check_pairs((request.view_args or {}).items())
        inputs.check_pairs(request.args.items(multi=True))


HUB_JSON_PREFIXES = ("/api/", "/mp/", "/healthz", "/merchant/v1/")


def _wants_json() -> bool:
    """Machines' routes answer errors as JSON: the hub's APIs and each outlet's own."""
    return request.path.startswith(HUB_JSON_PREFIXES + channels.json_prefixes())


def _install_error_handlers(app: Flask) -> None:
    # Imported as the app is built, like the blueprints, so that `import hub` stays light.
    from hub.console import outlet_pages
    from hub.console.blueprint import http_error_page

    @app.errorhandler(HubError)
    def _hub_error(exc: HubError):
        # The console's own pages answer through its blueprint's handler; an outlet's console
        # page (its own blueprint, named by no hub code) is answered here the same way.
        if outlet_pages.is_outlet_page():
            return outlet_pages.answer_outlet_refusal(exc)
        return api.error_response(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if outlet_pages.is_outlet_page():  # as the console's own pages answer it
            return http_error_page(exc)
        if not _wants_json():
            # A person's browser: a Chinese page rather than Werkzeug's English one.
            return webbasics.not_found_page() if exc.code == 404 else exc
        messages = {404: "没有这个地址", 405: "该地址不支持此方法", 413: "请求体过大"}
        body = {"error": exc.name.lower().replace(" ", "_"),
                "message": messages.get(exc.code, exc.description)}
        response = jsonify(body)
        response.status_code = exc.code
        # Werkzeug's own headers (Allow on a 405, WWW-Authenticate…) stay; only the body is ours.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers.add(name, value)
        return response

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(exc: Exception):
        # A number in the request too large for its column (PostgreSQL: DataError; SQLite's
        # driver: OverflowError): the input's fault, and nothing was written.
        log.info("value out of range on %s %s: %s", request.method, request.path,
                 type(exc).__name__)
        return jsonify({"error": "invalid_input", "message": "请求中的数值超出范围"}), 400

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify({"error": "internal", "message": "服务器内部错误，已记录"}), 500


def _register_blueprints(app: Flask) -> None:
    from hub.accounts.views import bp as accounts_bp
    from hub.audit.views import bp as audit_bp
    from hub.console import bp as console_bp
    from hub.deliveries.views import bp as deliveries_bp
    from hub.media.views import bp as media_bp
    from hub.media.views import files as media_files
    from hub.members.views import bp as members_bp
    from hub.mp.views import bp as mp_bp
    from hub.outlets.views import bp as outlets_bp
    from hub.posts.views import bp as posts_bp
    from hub.users.views import bp as users_bp

    for bp in (accounts_bp, posts_bp, media_bp, media_files, users_bp, audit_bp,
               deliveries_bp, outlets_bp, console_bp):
        app.register_blueprint(bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(mp_bp)
    campaigns.register(app)
    kpis.register(app)
    attribution.register(app)

    # Adapters that serve HTTP (callbacks, playlists, sites) bring their own blueprint; the hub
    # only asks the registry, so it never names an adapter.
    for channel in channels.all_channels():
        for blueprint in channel.blueprints():
            app.register_blueprint(blueprint)

    @app.get("/healthz")
    def healthz():
        try:
            g.db.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to answer is "unhealthy", not a 500
            log.warning("health check: database does not answer: %s", type(exc).__name__)
            return jsonify({"status": "unavailable", "database": "down"}), 503
        return jsonify({"status": "ok", "database": "up", **campaigns.health(app)})

    @app.get("/api/openapi.json")
    def openapi():
        return jsonify(api.openapi_document())
