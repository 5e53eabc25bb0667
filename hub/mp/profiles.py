"""The JSON shapes the mini-program reads: a member's profile, an account, a post (built as
dicts below, described for OpenAPI by the models beside them)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.members import identity as ids
from hub.members import verification
from hub.members.feed import FeedItem
from hub.members.models import MemberIdentity, MemberState
from hub.mp import sharing


class AccountRef(BaseModel):
    code: str
    name: str


class AccountOut(BaseModel):
    code: str
    name: str
    level: str
    short_name: str | None
    logo_url: str | None
    theme_color: str
    intro: str
    parent: AccountRef | None
    followed: bool
    own: bool


class ProfileOut(BaseModel):
    verified: bool
    name_masked: str | None
    id_masked: str | None
    phone_masked: str | None
    union: AccountOut | None
    share_source: str = Field(description="分享时带上的 source 参数（不透明，标明分享者）")


class FeedItemOut(BaseModel):
    id: int
    title: str
    summary: str
    kind: str
    published_at: str | None
    account: AccountRef
    cover_url: str | None
    from_followed: bool
    from_above: bool
    campaign_id: int | None


def account_json(account: Account, *, followed: bool = False, own: bool = False) -> dict:
    parent = account.parent
    return {"code": account.code, "name": account.name, "level": account.level,
            "short_name": account.short_name, "logo_url": account.logo_url,
            "theme_color": account.theme_color, "intro": account.intro,
            "parent": {"code": parent.code, "name": parent.name} if parent else None,
            "followed": followed, "own": own}


def profile(db: Session, person: MemberIdentity, keys: ids.IdKeys) -> dict:
    """What the member sees of themselves: masked, never a whole ID number."""
    member = verification.member_of(db, person)
    verified = member is not None and member.state == MemberState.verified
    union = db.get(Account, member.account_id) if verified else None
    return {
        "verified": verified,
        "name_masked": ids.mask_name(member.name) if verified else None,
        "id_masked": keys.masked(member.id_encrypted) if verified else None,
        "phone_masked": ids.mask_mobile(person.phone),
        "union": account_json(union, followed=True, own=True) if union else None,
        "share_source": sharing.share_code(keys.secret, person.id),
    }


def feed_item_json(item: FeedItem, campaigns: dict[int, int]) -> dict:
    body = item.to_json()
    body["from_above"] = not item.from_followed
    body["campaign_id"] = campaigns.get(item.post_id)
    return body
