"""The campaign builder's form: turning what an editor typed (yuan, Beijing times, questions
one per block) into the API's `CampaignCreate`, with every refusal named in Chinese, and the
red-packet split previewed exactly as opening the campaign would make it."""

from __future__ import annotations

import random
import secrets
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from hub.campaigns import rules
from hub.campaigns.schemas import CampaignCreate

QUESTION_SLOTS = 5  # question blocks the quiz form offers
# The API's own limit on the number of packets.
MAX_PACKETS = next(rule.le for rule in CampaignCreate.model_fields["count"].metadata
                   if getattr(rule, "le", None) is not None)
FIELD_LABELS = {
    "post_id": "推广稿件", "title": "活动名称", "description": "说明", "starts_at": "开始时间",
    "ends_at": "结束时间", "per_member_limit": "每人限领", "regions": "另可参加的账号",
    "budget_fen": "红包总额", "count": "红包个数", "stock": "数量", "face_value_fen": "面值",
    "merchant_id": "合作商户", "valid_from": "有效期起", "valid_until": "有效期止",
    "seats": "名额", "course_starts_at": "上课时间", "remind_minutes": "提前提醒",
    "place": "地点", "questions": "题目", "pass_mark": "及格题数", "quiz_mode": "开奖方式",
    "win_chance": "中奖概率", "prizes": "奖品数量", "draw_at": "开奖时间",
}
MONEY_FIELDS = {"budget_yuan": "budget_fen", "face_value_yuan": "face_value_fen"}
WHOLE_FIELDS = ("post_id", "per_member_limit", "count", "stock", "merchant_id", "seats",
                "remind_minutes", "pass_mark", "prizes")
TEXT_FIELDS = ("title", "description", "place", "quiz_mode")
TIME_FIELDS = ("starts_at", "ends_at", "valid_from", "valid_until", "course_starts_at",
               "draw_at")


class FormErrors(Exception):
    """What is wrong with the builder's form, by field: shown beside each input."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _fen(raw: str, name: str, errors: dict) -> int | None:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors[name] = "请填写金额（元），例如 12.50"
        return None
    if value != value.quantize(Decimal("0.01")) or value < 0:
        errors[name] = "金额须为不小于 0 的数，最多两位小数"
        return None
    return int(value * 100)


def _whole(raw: str, name: str, errors: dict) -> int | None:
    if not raw.isdigit():
        errors[name] = "请填写整数"
        return None
    return int(raw)


def _questions(form, errors: dict) -> list[dict]:
    found = []
    for n in range(1, QUESTION_SLOTS + 1):
        text = form.get(f"q{n}_text", "").strip()
        choices = [line.strip() for line in form.get(f"q{n}_choices", "").splitlines()
                   if line.strip()]
        answer = form.get(f"q{n}_answer", "").strip()
        if not text and not choices:
            continue
        if not answer.isdigit() or not 1 <= int(answer) <= max(len(choices), 1):
            errors[f"q{n}_answer"] = f"第 {n} 题：正确选项须为 1 至 {len(choices)} 之间的序号"
            continue
        found.append({"text": text, "choices": choices, "answer": int(answer) - 1})
    return found


def body_from_form(form, account_code: str, kind: str) -> CampaignCreate:
    """The creation body the form describes; FormErrors names each field that is wrong."""
    errors: dict[str, str] = {}
    body: dict = {"account": account_code, "kind": kind,
                  "regions": [code for code in form.getlist("regions") if code]}
    for name in TEXT_FIELDS + TIME_FIELDS:
        if form.get(name, "").strip():
            body[name] = form[name].strip()
    for name in WHOLE_FIELDS:
        if form.get(name, "").strip():
            body[name] = _whole(form[name].strip(), name, errors)
    for name, target in MONEY_FIELDS.items():
        if form.get(name, "").strip():
            body[target] = _fen(form[name].strip(), name, errors)
    if form.get("win_percent", "").strip():
        percent = _fen(form["win_percent"].strip(), "win_percent", errors)
        body["win_chance"] = percent / 10000 if percent is not None else None
    if kind == "quiz":
        body["questions"] = _questions(form, errors)
    if errors:
        raise FormErrors(errors)
    try:
        return CampaignCreate.model_validate(body)
    except ValidationError as exc:
        raise FormErrors(_readable(exc)) from None


FORM_NAMES = {"budget_fen": "budget_yuan", "face_value_fen": "face_value_yuan",
              "win_chance": "win_percent"}


def _readable(exc: ValidationError) -> dict[str, str]:
    """Pydantic's refusals as the form's fields and Chinese sentences."""
    found = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "form"
        label = FIELD_LABELS.get(name, name)
        kind = err["type"]
        if kind == "missing":
            message = f"请填写{label}"
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "too_short",
                      "too_long", "string_too_long", "string_too_short"):
            message = f"{label}超出允许范围"
        elif "datetime" in kind:
            message = f"{label}不是有效的时间"
        else:
            message = f"{label}填写有误"
        found[FORM_NAMES.get(name, name)] = message
    return found


def split_preview(budget_fen: int, count: int, bars: int = 10) -> dict:
    """A split like the one opening makes (another seed): smallest, largest, average, and
    how many packets fall in each of `bars` equal bands of amount."""
    amounts = rules.split_red_packets(budget_fen, count,
                                      random.Random(secrets.token_hex(8)))  # noqa: S311
    low, high = min(amounts), max(amounts)
    width = max((high - low + bars) // bars, 1)
    counts = [0] * bars
    for amount in amounts:
        counts[min((amount - low) // width, bars - 1)] += 1
    bands = [(f"{(low + i * width) / 100:.2f}–{(low + (i + 1) * width - 1) / 100:.2f}", n)
             for i, n in enumerate(counts) if n or i < bars]
    return {"min_fen": low, "max_fen": high, "mean_fen": budget_fen // count, "bands": bands}


def preview_from_form(form) -> tuple[dict | None, dict[str, str]]:
    """(the split preview, errors) from the form's budget and count alone."""
    errors: dict[str, str] = {}
    budget = _fen(form.get("budget_yuan", "").strip() or "x", "budget_yuan", errors)
    count = _whole(form.get("count", "").strip(), "count", errors)
    if errors:
        return None, errors
    if not 1 <= count <= MAX_PACKETS:
        return None, {"count": f"红包个数须在 1 至 {MAX_PACKETS:,} 之间"}
    if budget < count:
        return None, {"budget_yuan": "总金额须至少让每个红包有 0.01 元"}
    return split_preview(budget, count), {}
