"""A campaign's funnel per source: visits (landing views and members' first visits), members,
verified members (and those who verified after their visit), claims, redeemed codes and
the welfare value delivered, as `hub.campaigns.stats` counts it (a red packet's amount once
claimed, a voucher's or ticket's face value once redeemed, a quiz prize once won).

Rows are by outlet (and members' shares, and `direct`) and by 地推 code; the codes are rolled
up to the accounts under the one asked about, so a city sees which town's 地推 brought
whom. A claim counts under the source of the member's first visit; a claim without a
recorded visit (made before attribution existed) counts as `direct`.

Each row also carries the contract's steps (DESIGN.md): seen (what the outlet reports it
showed of the campaign's post — screen plays, splash impressions — and never fewer than
were opened), opened (= visits), signed_in (= members), verified, claimed (= claims),
redeemed.

`verified_by_source`: for an account, which sources brought its newly verified members in a
month (each member's source when they verified)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub import channels
from hub.accounts.models import Account
from hub.attribution import sources
from hub.attribution.models import CampaignVisit, MemberSource, PromoCode
from hub.campaigns.models import Campaign, Claim, ClaimStatus, Kind, Slot
from hub.members.models import Member, MemberIdentity

FIGURES = ("visits", "members", "verified", "newly_verified", "claims", "redeemed",
           "welfare_value_fen")
LABELS = {sources.SHARE: "会员分享", sources.DIRECT: "直接打开"}


def label_of(source: str) -> str:
    """An outlet's source as editors read it: the outlet's own label where it has one."""
    channel = channels.get_channel(source)
    return LABELS.get(source) or (channel.label if channel and channel.label else source)


def _zero() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def _visits(db: Session, campaign: Campaign, by: dict) -> None:
    rows = db.execute(select(CampaignVisit.source, func.count(), func.count(
        CampaignVisit.identity_id)).where(CampaignVisit.campaign_id == campaign.id)
        .group_by(CampaignVisit.source))
    for source, visits, members in rows:
        by[source]["visits"] += visits
        by[source]["members"] += members


def _verified(db: Session, campaign: Campaign, by: dict) -> None:
    rows = db.execute(
        select(CampaignVisit.source, func.count(Member.verified_at),
               func.count().filter(Member.verified_at >= CampaignVisit.created_at))
        .join(MemberIdentity, MemberIdentity.id == CampaignVisit.identity_id)
        .join(Member, Member.id == MemberIdentity.member_id)
        .where(CampaignVisit.campaign_id == campaign.id)
        .group_by(CampaignVisit.source))
    for source, verified, newly in rows:
        by[source]["verified"] += verified
        by[source]["newly_verified"] += newly


def _claims(db: Session, campaign: Campaign, by: dict) -> None:
    source = func.coalesce(CampaignVisit.source, sources.DIRECT)
    rows = db.execute(
        select(source, func.count().filter(Claim.status != ClaimStatus.cancelled),
               func.count(Slot.redeemed_at), func.coalesce(func.sum(Slot.amount_fen), 0),
               func.count().filter(Claim.status == ClaimStatus.won))
        .select_from(Claim)
        .outerjoin(Slot, Slot.id == Claim.slot_id)
        .outerjoin(CampaignVisit, (CampaignVisit.campaign_id == Claim.campaign_id)
                   & (CampaignVisit.identity_id == Claim.identity_id))
        .where(Claim.campaign_id == campaign.id)
        .group_by(source))
    face = campaign.face_value_fen or 0
    for name, claimed, redeemed, amount, won in rows:
        by[name]["claims"] += claimed
        by[name]["redeemed"] += redeemed
        by[name]["welfare_value_fen"] += _welfare(campaign.kind, face, int(amount), redeemed, won)


def _welfare(kind: str, face: int, amount: int, redeemed: int, won: int) -> int:
    if kind == Kind.red_packet:
        return amount
    if kind in Kind.WITH_CODES:
        return redeemed * face
    if kind == Kind.quiz:
        return won * face
    return 0


def by_source(db: Session, campaign: Campaign) -> dict[str, dict[str, int]]:
    """{source: figures} over every source that brought anything."""
    by: dict[str, dict[str, int]] = defaultdict(_zero)
    _visits(db, campaign, by)
    _verified(db, campaign, by)
    _claims(db, campaign, by)
    return dict(by)


def funnel(db: Session, campaign: Campaign, within: Account) -> dict:
    """The funnel of `campaign` as `within` sees it: every outlet, and the 地推 codes made
    in `within`'s subtree, rolled up to `within` and its children."""
    by = by_source(db, campaign)
    shown = _shown(campaign)
    for name in shown:
        by.setdefault(name, _zero())
    outlets = [_steps({"source": name, "label": label_of(name), **figures}, shown.get(name, 0))
               for name, figures in sorted(by.items())
               if sources.code_id_of(name) is None]
    outlets.sort(key=lambda row: (-row["visits"], -row["seen"], row["source"]))
    codes, accounts = _codes(db, campaign, within, by)
    codes = [_steps(row) for row in codes]
    accounts = [_steps(row) for row in accounts]
    totals = _zero()
    for row in outlets + codes:
        for figure in FIGURES:
            totals[figure] += row[figure]
    totals = _steps(totals, sum(row["seen"] for row in outlets + codes))
    return {"campaign_id": campaign.id, "account": within.code, "totals": totals,
            "by_outlet": outlets, "by_code": codes, "by_account": accounts}


def _shown(campaign: Campaign) -> dict[str, int]:
    """{outlet: how often it showed the campaign's post} as the outlets report it."""
    shown = {}
    for channel in channels.all_channels():
        counts = channel.post_figures([campaign.post_id]).get(campaign.post_id, {})
        if counts:
            shown[channel.name] = sum(counts.values())
    return shown


def _steps(row: dict, shown: int = 0) -> dict:
    """The contract's funnel steps beside the figures they are made of."""
    return row | {"seen": max(shown, row["visits"]), "opened": row["visits"],
                  "signed_in": row["members"], "claimed": row["claims"]}


def _codes(db: Session, campaign: Campaign, within: Account, by: dict
           ) -> tuple[list[dict], list[dict]]:
    made = db.execute(select(PromoCode, Account).join(Account, Account.id == PromoCode.account_id)
                      .where(PromoCode.campaign_id == campaign.id,
                             Account.path.startswith(within.path))
                      .order_by(Account.path, PromoCode.held_on, PromoCode.id)).all()
    children = list(db.scalars(select(Account).where(Account.parent_id == within.id)
                               .order_by(Account.name)))
    rolled = {within.id: _zero(), **{child.id: _zero() for child in children}}
    counted = dict.fromkeys(rolled, 0)
    rows = []
    for code, owner in made:
        figures = by.get(sources.code_source(code.id), _zero())
        rows.append({"code_id": code.id, "source": sources.code_source(code.id),
                     "name": code.name, "place": code.place,
                     "held_on": code.held_on.isoformat(),
                     "account": {"code": owner.code, "name": owner.name}, **figures})
        # the child of `within` the code's account sits under (or `within` itself)
        ids = owner.ancestor_ids()
        holder = ids[ids.index(within.id) + 1] if owner.id != within.id else within.id
        for figure in FIGURES:
            rolled[holder][figure] += figures[figure]
        counted[holder] += 1
    names = {within.id: (within.code, f"{within.name}（本级）"),
             **{child.id: (child.code, child.name) for child in children}}
    accounts = [{"account": {"code": names[key][0], "name": names[key][1]},
                 "codes": counted[key], **figures}
                for key, figures in rolled.items() if counted[key]]
    return rows, accounts


def verified_by_source(db: Session, within: Account, start: dt.datetime,
                       end: dt.datetime) -> list[dict]:
    """Members of `within`'s subtree who verified between `start` and `end`, by the source
    that brought them there (`direct`: none within the window before verifying)."""
    source = func.coalesce(MemberSource.verified_source, sources.DIRECT)
    rows = db.execute(
        select(source, func.count()).select_from(MemberSource)
        .join(MemberIdentity, MemberIdentity.id == MemberSource.identity_id)
        .join(Member, Member.id == MemberIdentity.member_id)
        .join(Account, Account.id == Member.account_id)
        .where(MemberSource.verified_at >= start, MemberSource.verified_at < end,
               Account.path.startswith(within.path))
        .group_by(source))
    found = [{"source": name, "label": _label(db, name), "verified": count}
             for name, count in rows]
    return sorted(found, key=lambda row: (-row["verified"], row["source"]))


def _label(db: Session, source: str) -> str:
    code_id = sources.code_id_of(source)
    if code_id is None:
        return label_of(source)
    code = db.get(PromoCode, code_id)
    return f"地推：{code.name}" if code else source
