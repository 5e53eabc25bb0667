"""Merchants redeem vouchers: `POST /merchant/v1/redeem` for their tills (Authorization:
Merchant <key>), and a small page at `/merchant/` for staff to type or scan a code (a handheld
scanner types the QR's content into the field and presses Enter).

The page keeps its own signed cookie (path /merchant, HttpOnly, SameSite=Strict) holding the
merchant, a fingerprint of the key (re-issuing the key ends old sessions) and a CSRF token;
every form posts the token back. No script, no inline style.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hub.api import route
from hub.campaigns import redemption
from hub.campaigns.models import Merchant
from hub.campaigns.schemas import ReceiptOut, RedeemBody
from hub.errors import HubError

bp = Blueprint("campaigns_merchant", __name__, url_prefix="/merchant",
               template_folder="templates")
COOKIE = "hub_merchant"
MAX_AGE = 12 * 3600
PAGE_CSP = ("default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


@route(bp, "/v1/redeem", "POST", summary="商户核销券码（Authorization: Merchant <密钥>）",
       tag="商户核销", body=RedeemBody, response=ReceiptOut, auth=None,
       errors=(401, 403, 404, 409, 410))
def redeem_api(body: RedeemBody):
    merchant = redemption.merchant_from_header(g.db, request.headers.get("Authorization", ""))
    return redemption.redeem(g.db, merchant, body.code)


# --- the page ----------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["HUB"].secret(), salt="hub.merchant.page")


def _session() -> dict:
    raw = request.cookies.get(COOKIE, "")
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE) if raw else {}
    except BadSignature:
        data = {}
    if not isinstance(data, dict) or not data.get("csrf"):
        data = {"csrf": secrets.token_urlsafe(24)}
    return data


def _signed_in(data: dict) -> Merchant | None:
    merchant = g.db.get(Merchant, data["m"]) if data.get("m") else None
    if merchant is None or not merchant.active or not redemption.same_fingerprint(
            merchant, data.get("f", "")):
        return None
    return merchant


def _store(response, data: dict):
    response.set_cookie(COOKIE, _serializer().dumps(data), max_age=MAX_AGE, httponly=True,
                        samesite="Strict", path="/merchant",
                        secure=current_app.config["HUB"].public_url.startswith("https://"))
    return response


def _page(data: dict, template: str, status: int = 200, **context):
    response = _store(current_app.make_response(
        (render_template(f"campaigns/{template}", csrf=data["csrf"], **context), status)), data)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _csrf_ok(data: dict) -> bool:
    sent = request.form.get("csrf_token", "")
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin.split("://", 1)[-1] != request.host:
        return False
    return bool(sent) and secrets.compare_digest(sent.encode(), data["csrf"].encode())


@bp.get("/")
def page():
    data = _session()
    merchant = _signed_in(data)
    if merchant is None:
        return _page(data, "merchant_login.html")
    return _page(data, "merchant_redeem.html", merchant=merchant)


@bp.post("/login")
def login():
    data = _session()
    if not _csrf_ok(data):
        return _page(data, "merchant_login.html", 400, error="表单已失效，请刷新页面后重试")
    try:
        merchant = redemption.merchant_for_key(g.db, request.form.get("key", ""))
    except HubError:
        return _page(data, "merchant_login.html", 401, error="商户密钥无效")
    data = {"m": merchant.id, "f": redemption.key_fingerprint(merchant),
            "csrf": secrets.token_urlsafe(24)}  # a new token once signed in
    return _store(redirect(url_for("campaigns_merchant.page"), 303), data)


@bp.post("/redeem")
def redeem_page():
    data = _session()
    merchant = _signed_in(data)
    if merchant is None:
        return redirect(url_for("campaigns_merchant.page"), 303)
    if not _csrf_ok(data):
        return _page(data, "merchant_redeem.html", 400, merchant=merchant,
                     error="表单已失效，请刷新页面后重试")
    try:
        receipt = redemption.redeem(g.db, merchant, request.form.get("code", ""))
    except HubError as exc:
        return _page(data, "merchant_redeem.html", exc.status, merchant=merchant,
                     error=exc.message, code=request.form.get("code", ""))
    return _page(data, "merchant_redeem.html", merchant=merchant, receipt=receipt)


@bp.post("/logout")
def logout():
    data = _session()
    if _csrf_ok(data):
        data = {"csrf": secrets.token_urlsafe(24)}
    return _store(redirect(url_for("campaigns_merchant.page"), 303), data)
