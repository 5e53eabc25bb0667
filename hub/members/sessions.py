"""Member sessions of the mini-program: a signed token naming the member's identity and openid.

The mini-program signs in once (`wx.login` → jscode2session → `POST /mp/v1/session`) and then
sends `Authorization: Member <token>` with every call. The token is signed with the hub's
secret, so checking it needs no database read: claims under a rush stay one transaction.
A forged or expired token is a 401.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from hub.errors import Unauthorized

SCHEME = "Member"
MAX_AGE_SECONDS = 7 * 24 * 3600  # a week, then the mini-program signs in again (silently)
_SALT = "hub.members.session"


@dataclass(frozen=True)
class MemberSession:
    identity_id: int
    openid: str


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def issue(secret: str, identity_id: int, openid: str) -> str:
    """A session token for a member who signed in through WeChat."""
    return _serializer(secret).dumps([identity_id, openid])


def read(secret: str, token: str, *, max_age: int = MAX_AGE_SECONDS) -> MemberSession:
    """The session a token carries; Unauthorized if it was forged, altered or is too old."""
    try:
        identity_id, openid = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise Unauthorized("登录已过期，请重新进入小程序") from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise Unauthorized("会员登录凭证无效") from exc
    if not isinstance(identity_id, int) or not isinstance(openid, str):
        raise Unauthorized("会员登录凭证无效")
    return MemberSession(identity_id, openid)


def from_request() -> MemberSession:
    """The member calling: `Authorization: Member <token>`; stored on `g.member`."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != SCHEME or not token.strip():
        raise Unauthorized(f"需要 Authorization: {SCHEME} <会员登录凭证>")
    g.member = read(current_app.config["HUB"].secret(), token.strip())
    return g.member
