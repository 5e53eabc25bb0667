"""The console's 公众号 page (an outlet page, see hub.channels.ConsolePage): an account's admin
binds an official account with its appid, secret, token and EncodingAESKey. The hub asks
WeChat (the sandbox in the demo) for a token with them before saving and says plainly which
part is wrong; once saved, the callback URL and the token to paste into WeChat's back office
are shown that one time, and the credentials never again. The page also previews the menu the
account's columns make and pushes it to every bound official account (`menu/create`, as the
API's POST /api/v1/accounts/<code>/wechat/menu), showing each account's answer."""

from __future__ import annotations

import base64
import re
import secrets

import requests
from flask import Blueprint, g, render_template, request
from wechatpy.exceptions import WeChatClientException

from adapters.wechat import credentials
from adapters.wechat.client import HubWeChatClient
from adapters.wechat.credentials import APPID, Credentials, CredentialsInvalid
from adapters.wechat.menu import menu_of, push_menu
from hub import channels, ports
from hub.channels import DeliveryError
from hub.errors import HubError

bp = Blueprint("wechat_console", __name__, url_prefix="/console/wechat",
               template_folder="templates")
TOKEN = re.compile(r"^[A-Za-z0-9]{3,32}$")
SECRET = re.compile(r"^[0-9a-zA-Z]{16,64}$")
# What WeChat answers a token fetch with, in words an admin can act on.
REFUSALS = {
    40013: ("appid", "AppID 不正确：微信不认识这个 AppID，"
                     "请从公众平台「设置与开发 → 基本配置」复制"),
    40125: ("secret", "AppSecret 不正确：与该 AppID 不匹配，请在公众平台重置并复制新的 AppSecret"),
    40164: ("secret", "本服务器的 IP 不在公众号的 IP 白名单中：请在公众平台「基本配置 → IP 白名单」"
                      "加入本服务器的出口 IP"),
    41004: ("secret", "缺少 AppSecret"),
    89503: ("secret", "本服务器的 IP 需要管理员确认：请在公众平台确认后重试"),
}
LABELS = {"appid": "AppID", "secret": "AppSecret", "token": "Token（令牌）",
          "encoding_aes_key": "EncodingAESKey（消息加解密密钥）", "name": "名称"}


def _channel():
    return channels.get_channel("wechat")


def _menu_preview(account) -> tuple[dict | None, str | None]:
    """The menu the account's columns and services make, or why they cannot (plain words)."""
    try:
        return menu_of(_channel(), g.db, account), None
    except HubError as exc:
        return None, exc.message


def _page(code: str, *, values=None, errors=None, saved=None, pushed=None, status=200):
    account = ports.account(g.db, code)
    bound = ports.outlets(g.db, "wechat", account_ids=[account.id])
    suggested = {"token": "tok" + secrets.token_hex(8),
                 "encoding_aes_key": base64.b64encode(secrets.token_bytes(32)).decode()[:43]}
    menu, menu_problem = _menu_preview(account)
    return render_template(
        "wechat/console_accounts.html", account=account, page="wechat", bound=bound,
        values={**suggested, **(values or {})}, errors=errors or {}, saved=saved,
        labels=LABELS, callback_base=f"{g.hub_public_url}/wechat/callback/", menu=menu,
        menu_problem=menu_problem, pushed=pushed), status


def _admin(code: str) -> None:
    ports.require_role(g.db, g.user, code, "admin")
    g.hub_public_url = _channel().config.public_url.rstrip("/")


@bp.get("/a/<code>")
def accounts(code: str):
    _admin(code)
    return _page(code)


def _form_problems(form) -> dict[str, str]:
    problems = {}
    if not form["name"]:
        problems["name"] = "请填写名称（如 东莞工会公众号）"
    if not APPID.match(form["appid"]):
        problems["appid"] = "AppID 格式不对：应为 wx 开头、共 18 位的字母数字"
    if not SECRET.match(form["secret"]):
        problems["secret"] = "AppSecret 格式不对：应为 32 位字母数字"  # noqa: S105  (a message)
    if not TOKEN.match(form["token"]):
        problems["token"] = "Token 应为 3 至 32 位英文字母或数字"  # noqa: S105  (a message)
    if form["encoding_aes_key"]:
        try:
            credentials.check_aes_key(form["encoding_aes_key"])
        except CredentialsInvalid:
            problems["encoding_aes_key"] = "EncodingAESKey 应为 43 位字母数字（明文模式可留空）"
    return problems


def check_with_wechat(creds: Credentials) -> tuple[str, str] | None:
    """(field, plain words) when WeChat refuses a token for these credentials; None when it
    gives one. Nothing is stored: the token fetched here is thrown away."""
    channel = _channel()
    try:
        client = HubWeChatClient(channel.api_base(), creds, tokens=None,
                                 timeout=channel.settings.timeout)
        client.stable_token.get()
    except WeChatClientException as exc:
        return REFUSALS.get(exc.errcode, ("form", f"微信拒绝了这组凭据（错误码 {exc.errcode}）"))
    except DeliveryError as exc:  # WeChat not configured for this hub
        return "form", exc.message
    except requests.RequestException:
        return "form", "连接不上微信服务器，请稍后再试；凭据尚未保存"
    return None


@bp.post("/a/<code>")
def bind(code: str):
    _admin(code)
    form = {name: request.form.get(name, "").strip() for name in LABELS}
    problems = _form_problems(form)
    if not problems and ports.outlets(g.db, "wechat", key=form["appid"], enabled_only=False):
        problems["appid"] = "这个 AppID 已经绑定在本平台的某个账号上"
    creds = Credentials(form["appid"], form["secret"], form["token"],
                        form["encoding_aes_key"] or None)
    if not problems:
        refused = check_with_wechat(creds)
        if refused:
            problems[refused[0]] = refused[1]
    shown = {"name": form["name"], "appid": form["appid"], "token": form["token"],
             "encoding_aes_key": form["encoding_aes_key"]}  # never the secret again
    if problems:
        return _page(code, values=shown, errors=problems, status=400)
    try:
        ports.bind_outlet(g.db, code, channel="wechat", key=creds.appid, name=form["name"],
                          config={"sandbox": True} if _channel().uses_sandbox() else {},
                          secret=creds.to_json(), hub_secret=_channel().config.secret(),
                          actor=g.user)
    except HubError as exc:
        g.db.rollback()
        return _page(code, values=shown, errors={"form": exc.message}, status=exc.status)
    g.db.commit()
    return _page(code, saved={"name": form["name"], "appid": creds.appid, "token": creds.token,
                              "encoding_aes_key": creds.encoding_aes_key})


@bp.post("/a/<code>/menu")
def menu(code: str):
    """Push the columns' menu to every official account bound to the account; each one's
    answer is shown (one refusing does not stop the others)."""
    _admin(code)
    try:
        result = push_menu(_channel(), g.db, ports.account(g.db, code), actor=g.user)
    except HubError as exc:
        g.db.rollback()
        return _page(code, pushed={"problem": exc.message}, status=exc.status)
    g.db.commit()
    return _page(code, pushed={"outlets": result.outlets})
