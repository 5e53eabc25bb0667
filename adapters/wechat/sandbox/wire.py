"""Reading WeChat request bodies and writing WeChat answers, byte for byte as WeChat does."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, request

from .errors import WeChatError

# WeChat's JSON reader does not decode \uXXXX escapes: it stores them as the literal
# six characters. Doubling the backslash of each such escape (but not of an escaped
# backslash, "\\\\") makes Python's reader keep them literal too.
_ESCAPE_OR_BACKSLASH = re.compile(r"\\\\|\\u")


def _keep_unicode_escapes_literal(text: str) -> str:
    return _ESCAPE_OR_BACKSLASH.sub(
        lambda m: m.group(0) if m.group(0) == "\\\\" else "\\\\u", text
    )


def parse_wechat_json(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body, read the way WeChat reads it."""
    if not raw.strip():
        raise WeChatError(44002)
    try:
        text = raw.decode("utf-8")
        data = json.loads(_keep_unicode_escapes_literal(text))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WeChatError(47001) from exc
    if not isinstance(data, dict):
        raise WeChatError(47001)
    return data


def json_body() -> dict[str, Any]:
    """The current request's JSON object."""
    return parse_wechat_json(request.get_data(cache=True))


def wechat_json(payload: dict[str, Any]) -> Response:
    """An answer as WeChat sends it: HTTP 200, UTF-8 JSON, Chinese not escaped."""
    text = json.dumps(payload, ensure_ascii=False)
    return Response(text, status=200, mimetype="application/json")


def ok(**fields: Any) -> Response:
    return wechat_json({"errcode": 0, "errmsg": "ok", **fields})


def error_response(error: WeChatError) -> Response:
    return wechat_json(error.body())


def admin_error(status: int, message: str) -> Response:
    """An answer of the sandbox's own admin routes (these are not WeChat's)."""
    return Response(
        json.dumps({"error": message}, ensure_ascii=False),
        status=status,
        mimetype="application/json",
    )
