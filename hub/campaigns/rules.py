"""The campaign rules, free of web and database: splitting red packets, deciding who may
claim and when, scoring quizzes, drawing winners reproducibly and promoting the waitlist.

Everything here takes plain values and returns plain values, so it is tested directly and
the services only fetch and store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass


class RuleError(ValueError):
    """A campaign that cannot be set up as described; `field` names the offending input."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message, self.field = message, field


# --- red packets -------------------------------------------------------------------------

def split_red_packets(budget_fen: int, count: int, rng: random.Random) -> list[int]:
    """Split `budget_fen` into `count` packets by the double-mean method: each packet is
    random in [1 fen, 2 × the remaining average], the last takes the rest; then shuffled, so
    the order of claiming does not decide who gets the large ones."""
    if count < 1:
        raise RuleError("红包个数至少为 1", "units")
    if budget_fen < count:
        raise RuleError("总金额不足以让每个红包至少 0.01 元", "budget_fen")
    amounts = []
    remaining, left = budget_fen, count
    while left > 1:
        # Keep 1 fen for each packet still to come, so none ends up empty.
        ceiling = min(2 * remaining // left, remaining - (left - 1))
        amount = rng.randint(1, max(1, ceiling))
        amounts.append(amount)
        remaining -= amount
        left -= 1
    amounts.append(remaining)
    if sum(amounts) != budget_fen or min(amounts) < 1:  # the invariant the budget rests on
        raise AssertionError("red packets do not add up to the budget")
    rng.shuffle(amounts)
    return amounts


def pretty_code(code: str) -> str:
    """A voucher or ticket code as members read it, in groups of four."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


# --- windows and eligibility -------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    starts_at: dt.datetime
    ends_at: dt.datetime

    def check(self, now: dt.datetime) -> str | None:
        """None when `now` is inside the window, else "not_started" or "ended"."""
        if now < self.starts_at:
            return "not_started"
        if now >= self.ends_at:
            return "ended"
        return None


@dataclass(frozen=True)
class Claimant:
    """What eligibility looks at: the member's roll state and their union's path."""

    member_id: int | None
    verified: bool
    union_path: str | None


def eligibility(claimant: Claimant, allowed_paths: list[str]) -> str | None:
    """None when the member may claim, else "unverified" or "not_eligible". `allowed_paths`
    are the account paths whose subtrees may claim (the campaign's account and its regions)."""
    if claimant.member_id is None or not claimant.verified:
        return "unverified"
    if claimant.union_path is None or not any(
            claimant.union_path.startswith(path) for path in allowed_paths):
        return "not_eligible"
    return None


REASONS = {
    "unverified": "请先完成实名认证，成为认证会员后再参加",
    "not_eligible": "本活动仅限指定地区工会的会员参加",
    "not_started": "活动尚未开始",
    "ended": "活动已结束",
    "not_open": "活动未开放",
    "sold_out": "已被领完",
    "already_claimed": "你已参加过本活动",
}


def reason_text(code: str | None) -> str | None:
    return REASONS.get(code) if code else None


# --- quizzes -----------------------------------------------------------------------------

def check_questions(questions: list[dict]) -> list[dict]:
    """Questions as stored: each with an id, text, at least two choices and the answer index."""
    if not questions:
        raise RuleError("答题活动至少要有一道题", "questions")
    seen = set()
    for index, question in enumerate(questions):
        qid = str(question.get("id") or f"q{index + 1}")
        choices = question.get("choices") or []
        answer = question.get("answer")
        if qid in seen:
            raise RuleError(f"题目编号 {qid} 重复", "questions")
        if len(choices) < 2 or not isinstance(answer, int) or not 0 <= answer < len(choices):
            raise RuleError(f"第 {index + 1} 题需要至少两个选项和一个有效的答案序号",
                            "questions")
        seen.add(qid)
        question["id"] = qid
    return questions


def score(questions: list[dict], answers: dict[str, int]) -> int:
    """How many questions were answered right; unanswered ones count as wrong."""
    return sum(1 for q in questions if answers.get(q["id"]) == q["answer"])


def public_questions(questions: list[dict]) -> list[dict]:
    """The questions as a member sees them: never the answers."""
    return [{"id": q["id"], "text": q["text"], "choices": list(q["choices"])} for q in questions]


# --- randomness that can be replayed -----------------------------------------------------

def seeded(seed: str, *parts) -> random.Random:
    """A generator determined by the campaign's stored seed and what it decides about."""
    material = "/".join([seed, *map(str, parts)]).encode()
    return random.Random(int.from_bytes(hashlib.sha256(material).digest(), "big"))


def instant_win(seed: str, claim_key: str, chance: float) -> bool:
    """Whether an instant quiz claim wins: reproducible from the seed and the claim's key."""
    return seeded(seed, "instant", claim_key).random() < chance


def draw(seed: str, entrants: list[int], prizes: int) -> list[int]:
    """Winners among `entrants` (claim ids), reproducible: the same seed and entrants give
    the same winners, whatever order the entrants come in."""
    pool = sorted(set(entrants))
    if prizes >= len(pool):
        return pool
    return sorted(seeded(seed, "draw").sample(pool, prizes))


# --- course waitlists --------------------------------------------------------------------

def promote(free_seats: list[int], waitlist: list[int]) -> list[tuple[int, int]]:
    """Pairs (seat, waiting claim): the first waiting get the free seats, in order."""
    return list(zip(sorted(free_seats), waitlist, strict=False))
