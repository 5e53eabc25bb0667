"""Parametric QR codes per union account: scanning one follows the official account and
attributes the follower to that union (the callback's `qrscene_<account code>`).

A grassroots union has no official account of its own: its code is made on the nearest
official account above it, whose callback already attributes scenes of its subtree.
"""

from __future__ import annotations

import io

import qrcode
import requests
from pydantic import BaseModel
from wechatpy.exceptions import WeChatClientException

from adapters.wechat.errors import classify
from hub import ports
from hub.channels import DeliveryError, OutletInfo
from hub.errors import BadRequest, Conflict
from hub.ports import AccountInfo


class QrCodeOut(BaseModel):
    account: str
    official_account: str
    appid: str
    scene: str
    ticket: str
    url: str  # what the QR code encodes; any QR renderer (or qr_png below) can draw it


def nearest_official_account(db, account: AccountInfo, hub_secret: str) -> OutletInfo:
    """The account's own official account, else the one of its nearest ancestor."""
    ancestors = account.ancestor_ids()
    outlets = {}
    for outlet in ports.outlets(db, "wechat", account_ids=ancestors, hub_secret=hub_secret):
        outlets.setdefault(outlet.account_id, outlet)  # the oldest of an account's
    for account_id in reversed(ancestors):  # self first, then upwards
        if account_id in outlets:
            return outlets[account_id]
    raise Conflict(f"账号 {account.code} 及其上级都没有绑定公众号", field="account")


def create_for(channel, db, account: AccountInfo) -> QrCodeOut:
    """A permanent string-scene QR code (QR_LIMIT_STR_SCENE) naming the account."""
    outlet = nearest_official_account(db, account, channel.config.secret())
    db.commit()  # no transaction held open while WeChat answers
    request = {"action_name": "QR_LIMIT_STR_SCENE",
               "action_info": {"scene": {"scene_str": account.code}}}
    try:
        answer = channel.client_for(outlet).qrcode.create(request)
    except (WeChatClientException, requests.RequestException, DeliveryError) as exc:
        raise Conflict(classify(exc, doing="生成二维码").message, field="account") from None
    return QrCodeOut(account=account.code, official_account=outlet.name, appid=outlet.key,
                     scene=account.code, ticket=answer["ticket"], url=answer["url"])


def qr_png(url: str) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise BadRequest("二维码内容必须是 http(s) 地址", field="url")
    buffer = io.BytesIO()
    qrcode.make(url, border=2).save(buffer, format="PNG")
    return buffer.getvalue()
