"""The Flask app factory of the WeChat API sandbox, a stand-in for api.weixin.qq.com."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from . import (
    routes_admin,
    routes_datacube,
    routes_media,
    routes_messages,
    routes_miniprogram,
    routes_pages,
    routes_publish,
    routes_token,
)
from .errors import WeChatError
from .runtime import EXTENSION_KEY, SandboxRuntime
from .settings import SandboxSettings
from .wire import error_response

logger = logging.getLogger(__name__)

BLUEPRINTS = (
    routes_token.bp,
    routes_media.bp,
    routes_publish.bp,
    routes_datacube.bp,
    routes_messages.bp,
    routes_miniprogram.bp,
    routes_admin.bp,
    routes_pages.bp,
)
WECHAT_PATH_PREFIXES = ("/cgi-bin/", "/sns/", "/wxa/", "/datacube/")


def create_sandbox_app(settings: SandboxSettings | None = None) -> Flask:
    """A WeChat-compatible API server keeping its state in memory (and in
    `settings.state_file`, if given, from which a restarted sandbox carries on)."""
    app = Flask(__name__)
    sandbox = SandboxRuntime.create(settings or SandboxSettings())
    app.extensions[EXTENSION_KEY] = sandbox
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.before_request(sandbox.note_base_url)
    app.teardown_request(sandbox.save_touched)
    app.register_error_handler(MethodNotAllowed, _wrong_method)
    app.register_error_handler(Exception, _unexpected)
    return app


def _is_wechat_path() -> bool:
    return request.path.startswith(WECHAT_PATH_PREFIXES)


def _wrong_method(error: MethodNotAllowed) -> Response | MethodNotAllowed:
    if not _is_wechat_path():
        return error
    # WeChat answers a wrong method with 43001 "require GET" / 43002 "require POST".
    return error_response(WeChatError(43001 if request.method == "POST" else 43002))


def _unexpected(error: Exception) -> Response | HTTPException:
    if isinstance(error, HTTPException):
        return error
    logger.exception("sandbox bug while answering %s %s", request.method, request.path)
    return error_response(WeChatError(-1))
