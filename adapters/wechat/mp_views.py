"""`POST /mp/v1/session` and `POST /mp/v1/phone`: the two mini-program calls that need WeChat
(jscode2session, getuserphonenumber). The rest of `/mp/v1/` is the hub's (hub.mp.views)."""

from __future__ import annotations

from flask import Blueprint, current_app, g
from pydantic import BaseModel, Field

from hub import channels, ports
from hub.api import route
from hub.ports import MemberProfileOut as ProfileOut

bp = Blueprint("wechat_mp", __name__, url_prefix="/mp/v1")
TAG = "mini-program"


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=128, description="wx.login / getPhoneNumber 的 code")


class SessionOut(BaseModel):
    token: str = Field(description="Authorization: Member <token>")
    expires_in: int
    profile: ProfileOut
    subscribe_templates: dict[str, str | None]


class PhoneOut(BaseModel):
    profile: ProfileOut


def _miniprogram():
    return channels.get_channel("wechat").miniprogram


@route(bp, "/session", "POST", summary="小程序登录：wx.login 的 code 换会员登录凭证", tag=TAG,
       body=CodeIn, response=SessionOut, auth=None, errors=(429, 503))
def open_session(body: CodeIn):
    openid, unionid = _miniprogram().sign_in(body.code)  # before any database work, as below
    signed_in = ports.sign_in_member(g.db, current_app.config["HUB"], openid, unionid)
    settings = channels.get_channel("wechat").settings
    return {**signed_in,
            # What wx.requestSubscribeMessage asks for, by the names /mp/v1/subscriptions uses.
            "subscribe_templates": {"news": settings.template_news,
                                    "course_reminder": settings.template_course}}


@route(bp, "/phone", "POST", summary="手机号授权：getPhoneNumber 的 code 换手机号", tag=TAG,
       body=CodeIn, response=PhoneOut, auth="member", errors=(429, 503))
def share_phone(body: CodeIn):
    # WeChat first: the request's transaction (on SQLite, the write lock) starts only after.
    phone = _miniprogram().phone(body.code)
    return {"profile": ports.member_phone(g.db, current_app.config["HUB"], g.member, phone)}
