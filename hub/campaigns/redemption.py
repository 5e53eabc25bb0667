"""Partner merchants and redeeming vouchers (核销): never twice, never after expiry, never a
voucher of another merchant.

A redemption is one conditional UPDATE (the code is issued, not yet redeemed, belongs to this
merchant's campaign and is within its validity): two tills scanning the same code at once
cannot both succeed. Only when it changes nothing do we look at why, to say so.
Merchant keys are shown once and stored as their sha256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.audit.services import record
from hub.campaigns.errors import RedeemRefused
from hub.campaigns.models import Campaign, Merchant, Slot
from hub.campaigns.opening import normalise_code
from hub.campaigns.rules import pretty_code
from hub.clock import chinese_time, local_iso
from hub.db import utcnow
from hub.errors import BadRequest, NotFound, Unauthorized

KEY_PREFIX = "mk_"
SCHEME = "Merchant"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_merchant(db: Session, account: Account, name: str, *, actor=None) -> Merchant:
    name = name.strip()
    if not name or len(name) > 100:
        raise BadRequest("商户名称须为 1 到 100 个字", field="name")
    merchant = Merchant(account_id=account.id, name=name, created_at=utcnow())
    db.add(merchant)
    db.flush()
    record(db, actor=actor, action="merchant.create", account_id=account.id,
           subject_type="merchant", subject_id=merchant.id, name=name)
    return merchant


def issue_key(db: Session, merchant: Merchant, *, actor=None) -> str:
    """A new key for the merchant (the old one stops working; audited, `actor` None for the
    command line); shown once, stored hashed."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    replaced = merchant.key_hash is not None
    merchant.key_hash = _hash(key)
    merchant.key_issued_at = utcnow()
    db.flush()
    record(db, actor=actor, action="merchant.key.issue", account_id=merchant.account_id,
           subject_type="merchant", subject_id=merchant.id, replaced_a_key=replaced)
    return key


def merchant_for_key(db: Session, key: str) -> Merchant:
    key = (key or "").strip()
    if not key.startswith(KEY_PREFIX):
        raise Unauthorized("商户密钥无效")
    merchant = db.scalar(select(Merchant).where(Merchant.key_hash == _hash(key)))
    if merchant is None or not merchant.active:
        raise Unauthorized("商户密钥无效")
    return merchant


def merchant_from_header(db: Session, header: str) -> Merchant:
    scheme, _, key = (header or "").partition(" ")
    if scheme != SCHEME or not key.strip():
        raise Unauthorized(f"需要 Authorization: {SCHEME} <商户密钥>")
    return merchant_for_key(db, key)


def key_fingerprint(merchant: Merchant) -> str:
    """Changes when the key is re-issued: a page session of the old key stops working."""
    return (merchant.key_hash or "")[:16]


def same_fingerprint(merchant: Merchant, fingerprint: str) -> bool:
    return hmac.compare_digest(key_fingerprint(merchant), fingerprint or "")


def redeem(db: Session, merchant: Merchant, raw_code: str,
           now: dt.datetime | None = None) -> dict:
    """Redeem a voucher code for `merchant`; commits. Raises RedeemRefused saying why not."""
    now = now or utcnow()
    code = normalise_code(raw_code)
    if not code:
        raise BadRequest("请输入券码", field="code")
    mine = select(Campaign.id).where(Campaign.merchant_id == merchant.id,
                                     (Campaign.valid_from.is_(None)) | (Campaign.valid_from <= now),
                                     Campaign.valid_until > now)
    done = db.execute(update(Slot).where(
        Slot.code == code, Slot.claim_id.is_not(None), Slot.redeemed_at.is_(None),
        Slot.campaign_id.in_(mine))
        .values(redeemed_at=now, redeemed_by_id=merchant.id)
        .execution_options(synchronize_session=False))
    if done.rowcount == 1:
        db.commit()
        return _receipt(db, code, merchant)
    db.rollback()
    raise _why_not(db, merchant, code, now)


def _receipt(db: Session, code: str, merchant: Merchant) -> dict:
    slot, campaign = db.execute(select(Slot, Campaign).join(
        Campaign, Campaign.id == Slot.campaign_id).where(Slot.code == code)).one()
    return {"status": "redeemed", "code": pretty_code(code), "campaign_id": campaign.id,
            "title": campaign.title, "face_value_fen": campaign.face_value_fen,
            "merchant": merchant.name, "redeemed_at": local_iso(slot.redeemed_at)}


def _why_not(db: Session, merchant: Merchant, code: str, now: dt.datetime) -> Exception:
    found = db.execute(select(Slot, Campaign).join(Campaign, Campaign.id == Slot.campaign_id)
                       .where(Slot.code == code)).first()
    if found is None or found[0].claim_id is None:
        return NotFound("没有这个券码，请核对后重试", field="code")
    slot, campaign = found
    if campaign.merchant_id != merchant.id:
        return RedeemRefused("wrong_merchant", 403, "这张券不属于本商户，不能在此核销")
    if slot.redeemed_at is not None:
        return RedeemRefused("already_redeemed", 409,
                             f"这张券已于 {chinese_time(slot.redeemed_at)} 核销过，不能重复核销")
    if campaign.valid_until is not None and now >= campaign.valid_until:
        return RedeemRefused("expired", 410,
                             f"这张券已于 {chinese_time(campaign.valid_until)} 过期")
    return RedeemRefused("not_yet_valid", 409,
                         f"这张券 {chinese_time(campaign.valid_from)} 起才能使用")
