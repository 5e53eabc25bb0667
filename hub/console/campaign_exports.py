"""A campaign's claims, winners and redemptions as XLSX workbooks for the union's staff:
names in full (they run the event), ID numbers and mobiles masked, times in Beijing time."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.campaigns.models import Campaign, Claim, ClaimStatus, Merchant, Slot
from hub.clock import to_local
from hub.kpis.services import YUAN_FORMAT
from hub.members.identity import IdKeys, mask_mobile
from hub.members.models import Member

STATUS_LABELS = {"claimed": "已领取", "waitlisted": "候补中", "passed": "已答对待开奖",
                 "won": "中奖", "lost": "未中奖", "cancelled": "已取消"}
EXPORTS = {"claims": "参与记录", "winners": "中奖名单", "redemptions": "核销记录"}
HEADERS = ("参与编号", "时间（北京）", "姓名", "身份证号（已隐藏）", "手机（已隐藏）", "状态",
           "红包金额（元）", "券码", "核销时间（北京）", "核销商户")


def _local(value) -> str:
    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M:%S") if local else ""


def _yuan(sheet, fen: int | None) -> WriteOnlyCell | None:
    """An amount in fen as a cell in yuan, formatted as money; None when there is none."""
    if not fen:
        return None
    cell = WriteOnlyCell(sheet, value=round(fen / 100, 2))
    cell.number_format = YUAN_FORMAT
    return cell


def _rows(db: Session, campaign: Campaign, what: str):
    query = (select(Claim, Member, Slot, Merchant.name)
             .join(Member, Member.id == Claim.member_id)
             .outerjoin(Slot, Slot.id == Claim.slot_id)
             .outerjoin(Merchant, Merchant.id == Slot.redeemed_by_id)
             .where(Claim.campaign_id == campaign.id).order_by(Claim.id))
    if what == "winners":
        query = query.where(Claim.status == ClaimStatus.won)
    elif what == "redemptions":
        query = query.where(Slot.redeemed_at.is_not(None))
    return db.execute(query.execution_options(yield_per=2000))


def workbook(db: Session, campaign: Campaign, what: str, keys: IdKeys) -> tuple[bytes, int]:
    """(the .xlsx bytes, how many rows) of one export of the campaign."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(EXPORTS[what])
    sheet.append([f"{campaign.title} · {EXPORTS[what]}"])
    sheet.append(list(HEADERS))
    count = 0
    for claim, member, slot, merchant_name in _rows(db, campaign, what):
        amount = _yuan(sheet, slot.amount_fen if slot is not None else None)
        sheet.append([claim.id, _local(claim.created_at), member.name,
                      keys.masked(member.id_encrypted), mask_mobile(member.mobile) or "",
                      STATUS_LABELS.get(claim.status, claim.status), amount,
                      slot.code if slot is not None and slot.code else "",
                      _local(slot.redeemed_at) if slot is not None else "",
                      merchant_name or ""])
        count += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count
