"""The sandbox's own routes under /sandbox/ (not WeChat's): apps, faults, inspection, test users."""

from __future__ import annotations

import binascii
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, request
from wechatpy.crypto import WeChatCrypto

from .records import ACCOUNT_TYPES, AppRecord, ArticleStats, OneTimeCode, default_ghid
from .routes_datacube import FIGURES
from .routes_publish import FAILED_STATUSES, SUBMIT_ERRCODES
from .runtime import SandboxRuntime, runtime
from .settings import DEFAULT_DAILY_QUOTAS
from .wire import admin_error, wechat_json

bp = Blueprint("sandbox_admin", __name__, url_prefix="/sandbox")

COUNT_FAULTS = ("system_busy", "token_storm", "latency_ms", "drop_callbacks")


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(AdminError)
def _admin_error(error: AdminError) -> Response:
    return admin_error(error.status, error.message)


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise AdminError(400, "send a JSON object")
    return data


def _text_field(data: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise AdminError(400, f"{name} is required")
        return None
    if not isinstance(value, str):
        raise AdminError(400, f"{name} must be a string")
    return value


def _registered(rt: SandboxRuntime, appid: str) -> AppRecord:
    with rt.state.lock:
        app = rt.state.app(appid)
    if app is None:
        raise AdminError(404, f"no app {appid} is registered")
    return app


def _check_aes_key(token: str, key: str | None, appid: str) -> None:
    if key is None:
        return
    try:
        WeChatCrypto(token, key, appid)
    except (AssertionError, binascii.Error, ValueError) as exc:
        raise AdminError(400, "encoding_aes_key must be 43 characters of base64") from exc


def _check_callback_url(url: str | None) -> None:
    if url is not None and urlsplit(url).scheme not in ("http", "https"):
        raise AdminError(400, "callback_url must be an http(s) URL")


@bp.post("/apps")
def register_app() -> Response:
    data = _body()
    appid = _text_field(data, "appid") or ""
    token = _text_field(data, "token") or ""
    key = _text_field(data, "encoding_aes_key", required=False)
    callback_url = _text_field(data, "callback_url", required=False)
    account_type = data.get("account_type", "subscription")
    if account_type not in ACCOUNT_TYPES:
        raise AdminError(400, f"account_type must be one of {', '.join(ACCOUNT_TYPES)}")
    _check_aes_key(token, key, appid)
    _check_callback_url(callback_url)
    record = AppRecord(
        appid=appid, secret=_text_field(data, "secret") or "", token=token,
        encoding_aes_key=key, callback_url=callback_url, account_type=account_type,
        ghid=_text_field(data, "ghid", required=False) or default_ghid(appid))
    rt = runtime()
    with rt.state.lock:
        app = rt.state.register_app(record)
        summary = _app_summary(app)
    return wechat_json(summary)


def _app_summary(app: AppRecord) -> dict[str, Any]:
    # Never the secret, the token or the key: they stay in the sandbox.
    return {"appid": app.appid, "account_type": app.account_type, "ghid": app.ghid,
            "callback_url": app.callback_url, "safe_mode": app.safe_mode}


@bp.get("/apps")
def list_apps() -> Response:
    rt = runtime()
    with rt.state.lock:
        apps = [_app_summary(app) for app in rt.state.apps.values()]
    return wechat_json({"apps": apps})


def _fault_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AdminError(400, f"{name} must be a whole number, 0 or more")
    return value


def _publish_fail(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    allowed = {str(code) for code in SUBMIT_ERRCODES | FAILED_STATUSES}
    if text not in allowed:
        raise AdminError(400, f"publish_fail must be one of {', '.join(sorted(allowed))}")
    return text


@bp.post("/apps/<appid>/faults")
def set_faults(appid: str) -> Response:
    """Switch faults: counts replace the current ones, 0 or null switches off."""
    rt = runtime()
    app = _registered(rt, appid)
    data = _body()
    unknown = set(data) - set(COUNT_FAULTS) - {"publish_fail"}
    if unknown:
        raise AdminError(400, f"unknown fault: {', '.join(sorted(unknown))}")
    counts = {name: _fault_count(name, data[name] or 0) for name in COUNT_FAULTS
              if name in data}
    with rt.state.lock:
        for name, count in counts.items():
            setattr(app.faults, name, count)
        if "publish_fail" in data:
            app.faults.publish_fail = _publish_fail(data["publish_fail"])
        return wechat_json(app.faults.as_dict())


@bp.post("/apps/<appid>/quotas")
def set_quotas(appid: str) -> Response:
    """This app's own daily limits, e.g. {"freepublish_submit": 0}: an account out of quota."""
    rt = runtime()
    app = _registered(rt, appid)
    data = _body()
    unknown = set(data) - set(DEFAULT_DAILY_QUOTAS)
    if unknown:
        raise AdminError(400, f"unknown quota: {', '.join(sorted(unknown))}")
    limits = {name: _fault_count(name, value) for name, value in data.items()}
    with rt.state.lock:
        app.quota_limits.update(limits)
        return wechat_json({"quota_limits": dict(app.quota_limits)})


@bp.post("/apps/<appid>/article-stats")
def set_article_stats(appid: str) -> Response:
    """An article's datacube figures: {"msgid", "title", "sent": "YYYY-MM-DD",
    "target_user", "days": {"YYYY-MM-DD": {"int_page_read_count": n, ...}}} (replaces)."""
    rt = runtime()
    app = _registered(rt, appid)
    data = _body()
    msgid, title, sent = (_text_field(data, name) for name in ("msgid", "title", "sent"))
    days = data.get("days") or {}
    if not isinstance(days, dict) or not all(isinstance(v, dict) for v in days.values()):
        raise AdminError(400, "days must map YYYY-MM-DD to figures")
    unknown = {name for figures in days.values() for name in figures} - set(FIGURES)
    if unknown:
        raise AdminError(400, f"unknown figure: {', '.join(sorted(unknown))}")
    stats = ArticleStats(msgid, title, sent, _fault_count("target_user",
                                                          data.get("target_user", 0)),
                         {day: {name: _fault_count(name, value) for name, value in f.items()}
                          for day, f in days.items()})
    with rt.state.lock:
        app.article_stats[stats.msgid] = stats
    return wechat_json({"msgid": stats.msgid, "days": sorted(stats.days)})


@bp.get("/apps/<appid>/received")
def received(appid: str) -> Response:
    rt = runtime()
    app = _registered(rt, appid)
    with rt.state.lock:
        return wechat_json(app.received())


@bp.post("/reset")
def reset() -> Response:
    rt = runtime()
    with rt.state.lock:
        rt.state.reset()
    return wechat_json({"reset": True})


def _new_openid() -> str:
    return "o" + secrets.token_urlsafe(21)[:27]  # 28 characters, like WeChat's


@bp.post("/apps/<appid>/login-codes")
def create_login_code(appid: str) -> Response:
    """A test user logging in: a single-use js_code (and a phone code if a phone is given)."""
    rt = runtime()
    app = _registered(rt, appid)
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise AdminError(400, "send a JSON object")
    openid = _text_field(data, "openid", required=False) or _new_openid()
    unionid = _text_field(data, "unionid", required=False)
    phone = _text_field(data, "phone", required=False)
    country_code = _text_field(data, "country_code", required=False) or "86"
    with rt.state.lock:
        expires_at = rt.state.now() + rt.settings.login_code_ttl
        js_code = secrets.token_hex(16)
        app.login_codes[js_code] = OneTimeCode(js_code, expires_at, openid, unionid)
        answer: dict[str, Any] = {"js_code": js_code, "openid": openid, "unionid": unionid,
                                  "expires_in": int(rt.settings.login_code_ttl)}
        if phone:
            phone_code = secrets.token_hex(16)
            app.phone_codes[phone_code] = OneTimeCode(
                phone_code, expires_at, openid, unionid, phone, country_code)
            answer["phone_code"] = phone_code
    return wechat_json(answer)


@bp.post("/apps/<appid>/subscribe-allow")
def allow_subscribe_messages(appid: str) -> Response:
    """A member tapping "allow" on a subscribe-message prompt, `count` times."""
    rt = runtime()
    app = _registered(rt, appid)
    data = _body()
    openid = _text_field(data, "openid") or ""
    template_id = _text_field(data, "template_id") or ""
    count = _fault_count("count", data.get("count", 1))
    with rt.state.lock:
        key = (openid, template_id)
        app.subscribe_allowances[key] = app.subscribe_allowances.get(key, 0) + count
        remaining = app.subscribe_allowances[key]
    return wechat_json({"openid": openid, "template_id": template_id,
                        "remaining": remaining})
