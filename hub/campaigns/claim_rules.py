"""The rules of one claim, as plain values: who may claim now, which of a member's numbered
places is free, whether a quiz passed, and what the member is told.

Nothing here opens a session or runs a statement: the claim's reads arrive as the values
below (`Facts`, `Claimant`, `Earlier`), and what comes back is a decision or an answer. The
reading and writing are hub.campaigns.claim_statements; the order of it all is
hub.campaigns.claims.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from hub.campaigns import errors, rules
from hub.campaigns.gate import campaign_key
from hub.campaigns.models import CampaignState, ClaimStatus, Kind
from hub.clock import local_iso
from hub.errors import BadRequest


@dataclass
class Claimant:
    """The member behind a session: their identity, and what eligibility looks at."""

    identity_id: int
    openid: str
    member_id: int | None
    verified: bool
    union_path: str | None

    def as_rule(self) -> rules.Claimant:
        return rules.Claimant(self.member_id, self.verified, self.union_path)


@dataclass(frozen=True)
class Facts:
    """What claiming needs of a campaign's terms. They change only through an edit, which
    sends the campaign back for approval, so a copy kept per process is keyed on the time of
    its approval (hub.campaigns.claims.facts_of); the state is read afresh for every claim."""

    id: int
    kind: str
    per_member_limit: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    allowed_paths: tuple[str, ...]
    seed: str
    units: int
    valid_until: dt.datetime | None
    questions: tuple = ()
    pass_mark: int | None = None
    quiz_mode: str | None = None
    win_chance: float | None = None

    @property
    def gate_key(self) -> str:
        return campaign_key(self.id, self.seed)


@dataclass
class Earlier:
    """A claim the member already made on the campaign, with the answer it was given."""

    id: int
    request_id: str
    nth: int | None
    status: str
    answer: dict

    def replay(self) -> dict:
        return {**self.answer, "claim_id": self.id}


@dataclass
class Outcome:
    """A claim's answer and what the gate learns once the answer is committed."""

    answer: dict
    repeated: bool = False


class Stated(NamedTuple):
    """A claim as `answer_for` reads it, before it has an id."""

    status: str
    id: int | None = None
    score: int | None = None


def repeat_of(earlier: list[Earlier], request_id: str) -> Outcome | None:
    """The stored answer when this very request was answered before."""
    for previous in earlier:
        if previous.request_id == request_id:
            return Outcome(previous.replay(), repeated=True)
    return None


def refusal(state: str, facts, allowed_paths, claimant: Claimant,
            now: dt.datetime) -> errors.CampaignRefusal | None:
    """Why this member may not claim now, or None (`facts`: a Campaign or Facts)."""
    if state != CampaignState.open:
        return errors.not_open()
    reason = rules.eligibility(claimant.as_rule(), list(allowed_paths))
    if reason == "unverified":
        return errors.unverified()
    if reason:
        return errors.not_eligible()
    window = rules.Window(facts.starts_at, facts.ends_at).check(now)
    return errors.outside_window(window) if window else None


def free_nth(claims: list[Earlier], limit: int) -> int | None:
    """The lowest place number (1..limit) none of the member's active claims holds."""
    used = {c.nth for c in claims if c.status in ClaimStatus.ACTIVE and c.nth is not None}
    return next((n for n in range(1, limit + 1) if n not in used), None)


def check_quiz(facts: Facts, answers: dict[str, int] | None) -> int:
    """The quiz's score when it passes; a 400 for missing or unknown answers, a refusal
    for a score under the pass mark."""
    if not answers:
        raise BadRequest("请先答题再提交", field="answers")
    known = {q["id"] for q in facts.questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise BadRequest(f"没有这些题目：{', '.join(unknown)}", field="answers")
    right = rules.score(list(facts.questions), answers)
    if right < facts.pass_mark:
        raise errors.QuizFailed(right, facts.pass_mark)
    return right


def sold_out_certainly() -> errors.CampaignRefusal:
    """Sold out, known for sure (no slot free, none held): the gate may learn it."""
    refused = errors.sold_out()
    refused.extra["certain"] = True  # removed before answering
    return refused


def qr_url(public_url: str, code: str) -> str:
    return f"{public_url}/mp/v1/codes/{code}/qr.png"


def answer_for(campaign, record, slot, public_url: str, *,
               position: int | None = None) -> dict:
    """What the member is told about a claim (the same shape in claims and welfare lists);
    `campaign` a Campaign or Facts, `record` a Claim or Stated, `slot` a Slot or SlotRow."""
    answer = {"status": record.status, "claim_id": record.id, "campaign_id": campaign.id,
              "kind": campaign.kind}
    if slot is not None and slot.amount_fen is not None:
        answer["amount_fen"] = slot.amount_fen
    if slot is not None and slot.code:
        answer.update(code=rules.pretty_code(slot.code), qr_url=qr_url(public_url, slot.code),
                      valid_until=local_iso(campaign.valid_until))
    if campaign.kind == Kind.course and slot is not None:
        answer["seat"] = slot.number
    if position is not None:
        answer["position"] = position
    if record.score is not None:
        answer["score"] = record.score
    return answer
