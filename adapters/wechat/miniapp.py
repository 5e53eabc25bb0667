"""The union mini-program's own WeChat app: signs members in (jscode2session), exchanges the
phone-number code, makes mini-program codes for 地推 posters (wxacode.getUnlimited), and sends
subscribe messages, through the same client and shared token
store as the official accounts.

Production sets HUB_MINIPROGRAM_APPID/SECRET. With the sandbox (the demo, or
HUB_WECHAT_API_BASE=sandbox) the hub uses a demo app whose credentials it derives from its
own secret, so every process agrees on them, and registers it with the sandbox before the
first call. With WeChat not configured at all, sign-in is a 503 saying so.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable

import requests
from wechatpy.exceptions import WeChatClientException

from adapters.wechat.client import HubWeChatClient
from adapters.wechat.credentials import Credentials
from adapters.wechat.embedded import EmbeddedSandbox
from adapters.wechat.errors import NOT_CONFIGURED, WeChatNotConfigured, errcode_of
from hub.errors import BadRequest, HubError

log = logging.getLogger("adapters.wechat")
BAD_CODE = 40029
TOO_FAST = 45011
OUT_OF_QUOTA = 45009
CODE_WIDTH = 860  # pixels: sharp on an A4 poster at 150 dpi


class WeChatUnavailable(HubError):
    status, code = 503, "wechat_unavailable"


class TooManyLogins(HubError):
    status, code = 429, "too_many_requests"


class NotConfigured(HubError):
    status, code = 503, "miniprogram_not_configured"


class NoWeChat(HubError):
    """HUB_WECHAT_API_BASE unset outside the demo: no WeChat to sign members in with."""

    status, code = 503, "wechat_not_configured"


def demo_credentials(hub_secret: str) -> Credentials:
    appid = "wx" + hashlib.sha1(b"demo:miniprogram").hexdigest()[:16]  # noqa: S324
    secret = hmac.new(hub_secret.encode(), b"demo-miniprogram", hashlib.sha256).hexdigest()
    return Credentials(appid, secret[:32], "mp" + secret[32:40], None)


class MiniProgram:
    """The mini-program's app: signing members in, their phone numbers, and a client for
    subscribe messages. It gets the adapter's settings and token store, the hub's key (for
    the demo app's credentials), where WeChat answers (`api_base`, raising
    WeChatNotConfigured when nowhere) and the sandbox when that is what answers."""

    def __init__(self, *, settings, tokens, hub_secret: str, api_base: Callable[[], str],
                 sandbox: Callable[[], EmbeddedSandbox | None]):
        self.settings, self.tokens, self.hub_secret = settings, tokens, hub_secret
        self.api_base, self.sandbox = api_base, sandbox

    def credentials(self) -> Credentials:
        if self.settings.miniprogram_appid and self.settings.miniprogram_secret:
            return Credentials(self.settings.miniprogram_appid,
                               self.settings.miniprogram_secret, "", None)
        if self.settings.api_url:
            raise NotConfigured("小程序未配置（HUB_MINIPROGRAM_APPID / HUB_MINIPROGRAM_SECRET）")
        if self.sandbox() is None:
            raise NoWeChat(NOT_CONFIGURED)
        return demo_credentials(self.hub_secret)

    def client(self) -> HubWeChatClient:
        creds = self.credentials()
        try:
            base = self.api_base()
        except WeChatNotConfigured as exc:
            raise NoWeChat(exc.message) from None
        sandbox = self.sandbox()
        if sandbox is not None:
            sandbox.register(creds, None, account_type="miniprogram")
        return HubWeChatClient(base, creds, self.tokens, timeout=self.settings.timeout)

    def sign_in(self, js_code: str) -> tuple[str, str | None]:
        """(openid, unionid) for a wx.login code; a bad or used code is a 400."""
        answer = self._call(lambda c: c.mini.code_to_session(js_code), "登录码")
        return answer["openid"], answer.get("unionid")

    def phone(self, code: str) -> str:
        """The phone number WeChat vouches for (domestic numbers without +86)."""
        info = self._call(lambda c: c.mini.phone_number(code), "手机号授权码")
        return info.get("purePhoneNumber") or info["phoneNumber"]

    def code(self, scene: str, page: str) -> bytes:
        """A mini-program code image opening `page` with `scene` (wxacode.getUnlimited)."""
        answer = self._call(lambda c: c.wxa.get_wxa_code_unlimited(
            scene, width=CODE_WIDTH, page=page), "小程序码参数")
        return answer.content

    def _call(self, call, what: str):
        try:
            return call(self.client())
        except WeChatClientException as exc:
            code = errcode_of(exc)
            if code == BAD_CODE:
                raise BadRequest(f"{what}无效或已使用，请重试", field="code") from None
            if code == TOO_FAST:
                raise TooManyLogins("请求过于频繁，请稍后再试") from None
            if code == OUT_OF_QUOTA:
                raise WeChatUnavailable("微信今日的调用次数已用完，请明天再试") from None
            log.warning("mini-program call failed: errcode %s", code)
            raise WeChatUnavailable("微信暂时无法响应，请稍后再试") from None
        except requests.RequestException as exc:
            log.warning("mini-program call failed: %s", type(exc).__name__)
            raise WeChatUnavailable("微信暂时无法响应，请稍后再试") from None
