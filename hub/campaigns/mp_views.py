"""Campaigns in the mini-program (`/mp/v1/`): what a member sees of a campaign, claiming,
giving a course place back, their welfare, and the QR image of a voucher code."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask import Blueprint, Response, current_app, g
from pydantic import BaseModel, Field
from sqlalchemy import select

from hub import api
from hub.api import route
from hub.attribution import sources
from hub.campaigns import claim_rules, claims, errors, limits, redis_claims, services, waitlist
from hub.campaigns.gate import Gate, campaign_key
from hub.campaigns.models import Campaign, CampaignState, Claim, ClaimStatus, Slot
from hub.campaigns.opening import CODE_ALPHABET, CODE_LENGTH
from hub.campaigns.schemas import (
    CampaignForMemberOut,
    CancelOut,
    ClaimAnswer,
    ClaimBody,
    MyWelfareOut,
)
from hub.clock import local_iso
from hub.db import utcnow
from hub.errors import NotFound
from hub.mp import sharing

bp = Blueprint("campaigns_mp", __name__, url_prefix="/mp/v1")
TAG = "小程序 · 活动"
CODE_FORMAT = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


@bp.after_request
def _retry_after(response):
    wait = g.pop("retry_after", None)
    if response.status_code == 429 and wait:
        response.headers["Retry-After"] = str(wait)
    return response


def gate() -> Gate | None:
    """The app's Redis gate when HUB_REDIS_URL is set (made once per process)."""
    app = current_app
    if "hub.campaigns.gate" not in app.extensions:
        url = app.config["HUB"].redis_url
        app.extensions["hub.campaigns.gate"] = Gate(url) if url else None
    return app.extensions["hub.campaigns.gate"]


def rush() -> redis_claims.RedisClaims | None:
    """Redis deciding claims (HUB_REDIS_URL on PostgreSQL, durable), or None: the database
    decides. While Redis cannot be reached, None (asked again on the next claim)."""
    config = current_app.config["HUB"]
    try:
        return redis_claims.for_config(config)
    except redis_claims.REDIS_ERRORS:
        return None


def counter():
    """Where rate-limit hits are counted: the gate's Redis, else this process."""
    app = current_app
    if "hub.campaigns.counter" not in app.extensions:
        app.extensions["hub.campaigns.counter"] = gate() or limits.LocalCounter()
    return app.extensions["hub.campaigns.counter"]


def _limit_rate() -> None:
    try:
        limits.check(counter(), g.member.identity_id, g.member.openid)
    except errors.TooManyRequests as exc:
        g.retry_after = exc.retry_after
        raise


def _public_url() -> str:
    return current_app.config["HUB"].public_url


def _reader():
    return current_app.extensions["hub.read_sessions"]()


class CampaignVisitQuery(BaseModel):
    source: str | None = Field(default=None, max_length=sharing.MAX_LENGTH,
                               description="分享者：分享链接里的 source（资料的 share_source）")
    src: str | None = Field(default=None, max_length=sources.MAX_LENGTH,
                            description="带来会员的终端或地推码（链接、小程序码里的 src）；"
                                        "不认识的来源不计")


@route(bp, "/campaigns/<int:campaign_id>", "GET", summary="活动详情（含我的参与情况与资格）",
       tag=TAG, response=CampaignForMemberOut, auth="member", query=CampaignVisitQuery)
def campaign_for_member(campaign_id: int, query: CampaignVisitQuery):
    campaign = services.get_campaign(g.db, campaign_id)
    if campaign.state == CampaignState.draft:
        raise NotFound(f"没有编号为 {campaign_id} 的活动", field="campaign")
    _record_visit(campaign.id, query)
    claimant = claims.load_claimant(g.db, g.member.identity_id, g.member.openid)
    body = services.describe(g.db, campaign, for_editor=False)
    if campaign.decided_in == "redis":
        body["stock_left"] = _stock_in_redis(campaign, body["stock_left"])
    refusal = claim_rules.refusal(campaign.state, campaign,
                                  services.allowed_paths(g.db, campaign), claimant, utcnow())
    mine = my_claims(g.db, campaign, claimant.member_id) if claimant.member_id else []
    active = [c for c in mine if c["status"] != ClaimStatus.cancelled]
    if refusal is None and len(active) >= campaign.per_member_limit:
        refusal = errors.already_claimed()
    if refusal is None and body["stock_left"] == 0 and campaign.kind in (
            "red_packet", "voucher", "ticket"):
        refusal = errors.sold_out()
    body.update(eligible=refusal is None, reason=refusal.message if refusal else None,
                reason_code=refusal.code if refusal else None, my_claims=mine)
    return body


def _record_visit(campaign_id: int, query: CampaignVisitQuery) -> None:
    """The member's first visit counts in the funnel under the source that brought them; a
    share by another member counts as `share` (a member opening their own share, not)."""
    sharer = sharing.sharer_of(current_app.config["HUB"].secret(), query.source)
    shared_by = sharer if sharer != g.member.identity_id else None
    sources.record_member_visit(g.db, g.member.identity_id, campaign_id,
                                sources.clean(query.src), shared_by)


def _stock_in_redis(campaign: Campaign, in_database: int) -> int:
    """What Redis has left to hand out (the database's free slots lag behind it)."""
    decider = rush()
    try:
        return decider.stock_left(campaign.id, campaign.seed) if decider else in_database
    except redis_claims.REDIS_ERRORS:
        return in_database


def my_claims(db, campaign: Campaign, member_id: int) -> list[dict]:
    """The member's claims on a campaign as they stand now (a waitlist place may have
    become a seat since the claim was answered)."""
    rows = db.execute(select(Claim, Slot).outerjoin(Slot, Slot.id == Claim.slot_id).where(
        Claim.campaign_id == campaign.id, Claim.member_id == member_id).order_by(Claim.id)).all()
    rows = [(record, slot) for record, slot, _ in _with_unsaved(db, member_id, [
        (record, slot, campaign) for record, slot in rows], campaign)]
    found = []
    for record, slot in sorted(rows, key=lambda row: row[0].id):
        answer = claim_rules.answer_for(campaign, record, slot, _public_url(),
                                        position=_position(db, campaign, record))
        answer["claimed_at"] = local_iso(record.created_at)
        if slot is not None and slot.code:
            answer["redeemed"] = slot.redeemed_at is not None
        found.append(answer)
    return found


def _with_unsaved(db, member_id: int, saved: list[tuple], only: Campaign | None = None
                  ) -> list[tuple]:
    """The member's claims (claim, slot, campaign) with those Redis answered or changed that
    the persister has not written yet: members see a claim, a seat given up or passed on, at
    once. A course's or quiz's claim as Redis holds it replaces the database's older copy."""
    decider = rush()
    if decider is None:
        return saved
    try:
        pending = decider.unsaved(member_id)
    except redis_claims.REDIS_ERRORS:
        return saved  # the database's claims still show; the rest once Redis is back
    known = {row[0].id for row in saved}
    found = []
    for claim in pending:
        if only is not None and claim.campaign_id != only.id:
            continue
        if claim.entry is not None and claim.claim_id in known:
            continue  # a packet never changes: the database's copy is the same
        campaign = only or db.get(Campaign, claim.campaign_id)
        if campaign is None or campaign_key(campaign.id, campaign.seed) != claim.campaign_key:
            continue  # another campaign's under a reused id (a restored database)
        found.append((*_unsaved_claim(claim, campaign, member_id), campaign))
    replaced = {record.id for record, _, _ in found}
    return [row for row in saved if row[0].id not in replaced] + found


def _unsaved_claim(claim: redis_claims.Unsaved, campaign: Campaign, member_id: int):
    """A claim Redis holds as a Claim and its Slot, not bound to any session."""
    created_at = dt.datetime.fromisoformat(claim.created_at)
    if claim.entry is not None:
        entry = claim.entry
        status, nth, score, slot = ClaimStatus.claimed, entry.nth, None, entry.slot
    else:
        row = claim.row
        status, nth, score, slot = row.status, row.nth, row.entry.score, row.slot
    record = Claim(id=claim.claim_id, campaign_id=campaign.id, member_id=member_id, nth=nth,
                   status=status, slot_id=slot.id if slot else None, score=score,
                   created_at=created_at)
    found = Slot(id=slot.id, campaign_id=campaign.id, number=slot.number,
                 amount_fen=slot.amount_fen, code=slot.code, redeemed_at=None) if slot else None
    return record, found


def _position(db, campaign: Campaign, record: Claim) -> int | None:
    """Where a waitlisted claim stands now: in Redis while it holds the course's seats."""
    if record.status != ClaimStatus.waitlisted:
        return None
    decider = rush() if campaign.decided_in == "redis" else None
    if decider is not None:
        try:
            found = decider.places.position(campaign.id, campaign.seed, record.id)
            if found is not None:
                return found
        except redis_claims.REDIS_ERRORS:
            pass
    return waitlist.waitlist_position(db, record)


@route(bp, "/campaigns/<int:campaign_id>/claim", "POST", summary="领取 / 报名 / 提交答题",
       tag=TAG, body=ClaimBody, response=ClaimAnswer, auth="member", errors=(409, 429))
def claim(campaign_id: int, body: ClaimBody):
    the_gate = gate()
    if the_gate is None:
        _limit_rate()  # with a gate, its first look counts them in the same round trip
    reader = _reader()
    try:
        outcome = claims.claim(g.db, reader, campaign_id, g.member.identity_id,
                               g.member.openid, body.request_id, body.answers, gate=the_gate,
                               public_url=_public_url(),
                               cache=current_app.extensions.setdefault("hub.campaigns.facts", {}),
                               rush=rush())
    except errors.TooManyRequests as exc:
        g.retry_after = exc.retry_after
        raise
    finally:
        reader.close()
    return outcome.answer


@route(bp, "/campaigns/<int:campaign_id>/cancel", "POST", summary="取消课程报名或候补",
       tag=TAG, response=CancelOut, auth="member", errors=(409, 429))
def cancel(campaign_id: int):
    _limit_rate()
    return waitlist.cancel(g.db, campaign_id, g.member.identity_id, g.member.openid,
                           public_url=_public_url(), rush=rush())


@route(bp, "/me/welfare", "GET", summary="我的福利：红包、券码、课程名额、奖品", tag=TAG,
       response=MyWelfareOut, auth="member")
def my_welfare():
    claimant = claims.load_claimant(g.db, g.member.identity_id, g.member.openid)
    if claimant.member_id is None:
        return {"items": [], "total_fen": 0}
    rows = g.db.execute(
        select(Claim, Slot, Campaign).join(Campaign, Campaign.id == Claim.campaign_id)
        .outerjoin(Slot, Slot.id == Claim.slot_id)
        .where(Claim.member_id == claimant.member_id, Claim.status != ClaimStatus.cancelled)
        .order_by(Claim.id.desc()).limit(200)).all()
    rows = [row for row in _with_unsaved(g.db, claimant.member_id, rows)
            if row[0].status != ClaimStatus.cancelled]
    items = []
    for record, slot, campaign in sorted(rows, key=lambda row: -row[0].id):
        answer = claim_rules.answer_for(campaign, record, slot, _public_url(),
                                        position=_position(g.db, campaign, record))
        answer.update(title=campaign.title, claimed_at=local_iso(record.created_at),
                      face_value_fen=campaign.face_value_fen)
        if slot is not None and slot.code:
            answer.update(redeemed=slot.redeemed_at is not None,
                          valid_from=local_iso(campaign.valid_from),
                          expired=campaign.valid_until is not None
                          and campaign.valid_until <= utcnow())
        if campaign.kind == "course":
            answer.update(course_starts_at=local_iso(campaign.course_starts_at),
                          place=campaign.place)
        items.append(answer)
    total = sum(item.get("amount_fen", 0) for item in items)
    return {"items": items, "total_fen": total}


api.OPERATIONS.append(api.Operation(
    "get", "/mp/v1/codes/{code}/qr.png", "券码的二维码图片（供小程序 <image> 使用，无需登录）",
    TAG, auth=None, errors=(404,), media_type="image/png"))


@bp.get("/codes/<code>/qr.png")
def code_qr(code: str):
    """The QR image of a voucher code, for the mini-program's <image> (which sends no
    header): it only draws the code in its address, so it tells nothing to anyone."""
    import qrcode

    if not CODE_FORMAT.match(code):
        raise NotFound("没有这个券码", field="code")
    buffer = io.BytesIO()
    qrcode.make(code, border=2).save(buffer, format="PNG")
    response = Response(buffer.getvalue(), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
