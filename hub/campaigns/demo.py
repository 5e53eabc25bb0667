"""Demo campaigns, each on a published promotion post and approved by a second demo user
(campaigns open only then): a 东莞 red-packet rain (10,000 yuan in 2,000 packets), a 梅州
training course with 30 seats and a waitlist, and 东莞 cinema tickets
from a partner merchant (its key is never printed here: `hub merchant key <id>` issues one).

The hub's demo calls `load(db, config)`; loading twice changes nothing (found by title).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.campaigns import approval, services
from hub.campaigns.models import Approval, Campaign, Merchant
from hub.campaigns.schemas import CampaignCreate
from hub.db import utcnow
from hub.posts import services as posts
from hub.posts.models import Post
from hub.users.models import User

RAIN = "东莞百万红包雨 · 第一场"
COURSE = "梅州职工电工技能公益培训班"
TICKETS = "东莞职工观影福利 · 国贸影城电影票"
MERCHANT = "东莞国贸影城"


def _user(db: Session, name: str) -> User | None:
    return db.scalar(select(User).where(User.username == name))


def _account(db: Session, code: str) -> Account | None:
    return db.scalar(select(Account).where(Account.code == code))


def _promotion(db: Session, account_code: str, author: str, reviewer: str | None,
               title: str, body: str) -> Post:
    found = db.scalar(select(Post).where(Post.title == title, Post.kind == "promotion"))
    if found is not None:
        return found
    writer = _user(db, author)
    post = posts.create_post(db, writer, _account(db, account_code),
                             {"title": title, "body": body, "kind": "promotion",
                              "column": "welfare"})
    from hub import publication

    # Every outlet that can show it as it is (the splash, say, wants a portrait picture the
    # demo has not got): the demo publishes what an editor could publish without a fix.
    post.channels = publication.channels_without_problems(db, post)
    posts.publish_as(db, post, writer, _user(db, reviewer) if reviewer else None)
    return post


def _merchant(db: Session) -> Merchant:
    found = db.scalar(select(Merchant).where(Merchant.name == MERCHANT))
    if found is None:
        found = Merchant(account_id=_account(db, "dongguan").id, name=MERCHANT,
                         created_at=utcnow())
        db.add(found)
        db.flush()
    return found


def _campaign(db: Session, author: str, approver: str, post: Post, **fields) -> None:
    """Create the campaign as `author` and approve it as `approver`, a second person, as
    every campaign must be before it opens."""
    campaign = db.scalar(select(Campaign).where(Campaign.title == fields["title"]))
    if campaign is None:
        campaign = services.create_campaign(db, _user(db, author),
                                            CampaignCreate(post_id=post.id, **fields))
    if campaign.approval == Approval.pending:
        approval.approve(db, _user(db, approver), campaign,
                         db.get(Account, campaign.account_id), "演示活动")


def load(db: Session, config=None) -> None:
    """Create the demo campaigns (needs the demo accounts and editors)."""
    if _user(db, "dg-editor") is None or _account(db, "meizhou") is None:
        return
    now = utcnow()
    rain = _promotion(db, "dongguan", "dg-editor", "dg-reviewer", RAIN,
                      "一万元红包，两千个名额，认证会员在小程序里点一下就能抢。")
    _campaign(db, "dg-editor", "dg-reviewer", rain, account="dongguan", kind="red_packet",
              title=RAIN, description="每位认证会员限领一个",
              starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(days=30),
              budget_fen=1_000_000, count=2_000)
    course = _promotion(db, "meizhou", "mz-editor", None, COURSE,
                        "公益培训 30 个名额，额满可候补，有人取消即自动递补。")
    _campaign(db, "mz-editor", "gd-admin", course, account="meizhou", kind="course",
              title=COURSE, starts_at=now - dt.timedelta(minutes=1),
              ends_at=now + dt.timedelta(days=13), seats=30,
              course_starts_at=now + dt.timedelta(days=14), remind_minutes=24 * 60,
              place="梅州市职工服务中心三楼培训室")
    merchant = _merchant(db)
    tickets = _promotion(db, "dongguan", "dg-editor", "dg-reviewer", TICKETS,
                         "认证会员免费领取电影票一张，凭券码到国贸影城前台核销。")
    _campaign(db, "dg-editor", "dg-reviewer", tickets, account="dongguan", kind="ticket",
              title=TICKETS, starts_at=now - dt.timedelta(minutes=1),
              ends_at=now + dt.timedelta(days=30), stock=200, face_value_fen=3_500,
              merchant_id=merchant.id, valid_until=now + dt.timedelta(days=60))
    db.flush()
