"""Fixtures for the campaign tests: the app with the campaign blueprints, verified members with
sessions, promotion posts published through the editor API, and campaigns on them."""

from __future__ import annotations

import secrets

import pytest
from campaign_helpers import Person, approve_campaign, approver_for, publish_post, window
from sqlalchemy import select

from hub import campaigns
from hub.accounts.models import Account
from hub.db import make_session_factory, utcnow
from hub.members import sessions
from hub.members.models import Member, MemberIdentity, MemberState


@pytest.fixture(autouse=True)
def _campaign_blueprints(app):
    campaigns.register(app)  # a no-op once hub/app.py registers them itself


@pytest.fixture
def writer(app):
    """A writer session factory on the app's database, for arranging rows."""
    return make_session_factory(app.extensions["hub.engine"])


@pytest.fixture
def people(app, writer, demo, config):
    """people(n, union="dg-humen-garment", verified=True) -> [Person] with session headers."""

    def make(count: int, union: str = "dg-humen-garment", *, verified: bool = True,
             tied: bool = True) -> list[Person]:
        made = []
        with writer() as db:
            account_id = db.scalar(select(Account.id).where(Account.code == union))
            now = utcnow()
            for _ in range(count):
                tag = secrets.token_hex(8)
                member = None
                if tied:
                    member = Member(account_id=account_id, name="测试会员", id_hash=tag * 4,
                                    id_encrypted="-", state=MemberState.verified if verified
                                    else MemberState.imported,
                                    verified_at=now if verified else None, imported_at=now,
                                    updated_at=now, openid=f"o-{tag}")
                    db.add(member)
                    db.flush()
                identity = MemberIdentity(openid=f"o-{tag}", created_at=now,
                                          member_id=member.id if member else None)
                db.add(identity)
                db.flush()
                token = sessions.issue(config.secret(), identity.id, identity.openid)
                made.append(Person(identity.id, identity.openid, member.id if member else None,
                                   {"Authorization": f"Member {token}"}))
            db.commit()
        return made

    return make


@pytest.fixture
def promotion(client, token_for):
    """promotion(account="dongguan") -> id of a published promotion post."""

    def make(account: str = "dongguan", *, publish: bool = True) -> int:
        author, reviewer = {"dongguan": ("dg-editor", "dg-reviewer"),
                            "meizhou": ("mz-editor", None),
                            "dg-humen": ("hm-editor", None)}[account]
        headers = token_for(author)
        post = client.post("/api/v1/posts", headers=headers, json={
            "account": account, "title": "会员福利活动", "body": "点击参加", "kind": "promotion"})
        assert post.status_code == 201, post.get_json()
        post_id = post.get_json()["id"]
        if publish:
            publish_post(client, token_for, post_id, author, reviewer)
        return post_id

    return make


@pytest.fixture
def campaign(client, token_for, promotion):
    """campaign(kind, account="dongguan", **fields) -> the created campaign, approved by a
    second person (approver=None: the demo's usual one; approve=False: left pending), and so
    open if its post is live."""

    def make(kind: str, account: str = "dongguan", *, post_id: int | None = None,
             user: str | None = None, approver: str | None = None, approve: bool = True,
             **fields) -> dict:
        body = {"account": account, "post_id": post_id or promotion(account), "kind": kind,
                "title": fields.pop("title", "测试活动"), **window(), **fields}
        user = user or {"dongguan": "dg-editor", "meizhou": "mz-editor"}.get(account,
                                                                            "gd-admin")
        made = client.post("/api/v1/campaigns", headers=token_for(user), json=body)
        assert made.status_code == 201, made.get_json()
        if not approve:
            return made.get_json()
        return approve_campaign(client, token_for, made.get_json()["id"],
                                approver or approver_for(account, user))

    return make
