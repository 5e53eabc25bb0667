"""WeChat's error codes turned into the pipeline's errors, with messages editors understand.

Never includes a credential: WeChat's errmsg echoes no secret, and URLs are not quoted.
"""

from __future__ import annotations

import requests
from wechatpy.exceptions import WeChatClientException

from hub.channels import CredentialsError, DeliveryError, PermanentError, TransientError

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
QUOTA_TODAY = 45009
NO_MASS_QUOTA = 45028

_CREDENTIALS = {
    40013: "AppID 无效",
    40125: "AppSecret 无效",
    40164: "调用方 IP 不在公众号的 IP 白名单中",
    41002: "缺少 AppID",
    41004: "缺少 AppSecret",
    48001: "公众号没有此接口的权限（需认证或开通发布能力）",
    50002: "公众号已被限制使用接口",
}
_TRANSIENT = {
    -1: "微信系统繁忙",
    45011: "接口调用过于频繁（每分钟限额）",
    45047: "客服消息下行条数超过上限",
}
_REFUSED = {
    40005: "图片格式不被接受",
    40007: "素材或草稿已不存在",
    40009: "图片大小超过限制",
    44003: "图文内容为空",
    45001: "素材大小超过限制",
    45002: "正文超过微信上限（2 万字或 1 MB）",
    45003: "标题超过微信上限（32 字）",
    45004: "摘要超过微信上限（128 字）",
    45005: "原文链接过长",
    45110: "作者超过微信上限（16 字）",
    40227: "标题为空",
    53503: "草稿未通过发布检查",
    53504: "草稿需前往公众平台官网使用",
    53505: "草稿需在公众平台手动保存后再发表",
    53600: "文章编号无效",
}


NOT_CONFIGURED = ("微信未配置：未设置 HUB_WECHAT_API_BASE（正式环境设为 https://api.weixin.qq.com，"
                  "联调或演示可设为 sandbox 使用微信沙箱）")


class WeChatNotConfigured(PermanentError):
    """HUB_WECHAT_API_BASE unset outside the demo: there is no WeChat to send to, and
    retrying cannot change that (an operator must set it)."""

    def __init__(self, message: str = NOT_CONFIGURED):
        super().__init__(message)


def describe(code: int | None, errmsg: str | None = None) -> str:
    known = {**_CREDENTIALS, **_TRANSIENT, **_REFUSED}
    if code == QUOTA_TODAY:
        return "今日接口调用额度已用完"
    if code in TOKEN_ERRORS:
        return "access_token 无效或已过期"
    text = known.get(code) or (errmsg or "未知错误").split(" rid:")[0][:120]
    return text


def classify(exc: Exception, *, doing: str) -> DeliveryError:
    """The pipeline's error for a failed WeChat call; `doing` says what the hub was doing."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, requests.Timeout):
        return TransientError(f"{doing}：微信接口无响应（超时）")
    if isinstance(exc, requests.RequestException):
        return TransientError(f"{doing}：无法连接微信接口（{type(exc).__name__}）")
    if not isinstance(exc, WeChatClientException):
        return TransientError(f"{doing}：{type(exc).__name__}")
    code = exc.errcode
    if code is None:  # an HTTP error, not a WeChat answer
        status = getattr(exc.response, "status_code", "?")
        return TransientError(f"{doing}：微信接口返回 HTTP {status}")
    label = f"{doing}：{describe(code, exc.errmsg)}（微信错误码 {code}）"
    if code in _CREDENTIALS:
        return CredentialsError(label)
    if code == QUOTA_TODAY:
        # Quotas reset at midnight Beijing time. Retrying all day is pointless, and a post
        # going out unannounced tomorrow may be stale: an editor decides (the retry button).
        return PermanentError(f"{label}。额度于北京时间零点恢复，届时可在投递列表中点“重试”")
    if code in _TRANSIENT or code in TOKEN_ERRORS:
        return TransientError(label)
    return PermanentError(label)


def errcode_of(exc: Exception) -> int | None:
    return exc.errcode if isinstance(exc, WeChatClientException) else None
