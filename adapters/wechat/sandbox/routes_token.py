"""WeChat's access-token calls: `token`, `stable_token` and `clear_quota`."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, request

from .errors import WeChatError
from .guard import begin_call, wechat_call, with_access_token
from .records import AppRecord
from .runtime import SandboxRuntime
from .tokens import FAMILY_STABLE, FAMILY_TOKEN, IssuedToken
from .wire import json_body, ok, wechat_json

bp = Blueprint("wechat_token", __name__)


def authenticate(rt: SandboxRuntime, grant_type: object, appid: object,
                 secret: object) -> AppRecord:
    """The app these credentials belong to, or the error WeChat answers."""
    if grant_type != "client_credential":
        raise WeChatError(40002)
    if not appid or not isinstance(appid, str):
        raise WeChatError(41002)
    with rt.state.lock:
        app = rt.state.app(appid)
    if app is None:
        raise WeChatError(40013)
    if not secret or not isinstance(secret, str):
        raise WeChatError(41004)
    if not hmac.compare_digest(secret.encode(), app.secret.encode()):
        raise WeChatError(40125)
    return app


def _token_answer(token: IssuedToken, now: float) -> Response:
    return wechat_json({"access_token": token.value,
                        "expires_in": int(token.expires_at - now)})


@bp.get("/cgi-bin/token")
@wechat_call
def get_token(rt: SandboxRuntime) -> Response:
    args = request.args
    app = authenticate(rt, args.get("grant_type"), args.get("appid"), args.get("secret"))
    begin_call(rt, app, takes_access_token=False)
    with rt.state.lock:
        now = rt.state.now()
        app.take_quota(rt.settings, "token", now)
        token = rt.state.issue_token(app, FAMILY_TOKEN)
        return _token_answer(token, now)


def _wants_force_refresh(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


@bp.post("/cgi-bin/stable_token")
@wechat_call
def get_stable_token(rt: SandboxRuntime) -> Response:
    body = json_body()
    app = authenticate(rt, body.get("grant_type"), body.get("appid"), body.get("secret"))
    begin_call(rt, app, takes_access_token=False)
    with rt.state.lock:
        now = rt.state.now()
        app.take_quota(rt.settings, "stable_token", now)
        if _wants_force_refresh(body.get("force_refresh")):
            token = _forced_stable_token(rt, app, now)
        else:
            token = _stable_token(rt, app, now)
        return _token_answer(token, now)


def _is_live(token: IssuedToken | None, now: float) -> bool:
    return token is not None and token.retired_at is None and now < token.expires_at


def _stable_token(rt: SandboxRuntime, app: AppRecord, now: float) -> IssuedToken:
    """The current stable token, renewed once it is within the overlap of expiring."""
    current = app.token_families[FAMILY_STABLE].current
    if _is_live(current, now) and current.expires_at - now > rt.settings.token_overlap:
        return current
    return rt.state.issue_token(app, FAMILY_STABLE)


def _forced_stable_token(rt: SandboxRuntime, app: AppRecord, now: float) -> IssuedToken:
    app.take_quota(rt.settings, "stable_token_force_refresh", now)
    family = app.token_families[FAMILY_STABLE]
    current = family.current
    too_soon = (family.last_forced_at is not None
                and now - family.last_forced_at < rt.settings.stable_force_refresh_interval)
    if too_soon and _is_live(current, now):
        return current  # WeChat ignores a forced refresh this soon after the last one
    family.last_forced_at = now
    return rt.state.issue_token(app, FAMILY_STABLE)


@bp.post("/cgi-bin/clear_quota")
@with_access_token
def clear_quota(rt: SandboxRuntime, app: AppRecord) -> Response:
    if json_body().get("appid") != app.appid:
        raise WeChatError(40013)
    with rt.state.lock:
        app.quotas.clear()
    return ok()
