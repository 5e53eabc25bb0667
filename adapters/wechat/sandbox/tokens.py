"""Access tokens of one app: the `token` and `stable_token` families, overlap and expiry."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from .errors import WeChatError

FAMILY_TOKEN = "token"  # noqa: S105 - the name of a token family, not a secret
FAMILY_STABLE = "stable_token"


@dataclass
class IssuedToken:
    value: str
    family: str
    issued_at: float
    expires_at: float
    # Set when a newer token of the same family replaced this one: it works until then.
    retired_at: float | None = None

    def retire(self, at: float) -> None:
        """Stop this token working at `at` (or earlier, if already due to)."""
        self.retired_at = at if self.retired_at is None else min(self.retired_at, at)

    def check(self, now: float) -> None:
        """Raise the error WeChat gives for this token at `now`, if any."""
        retired = self.retired_at is not None and now >= self.retired_at
        expired = now >= self.expires_at
        if expired and (self.retired_at is None or self.expires_at <= self.retired_at):
            raise WeChatError(42001)
        if retired:
            raise WeChatError(40001)


def new_token_value() -> str:
    # Real tokens are ~140 printable characters; the length matters to storage, not meaning.
    return secrets.token_urlsafe(96)


@dataclass
class TokenFamily:
    """The tokens one family has issued, newest last."""

    issued: list[IssuedToken] = field(default_factory=list)
    last_forced_at: float | None = None

    @property
    def current(self) -> IssuedToken | None:
        return self.issued[-1] if self.issued else None

    def issue(self, family: str, now: float, lifetime: float, overlap: float) -> IssuedToken:
        """A new token; the previous one keeps working for `overlap`, older ones stop now."""
        for older in self.issued[:-1]:
            older.retire(now)
        if self.current is not None:
            self.current.retire(now + overlap)
        token = IssuedToken(new_token_value(), family, now, now + lifetime)
        self.issued.append(token)
        # Only the newest two can still answer anything but 40001; forget the rest.
        del self.issued[:-2]
        return token
