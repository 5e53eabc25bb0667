"""The refusals a member, an editor or a merchant can meet, each with a machine code and a
Chinese message (the API turns them into JSON with their status)."""

from __future__ import annotations

from hub.campaigns.rules import reason_text
from hub.errors import HubError


class CampaignRefusal(HubError):
    """A claim refused for a reason the member can read; `code` is the machine reason."""

    def __init__(self, code: str, status: int, message: str | None = None, **extra):
        super().__init__(message or reason_text(code) or code)
        self.code, self.status = code, status
        self.extra = extra

    def to_json(self) -> dict:
        body = super().to_json()
        body.update(self.extra)
        return body


def unverified() -> CampaignRefusal:
    return CampaignRefusal("unverified", 403)


def not_eligible() -> CampaignRefusal:
    return CampaignRefusal("not_eligible", 403)


def outside_window(code: str) -> CampaignRefusal:
    return CampaignRefusal(code, 409)


def not_open() -> CampaignRefusal:
    return CampaignRefusal("not_open", 409)


def sold_out() -> CampaignRefusal:
    return CampaignRefusal("sold_out", 409)


def already_claimed() -> CampaignRefusal:
    return CampaignRefusal("already_claimed", 409)


class QuizFailed(HubError):
    status, code = 400, "quiz_failed"

    def __init__(self, right: int, pass_mark: int):
        super().__init__(f"答对 {right} 题，未达到及格线 {pass_mark} 题，可以再试一次",
                         field="answers")
        self.right, self.pass_mark = right, pass_mark

    def to_json(self) -> dict:
        return {**super().to_json(), "score": self.right, "pass_mark": self.pass_mark}


class TooManyRequests(HubError):
    status, code = 429, "too_many_requests"

    def __init__(self, retry_after: int):
        super().__init__(f"操作太频繁，请 {retry_after} 秒后再试")
        self.retry_after = retry_after


class RedeemRefused(HubError):
    """A voucher that cannot be redeemed: never twice, never after expiry, never elsewhere."""

    def __init__(self, code: str, status: int, message: str):
        super().__init__(message, field="code")
        self.code, self.status = code, status
