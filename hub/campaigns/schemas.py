"""Shapes of campaigns in the editor API, the mini-program API and the merchant API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.clock import as_utc

REQUEST_ID = r"^[A-Za-z0-9_.:-]{8,64}$"


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(default=None, max_length=20)
    text: str = Field(min_length=1, max_length=300)
    choices: list[str] = Field(min_length=2, max_length=8)
    answer: int = Field(ge=0, description="正确选项的序号（从 0 起）")


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str = Field(description="账号代码")
    post_id: int = Field(description="所属推广稿件（kind=promotion，本账号或上级账号的）")
    kind: Literal["red_packet", "voucher", "ticket", "course", "quiz"]
    title: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    starts_at: dt.datetime = Field(description="ISO 8601；无时区按北京时间")
    ends_at: dt.datetime
    per_member_limit: int = Field(default=1, ge=1, le=10)
    regions: list[str] = Field(default_factory=list, max_length=100,
                               description="另可参加的账号代码（其下级均可）")
    # red_packet
    budget_fen: int | None = Field(default=None, ge=1, le=10**10)
    count: int | None = Field(default=None, ge=1, le=200_000, description="红包个数")
    # voucher / ticket
    stock: int | None = Field(default=None, ge=1, le=200_000)
    face_value_fen: int | None = Field(default=None, ge=0, le=10**8)
    merchant_id: int | None = None
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    # course
    seats: int | None = Field(default=None, ge=1, le=10_000)
    course_starts_at: dt.datetime | None = None
    remind_minutes: int | None = Field(default=None, ge=5, le=7 * 24 * 60)
    place: str = Field(default="", max_length=200)
    # quiz
    questions: list[Question] | None = Field(default=None, max_length=50)
    pass_mark: int | None = Field(default=None, ge=1)
    quiz_mode: Literal["instant", "draw"] | None = None
    win_chance: float | None = Field(default=None, gt=0, le=1)
    prizes: int | None = Field(default=None, ge=1, le=100_000)
    draw_at: dt.datetime | None = None

    @field_validator("starts_at", "ends_at", "valid_from", "valid_until", "course_starts_at",
                     "draw_at")
    @classmethod
    def _to_utc(cls, value):
        return as_utc(value) if value is not None else None


def _no_null_default(schema: dict) -> None:
    schema.pop("default", None)


def _omissible(**constraints):
    """A field a PATCH may leave out but not set to null: its default is not part of its
    schema (null is not an integer, and the document says what may be sent)."""
    return Field(default=None, json_schema_extra=_no_null_default, **constraints)


class CampaignUpdate(BaseModel):
    """The terms an editor may change; any change asks for approval again."""
    model_config = ConfigDict(extra="forbid")
    title: str = _omissible(min_length=1, max_length=100)
    description: str = _omissible(max_length=2000)
    starts_at: dt.datetime = _omissible()
    ends_at: dt.datetime = _omissible()
    per_member_limit: int = _omissible(ge=1, le=10)
    regions: list[str] = _omissible(max_length=100)
    budget_fen: int = _omissible(ge=1, le=10**10)
    count: int = _omissible(ge=1, le=200_000)
    stock: int = _omissible(ge=1, le=200_000)
    face_value_fen: int = _omissible(ge=0, le=10**8)
    valid_until: dt.datetime = _omissible()
    seats: int = _omissible(ge=1, le=10_000)
    prizes: int = _omissible(ge=1, le=100_000)

    @field_validator("starts_at", "ends_at", "valid_until")
    @classmethod
    def _to_utc(cls, value):
        return as_utc(value)


class ApprovalBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=500, description="审批意见")


class RejectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=500, description="退回理由（必填）")


class CeilingBody(BaseModel):
    """An account's ceiling on one campaign; null: no ceiling."""
    model_config = ConfigDict(extra="forbid")
    budget_fen: int | None = Field(default=None, ge=0, le=10**12,
                                   description="单个活动金额上限（分；红包总额或面值×数量）")
    stock: int | None = Field(default=None, ge=0, le=10**7, description="单个活动数量上限")


class CeilingOut(BaseModel):
    account: str
    budget_fen: int | None = Field(description="单个活动金额上限（分）；null：不设上限")
    stock: int | None = Field(description="单个活动数量上限；null：不设上限")


class CampaignQuery(BaseModel):
    account: str = Field(description="账号代码：列出本账号及下级账号的活动")


REPLAY_NOTE = ("同一 request_id 重复提交（网络重试、连点）时，原样返回第一次的答复（HTTP 200，"
               "内容与当时相同），不会再领一次；答复反映的是当时的结果，不是现在的状态"
               "（例如候补可能已转为正式名额、抽奖可能已开奖）。要看现在的状态，请读 "
               "GET /mp/v1/campaigns/{id} 的 my_claims。")


class ClaimBody(BaseModel):
    __doc__ = "领取 / 报名 / 提交答题。" + REPLAY_NOTE
    model_config = ConfigDict(extra="forbid")
    request_id: str = Field(pattern=REQUEST_ID,
                            description="每次点击生成一次，重试时沿用：重复的请求原样得到第一次"
                                        "的答复（当时的结果；现在的状态见活动详情的 my_claims）")
    answers: dict[str, int] | None = Field(default=None,
                                           description="答题活动：{题目 id: 选项序号}")


class ClaimAnswer(BaseModel):
    __doc__ = "领取的答复。" + REPLAY_NOTE
    status: Literal["claimed", "won", "lost", "waitlisted", "passed"]
    claim_id: int
    campaign_id: int
    kind: str
    amount_fen: int | None = None
    code: str | None = None
    qr_url: str | None = None
    valid_until: str | None = None
    seat: int | None = None
    position: int | None = None
    score: int | None = None


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RedeemBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=4, max_length=64, description="券码（可含空格或横线）或二维码内容")


# What the campaign routes answer, for OpenAPI (the views build these shapes as dicts).
class NamedRef(BaseModel):
    code: str
    name: str


class CampaignOut(BaseModel):
    """A campaign; besides these, the fields of its kind (budget_fen and count for red
    packets; stock, merchant and validity for vouchers and tickets; seats and place for
    courses; questions, prizes and draw times for quizzes) and, for editors, regions,
    opened_at, win_chance and the seed once drawn."""
    model_config = ConfigDict(extra="allow")
    id: int
    kind: str
    title: str
    description: str | None
    state: str
    account: NamedRef
    post_id: int | None
    starts_at: str | None
    ends_at: str | None
    per_member_limit: int
    units: int
    stock_left: int


class CampaignListOut(BaseModel):
    items: list[CampaignOut]


class WinnerOut(BaseModel):
    claim_id: int
    name: str


class HourClaimsOut(BaseModel):
    hour: str
    claims: int


class CampaignStatsOut(BaseModel):
    campaign_id: int
    units: int
    stock_left: int
    taken: int
    claims: dict[str, int] = Field(description="各状态的领取数")
    claims_by_hour: list[HourClaimsOut]
    given_fen: int
    redeemed: int
    redemption_rate: float | None
    winners: list[WinnerOut]
    welfare_value_fen: int


class DrawOut(BaseModel):
    campaign_id: int
    winners: list[WinnerOut]
    seed: str | None


class ChildWelfareOut(BaseModel):
    code: str
    name: str
    value_fen: int


class CampaignWelfareOut(BaseModel):
    id: int
    title: str
    kind: str
    state: str
    phase: str = Field(description="pending 待审批、rejected 已退回、awaiting_post 待稿件发布、"
                                   "not_started 未开始、running 进行中、ended 已结束")
    account: str
    account_name: str
    value_fen: int


class WelfareOut(BaseModel):
    account: NamedRef
    total_fen: int
    own_fen: int
    children: list[ChildWelfareOut]
    campaigns: list[CampaignWelfareOut]


class MerchantOut(BaseModel):
    id: int
    name: str


class MerchantListOut(BaseModel):
    items: list[MerchantOut]


class MyClaimOut(ClaimAnswer):
    model_config = ConfigDict(extra="allow")
    status: str
    claimed_at: str | None = None
    redeemed: bool | None = None


class CampaignForMemberOut(CampaignOut):
    eligible: bool
    reason: str | None
    reason_code: str | None
    my_claims: list[MyClaimOut]


class CancelOut(BaseModel):
    status: Literal["cancelled"]
    claim_id: int
    campaign_id: int
    seat_passed_to_waitlist: bool


class MyWelfareOut(BaseModel):
    items: list[MyClaimOut] = Field(description="每项另有 title、face_value_fen，券码另有"
                                    "有效期与核销状态，课程另有开课时间与地点")
    total_fen: int


class ReceiptOut(BaseModel):
    status: Literal["redeemed"]
    code: str
    campaign_id: int
    title: str
    face_value_fen: int | None
    merchant: str
    redeemed_at: str | None
