"""地推 codes: an editor names a ground-promotion event (name, place, date) for a campaign of
their account or one above it; the hub asks the outlet that has a mini-program for a code
that opens the campaign with the code as its source (scene `id=<campaign>&src=dt-<id>`), keeps
the image, and draws printable posters with it and the landing page's QR code."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.layout import poster
from hub import channels
from hub.accounts.models import Account
from hub.attribution import sources
from hub.attribution.models import PromoCode
from hub.audit.services import record
from hub.campaigns.links import MINIPROGRAM_PAGE
from hub.campaigns.models import Campaign
from hub.campaigns.services import get_campaign
from hub.errors import BadRequest, HubError, NotFound
from hub.users.permissions import require_role

log = logging.getLogger("hub.attribution")
MAKERS = ("author", "admin")
CAMPAIGN_PAGE = MINIPROGRAM_PAGE.split("?", 1)[0]  # wxacode pages carry no parameters
WEEKDAYS = "一二三四五六日"


def scene_of(code: PromoCode) -> str:
    """What the mini-program code carries (at most 32 characters, WeChat's limit)."""
    return f"id={code.campaign_id}&src={sources.code_source(code.id)}"


def landing_url(public_url: str, code: PromoCode) -> str:
    return f"{public_url}/c/{code.campaign_id}?src={sources.code_source(code.id)}"


def create(db: Session, user, account: Account, campaign_id: int, name: str, place: str,
           held_on: dt.date) -> PromoCode:
    """A new code of `account` for the campaign, with its mini-program code when an outlet
    gives one (without, the poster carries the landing page's QR code alone)."""
    require_role(db, user, account, *MAKERS)
    name, place = name.strip(), place.strip()
    if not name or not place:
        raise BadRequest("请填写地推活动名称和地点", field="name" if not name else "place")
    campaign = get_campaign(db, campaign_id)
    owner = db.get(Account, campaign.account_id)
    if not account.is_within(owner):
        raise BadRequest(f"活动「{campaign.title}」不属于「{account.name}」或其上级，"
                         "不能为它制作地推码", field="campaign_id")
    code = PromoCode(account_id=account.id, campaign_id=campaign.id, name=name, place=place,
                     held_on=held_on, created_by_id=user.id)
    db.add(code)
    db.flush()
    record(db, actor=user, action="promo_code.create", account_id=account.id,
           subject_type="promo_code", subject_id=code.id, campaign_id=campaign.id)
    db.commit()
    # Asked for after the commit: no transaction (nor SQLite's write lock) waits on WeChat.
    image = fetch_wxacode(code)
    if image is not None:
        code.wxacode_image = image
        db.commit()
    return code


def fetch_wxacode(code: PromoCode) -> bytes | None:
    """The mini-program code from the first outlet that makes them; None when none does or
    WeChat would not (said in the log; the poster then shows the landing QR alone)."""
    for channel in channels.all_channels():
        try:
            image = channel.miniprogram_code(scene_of(code), CAMPAIGN_PAGE)
        except HubError as exc:
            log.warning("no mini-program code for promo code %s: %s", code.id, exc.message)
            return None
        if image:
            return image
    return None


def codes_for(db: Session, campaign: Campaign, within: Account) -> list[PromoCode]:
    return list(db.scalars(select(PromoCode).join(Account, Account.id == PromoCode.account_id)
                           .where(PromoCode.campaign_id == campaign.id,
                                  Account.path.startswith(within.path))
                           .order_by(PromoCode.held_on.desc(), PromoCode.id.desc())))


def visible_code(db: Session, user, code_id: int) -> PromoCode:
    """A code its account's editors (or those above) may see, or a 404/403 saying so."""
    code = db.get(PromoCode, code_id)
    if code is None:
        raise NotFound(f"没有编号为 {code_id} 的地推码", field="code")
    require_role(db, user, db.get(Account, code.account_id), "author", "reviewer", "admin")
    return code


def date_text(day: dt.date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def poster_bytes(db: Session, code: PromoCode, public_url: str, size: str, fmt: str) -> bytes:
    if size not in poster.SIZES:
        raise BadRequest("海报尺寸只能是 a4 或 banner", field="size")
    if fmt not in poster.FORMATS:
        raise BadRequest("海报格式只能是 png 或 pdf", field="format")
    campaign = db.get(Campaign, code.campaign_id)
    account = db.get(Account, code.account_id)
    spec = poster.PosterSpec(
        campaign_title=campaign.title, event=code.name, place=code.place,
        date_text=date_text(code.held_on), account_name=account.name,
        theme=account.theme_color or "#C8102E", landing_url=landing_url(public_url, code),
        # A code made while WeChat was away (or by the demo) gets its image now, not kept:
        # a download writes nothing.
        wxacode_png=code.wxacode_image or fetch_wxacode(code))
    return poster.render(spec, size, fmt)


def code_json(db: Session, code: PromoCode, public_url: str) -> dict:
    account = db.get(Account, code.account_id)
    base = f"/api/v1/promo-codes/{code.id}"
    return {"id": code.id, "source": sources.code_source(code.id), "name": code.name,
            "place": code.place, "held_on": code.held_on.isoformat(),
            "campaign_id": code.campaign_id,
            "account": {"code": account.code, "name": account.name},
            "scene": scene_of(code), "page": CAMPAIGN_PAGE,
            "landing_url": landing_url(public_url, code),
            "has_wxacode": code.wxacode_image is not None,
            "wxacode_url": f"{base}/wxacode" if code.wxacode_image else None,
            "poster_urls": {f"{size}.{fmt}": f"{base}/poster.{fmt}?size={size}"
                            for size in poster.SIZES for fmt in poster.FORMATS}}
