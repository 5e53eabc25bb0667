"""Mini-program calls: `sns/jscode2session` and `wxa/business/getuserphonenumber`."""

from __future__ import annotations

import base64
import secrets

from flask import Blueprint, Response, request

from .errors import WeChatError
from .guard import begin_call, wechat_call, with_access_token
from .routes_token import authenticate
from .runtime import SandboxRuntime
from .state import AppRecord, OneTimeCode
from .wire import json_body, ok, wechat_json

bp = Blueprint("wechat_miniprogram", __name__)


def take_code(codes: dict[str, OneTimeCode], code: object, now: float) -> OneTimeCode:
    """Use up a single-use code; an unknown, used or expired one is 40029."""
    entry = codes.get(code) if isinstance(code, str) else None
    if entry is None or entry.used or now >= entry.expires_at:
        raise WeChatError(40029)
    entry.used = True
    return entry


@bp.get("/sns/jscode2session")
@wechat_call
def code_to_session(rt: SandboxRuntime) -> Response:
    args = request.args
    grant_type = args.get("grant_type")
    if grant_type != "authorization_code":
        raise WeChatError(40002)
    app = authenticate(rt, "client_credential", args.get("appid"), args.get("secret"))
    begin_call(rt, app, takes_access_token=False)
    with rt.state.lock:
        now = rt.state.now()
        entry = take_code(app.login_codes, args.get("js_code"), now)
        session = {"openid": entry.openid,
                   "session_key": base64.b64encode(secrets.token_bytes(16)).decode()}
        if entry.unionid:
            session["unionid"] = entry.unionid
        app.logins.append({"openid": entry.openid, "unionid": entry.unionid, "at": now})
    # WeChat answers a good code without errcode.
    return wechat_json(session)


def phone_info(app: AppRecord, entry: OneTimeCode, now: float) -> dict[str, object]:
    pure = entry.phone or ""
    # WeChat puts the country code before foreign numbers only.
    full = pure if entry.country_code == "86" else f"+{entry.country_code} {pure}"
    return {
        "phoneNumber": full,
        "purePhoneNumber": pure,
        "countryCode": entry.country_code,
        "watermark": {"timestamp": int(now), "appid": app.appid},
    }


@bp.post("/wxa/business/getuserphonenumber")
@with_access_token
def get_user_phone_number(rt: SandboxRuntime, app: AppRecord) -> Response:
    code = json_body().get("code")
    with rt.state.lock:
        now = rt.state.now()
        entry = take_code(app.phone_codes, code, now)
        return ok(phone_info=phone_info(app, entry, now))
