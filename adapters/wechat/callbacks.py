"""The official accounts' callback URL, `/wechat/callback/<appid>`, and the admins' menu route.

GET with `echostr` verifies the URL. POST carries a message or event: the signature is
checked first (403 and nothing done if forged, stale by more than 5 minutes, or its
timestamp and nonce used before); an account with an EncodingAESKey takes only encrypted
pushes (`encrypt_type=aes`), decrypted with wechatpy's WeChatCrypto; malformed XML gets 400,
a signed but odd message "success" and a log line. Each push is claimed once (WeChat repeats
pushes it thinks went unanswered) and handled in a few rows; the answer is "success" or a
passive reply built by wechatpy's reply class, encrypted in safe mode.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
import time
from xml.parsers.expat import ExpatError

import xmltodict
from flask import Blueprint, Response, current_app, g, request
from pydantic import BaseModel, Field
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.fields import StringField
from wechatpy.replies import TextReply

from adapters.wechat import credentials, inbox, qrcodes
from adapters.wechat.menu import MenuOut, push_menu
from adapters.wechat.qrcodes import QrCodeOut
from hub import api, channels, ports
from hub.api import route
from hub.channels import OutletInfo

log = logging.getLogger("adapters.wechat")
bp = Blueprint("wechat", __name__)
MAX_SKEW = dt.timedelta(minutes=5)  # a push further from the hub's clock is refused


def _channel():
    return channels.get_channel("wechat")


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324


def _signed(token: str) -> bool:
    args = request.args
    given = args.get("signature", "")
    expected = signature(token, args.get("timestamp", ""), args.get("nonce", ""))
    # Compared as bytes: compare_digest refuses a str with non-ASCII characters (a TypeError,
    # so a 500) and a forged signature may have them.
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _fresh(timestamp: str) -> bool:
    """Sent within MAX_SKEW of the hub's clock, either way."""
    if not re.fullmatch(r"[0-9]{1,12}", timestamp):
        return False
    return abs(ports.utcnow().timestamp() - int(timestamp)) <= MAX_SKEW.total_seconds()


def _outlet(appid: str) -> tuple[OutletInfo, credentials.Credentials] | None:
    hub_secret = current_app.config["HUB"].secret()
    try:
        found = ports.outlets(g.db, "wechat", key=appid, hub_secret=hub_secret,
                              enabled_only=False)
    except ValueError:  # a secret the hub's key no longer opens
        return None
    if not found or not found[0].secret:
        return None
    try:
        creds = credentials.parse(found[0].secret, appid)
    except (ValueError, credentials.CredentialsInvalid):
        return None
    return found[0], creds


class CallbackQuery(BaseModel):
    """What WeChat puts in a callback's URL (the signature is checked before anything else)."""
    signature: str
    timestamp: str
    nonce: str
    echostr: str | None = Field(default=None, description="GET only: echoed once signed")
    encrypt_type: str | None = Field(default=None, description="aes in safe mode")
    msg_signature: str | None = Field(default=None, description="safe mode's signature")
    openid: str | None = None


api.OPERATIONS.append(api.Operation(
    "get", "/wechat/callback/{appid}", "WeChat's check of the callback URL: answers echostr",
    "wechat", query=CallbackQuery, auth=None, errors=(403, 404), media_type="text/plain"))
api.OPERATIONS.append(api.Operation(
    "post", "/wechat/callback/{appid}", "A push from WeChat (an event or message, XML, "
    "encrypted in safe mode): answers success or a passive reply", "wechat",
    query=CallbackQuery, auth=None, errors=(403, 404), media_type="application/xml"))


def _refusal(appid: str, creds: credentials.Credentials) -> str | None:
    """Why this request is not WeChat's (answered 403, nothing done), or None.

    The token's signature covers only timestamp and nonce, not the body: whoever saw one
    callback URL could send it again with a body of their own. So a pair is taken with one
    body only and only for 5 minutes, and a safe-mode account takes only pushes whose msg_signature
    covers the encrypted body.
    """
    args = request.args
    if not _signed(creds.token):
        return "invalid signature"
    encrypted = args.get("encrypt_type") == "aes" and args.get("msg_signature")
    if request.method == "POST" and creds.safe_mode and not encrypted:
        return "encrypted pushes only"
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if not _fresh(timestamp):
        return "stale timestamp"
    # Bound to this body for good: the same pair with another body is a replay; the same
    # request again is WeChat's retry, and the push's own key keeps it from acting twice.
    if not inbox.claim_signature(g.db, appid, timestamp, nonce, request.get_data()):
        return "nonce used before"
    return None


@bp.route("/wechat/callback/<appid>", methods=["GET", "POST"])
def callback(appid: str):
    found = _outlet(appid)
    if found is None:
        return _text("unknown appid", 404)
    outlet, creds = found
    refusal = _refusal(appid, creds)
    if refusal is not None:
        log.warning("callback for %s refused: %s", appid, refusal)
        return _text(refusal, 403)
    if request.method == "GET":
        return _text(request.args.get("echostr", ""), 200)
    safe = request.args.get("encrypt_type") == "aes"
    try:
        xml = _decrypted(creds) if safe else request.get_data(as_text=True)
        message = _parsed(xml)
    except InvalidSignatureException:
        log.warning("callback for %s refused: bad msg_signature", appid)
        return _text("invalid signature", 403)
    except (ExpatError, KeyError, TypeError, ValueError, binascii.Error,
            InvalidAppIdException, UnicodeDecodeError):
        return _text("malformed message", 400)
    try:
        inbox.check_shape(message)
        reply = _handled(outlet, message)
    except inbox.Ignored as odd:
        log.info("callback for %s ignored: %s", appid, odd)
        return _text("success", 200)
    except inbox.NotYet:
        return _text("not yet", 503)
    if reply is None:
        return _text("success", 200)
    return Response(_reply_xml(creds, message, reply, safe), mimetype="application/xml")


def _decrypted(creds: credentials.Credentials) -> str:
    if not creds.safe_mode:
        raise ValueError("safe mode is not configured for this account")
    args = request.args
    cipher = WeChatCrypto(creds.token, creds.encoding_aes_key, creds.appid)
    return cipher.decrypt_message(request.get_data(as_text=True), args.get("msg_signature", ""),
                                  args.get("timestamp", ""), args.get("nonce", ""))


def _parsed(xml: str) -> dict:
    message = xmltodict.parse(xml)["xml"]
    if not isinstance(message, dict) or not message.get("MsgType"):
        raise ValueError("not a WeChat message")
    return message


def _handled(outlet: OutletInfo, message: dict) -> str | None:
    claimed = inbox.claim(g.db, outlet.key, message)
    if claimed is None:
        return None  # a repeat of a push already handled
    try:
        return _channel().inbox.handle(g.db, outlet, message)
    except inbox.Ignored:
        raise  # a repeat would be ignored again: the claim may stand
    except Exception:
        inbox.forget(g.db, claimed)
        raise


class _CData(StringField):
    """wechatpy writes a field's text into CDATA as it is; a "]]>" in it (a post's title)
    would end the section early and break the reply. Split the section around it."""

    def to_xml(self, value) -> str:
        return super().to_xml(self.converter(value).replace("]]>", "]]]]><![CDATA[>"))


class _TextReply(TextReply):
    source = _CData("FromUserName")
    target = _CData("ToUserName")
    content = _CData("Content")


def _reply_xml(creds: credentials.Credentials, message: dict, text: str, safe: bool) -> str:
    reply = _TextReply(source=message.get("ToUserName", ""),
                       target=message.get("FromUserName", ""),
                       content=text, time=int(time.time())).render()
    if not safe:
        return reply
    cipher = WeChatCrypto(creds.token, creds.encoding_aes_key, creds.appid)
    return cipher.encrypt_message(reply, secrets.token_hex(8), str(int(time.time())))


@route(bp, "/api/v1/accounts/<code>/wechat/menu", "POST", tag="wechat",
       summary="Make the account's columns its official accounts' menu (admin): menu/create",
       response=MenuOut, errors=(409,))
def create_menu(code: str):
    ports.require_role(g.db, g.user, code, "admin")
    return push_menu(_channel(), g.db, ports.account(g.db, code), actor=g.user)


@route(bp, "/api/v1/accounts/<code>/wechat/qrcode", "POST", tag="wechat",
       summary="A parametric QR code for the account: scanning it follows the nearest "
       "official account and attributes the follower to this union (qrcode/create)",
       response=QrCodeOut, errors=(409,))
def create_qrcode(code: str):
    ports.require_role(g.db, g.user, code, "author", "reviewer", "admin")
    return qrcodes.create_for(_channel(), g.db, ports.account(g.db, code))


class QrImageQuery(BaseModel):
    url: str = Field(description="二维码内容（qrcode 接口答复中的网址）")


api.OPERATIONS.append(api.Operation(
    "get", "/wechat/qrcode.png", "The QR image of a URL, drawn by the hub", "wechat",
    query=QrImageQuery, auth=None, media_type="image/png"))


@bp.get("/wechat/qrcode.png")
def qrcode_png():
    """The QR image for a code's URL (from the route above), drawn by the hub itself."""
    png = qrcodes.qr_png(request.args.get("url", ""))
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
