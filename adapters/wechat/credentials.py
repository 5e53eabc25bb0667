"""An official account's credentials (appid, secret, token, EncodingAESKey) and keeping them
out of logs.

They travel as the outlet's encrypted secret: a JSON object, decrypted only for a call. The
log filter below blanks the query parameters and fields that carry them, because requests'
and urllib3's own debug lines print whole URLs (`?access_token=...`). It also blanks a
callback URL's `signature`, `msg_signature`, `timestamp` and `nonce` in the web servers'
access logs (werkzeug's, gunicorn's): whoever reads a log must not be able to replay a push.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from dataclasses import dataclass

APPID = re.compile(r"^wx[0-9a-zA-Z]{16}$")


class CredentialsInvalid(ValueError):
    """The stored credentials cannot be used; the message names the field, never its value."""


@dataclass(frozen=True)
class Credentials:
    appid: str
    secret: str
    token: str
    encoding_aes_key: str | None = None

    def __repr__(self) -> str:  # a stray repr() in a log must not show the secrets
        return f"Credentials(appid={self.appid!r}, secret=***, token=***, key=***)"

    @property
    def safe_mode(self) -> bool:
        return bool(self.encoding_aes_key)

    def to_json(self) -> str:
        return json.dumps({"appid": self.appid, "secret": self.secret, "token": self.token,
                           "encoding_aes_key": self.encoding_aes_key})


def parse(secret: str | None, appid: str) -> Credentials:
    """The credentials stored for the outlet whose key is `appid`."""
    if not secret:
        raise CredentialsInvalid("公众号凭据未配置（需 appid、secret、token）")
    try:
        data = json.loads(secret)
    except ValueError:
        raise CredentialsInvalid("公众号凭据不是 JSON（需 appid、secret、token）") from None
    if not isinstance(data, dict):
        raise CredentialsInvalid("公众号凭据不是 JSON 对象")
    for name in ("secret", "token"):
        if not isinstance(data.get(name), str) or not data[name]:
            raise CredentialsInvalid(f"公众号凭据缺少 {name}")
    if data.get("appid", appid) != appid:
        raise CredentialsInvalid("凭据中的 appid 与终端标识不一致")
    key = data.get("encoding_aes_key") or None
    if key is not None:
        check_aes_key(key)
    return Credentials(appid, data["secret"], data["token"], key)


def check_aes_key(key: str) -> None:
    try:
        valid = len(key) == 43 and len(base64.b64decode(key + "=")) == 32
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        raise CredentialsInvalid("EncodingAESKey 应为 43 位 base64 字符")


_SECRET_PARAMS = re.compile(
    r"((?:access_token|secret|appsecret|js_code|encoding_aes_key)=)[^&\s'\"]+", re.IGNORECASE)
# What signs a callback (`/wechat/callback/<appid>?signature=...&timestamp=...&nonce=...`).
_CALLBACK_PARAMS = re.compile(
    r"((?<![0-9a-zA-Z_])(?:msg_signature|signature|timestamp|nonce)=)[^&\s'\"]+")
_SECRET_FIELDS = re.compile(
    r"""(["']?(?:access_token|secret|encoding_aes_key)["']?\s*[:=]\s*["']?)[^"',\s}&]+""",
    re.IGNORECASE)


def redact(text: str) -> str:
    text = _CALLBACK_PARAMS.sub(r"\1***", _SECRET_PARAMS.sub(r"\1***", text))
    return _SECRET_FIELDS.sub(r"\1***", text)


class RedactingFilter(logging.Filter):
    """Blanks credentials in a record's message (and arguments) before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTERED_LOGGERS = ("urllib3.connectionpool", "requests", "wechatpy", "wechatpy.client",
                     "wechatpy.client.base", "adapters.wechat",
                     "werkzeug", "gunicorn.access")  # the web servers' access logs
_installed = False


def install_log_redaction() -> None:
    """Attach the filter to the loggers that could print a URL carrying a token or a
    callback's signature (once per process)."""
    global _installed
    if _installed:
        return
    for name in _FILTERED_LOGGERS:
        logging.getLogger(name).addFilter(RedactingFilter())
    _installed = True
