"""Demo 地推 codes for the 东莞 red-packet rain (虎门 and 长安, made by each town), and a few
landing-page views from each outlet and code, so the campaign's 会员来源 has something to
show. Loading twice changes nothing (codes found by name). Their mini-program codes are asked
for when a poster is drawn (the WeChat sandbox may not be up while the demo loads)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.attribution import sources
from hub.attribution.models import CampaignVisit, PromoCode
from hub.campaigns.demo import RAIN
from hub.campaigns.models import Campaign
from hub.channels import all_channels

CODES = (("dg-humen", "虎门周末地推", "虎门镇人民广场", 24),
         ("dg-changan", "长安镇工业园地推", "长安镇万达广场", 9))
OUTLET_VIEWS = (31, 18, 12, 5, 3)  # landing views from the outlets that show campaign links


def load(db: Session) -> None:
    campaign = db.scalar(select(Campaign).where(Campaign.title == RAIN))
    if campaign is None:
        return
    made = False
    for account_code, name, place, views in CODES:
        account = db.scalar(select(Account).where(Account.code == account_code))
        if account is None or db.scalar(select(PromoCode.id).where(
                PromoCode.campaign_id == campaign.id, PromoCode.name == name)):
            continue
        code = PromoCode(account_id=account.id, campaign_id=campaign.id, name=name,
                         place=place, held_on=dt.date(2026, 12, 12))
        db.add(code)
        db.flush()
        _views(db, campaign.id, sources.code_source(code.id), views)
        made = True
    if made:
        outlets = [channel.name for channel in all_channels() if channel.campaign_links]
        for outlet, views in zip(outlets, OUTLET_VIEWS, strict=False):
            _views(db, campaign.id, outlet, views)


def _views(db: Session, campaign_id: int, source: str, count: int) -> None:
    db.add_all(CampaignVisit(campaign_id=campaign_id, identity_id=None, source=source)
               for _ in range(count))
