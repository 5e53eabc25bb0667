"""Sharing posts and campaigns from the mini-program: the sharer travels as an opaque code.

Each member's profile carries `share_source`, a code naming their identity that only the hub
can read (an id and an HMAC of it: no openid, nothing guessable). The mini-program puts it as
`source` in the path it shares; whoever opens the share sends it back when loading the post
or campaign, and the hub keeps the sharer on the request (`g.shared_by`) for the campaign
funnels to count what members brought. A code that does not check out is ignored: a share
link someone edited still opens."""

from __future__ import annotations

import hashlib
import hmac
import logging

log = logging.getLogger("hub.mp.sharing")
MAX_LENGTH = 40


def _signature(secret: str, identity_id: int) -> str:
    message = f"mp-share/v1:{identity_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:12]


def share_code(secret: str, identity_id: int) -> str:
    return f"{identity_id:x}.{_signature(secret, identity_id)}"


def sharer_of(secret: str, code: str | None) -> int | None:
    """The identity a share code names, or None when it does not check out."""
    if not code or len(code) > MAX_LENGTH or "." not in code:
        return None
    number, signature = code.split(".", 1)
    if not number.isascii() or not number.isalnum():
        return None
    try:
        identity_id = int(number, 16)
    except ValueError:
        return None
    # As bytes: compare_digest refuses str with non-ASCII characters (an edited link).
    if not hmac.compare_digest(signature.encode(), _signature(secret, identity_id).encode()):
        return None
    return identity_id
