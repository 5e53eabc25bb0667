"""Campaigns in the console: an author builds a red-packet rain on a promotion post with the
split previewed, a second person approves it from the review queue, members claim it through
/mp/v1, the campaign page shows the stock falling, the claims export as XLSX with ID numbers
masked, and the author closes it early."""

from __future__ import annotations

import io
import re
import secrets

import pytest
from console_support import csrf_of
from openpyxl import load_workbook
from sqlalchemy import select

from hub.accounts.services import get_account
from hub.campaigns.models import Campaign
from hub.db import make_session_factory, utcnow
from hub.members import identity, sessions
from hub.members.models import Member, MemberIdentity, MemberState
from tests.campaigns.campaign_helpers import publish_post, request_id
from tests.members.members_helpers import make_number


@pytest.fixture
def promotion_post(client, token_for) -> int:
    answer = client.post("/api/v1/posts", headers=token_for("dg-editor"), json={
        "account": "dongguan", "title": "冬日送温暖红包雨", "body": "点击参加",
        "kind": "promotion"})
    assert answer.status_code == 201, answer.get_json()
    post_id = answer.get_json()["id"]
    publish_post(client, token_for, post_id, "dg-editor", "dg-reviewer")
    return post_id


@pytest.fixture
def verified_members(app, config):
    """verified_members(n) -> [(ID number, session headers)] on 虎门's garment union's roll
    (the demo's accounts must be loaded)."""

    def make(count: int):
        keys = identity.IdKeys.from_config(config)
        made = []
        with make_session_factory(app.extensions["hub.engine"])() as db:
            union = get_account(db, "dg-humen-garment")
            now = utcnow()
            for serial in range(count):
                number, openid = make_number(700 + serial), f"o-{secrets.token_hex(6)}"
                member = Member(account_id=union.id, name=f"领取人{serial}",
                                id_hash=keys.digest(number), id_encrypted=keys.encrypt(number),
                                state=MemberState.verified, verified_at=now, imported_at=now,
                                updated_at=now, openid=openid, mobile="13800001234")
                db.add(member)
                db.flush()
                person = MemberIdentity(openid=openid, created_at=now, member_id=member.id)
                db.add(person)
                db.flush()
                token = sessions.issue(config.secret(), person.id, openid)
                made.append((number, {"Authorization": f"Member {token}"}))
            db.commit()
        return made

    return make


def _form(page) -> dict:
    return {"csrf_token": csrf_of(page), "kind": "red_packet", "title": "冬日红包雨",
            "starts_at": "2026-01-01T08:00", "ends_at": "2099-12-31T20:00",
            "per_member_limit": "1", "budget_yuan": "100.00", "count": "50"}


def test_an_author_builds_a_red_packet_rain_a_reviewer_approves_it_members_claim(
        app, db, console_as, promotion_post, verified_members, client):
    author = console_as("dg-editor")
    builder = author.get("/console/a/dongguan/campaigns/new?kind=red_packet")
    assert builder.status_code == 200 and "冬日送温暖红包雨" in builder.get_data(as_text=True)
    form = _form(builder) | {"post_id": str(promotion_post)}

    preview = author.post("/console/a/dongguan/campaigns/new", data=form | {"action": "preview"})
    shown = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="split-preview-t"' in shown
    low, high = (float(v) for v in re.findall(r'<span class="num">([\d.,]+)</span>最(?:小|大)',
                                               shown))
    assert 0.01 <= low <= 2.00 <= high <= 100.00  # the mean is 2.00 a packet

    missing = author.post("/console/a/dongguan/campaigns/new",
                          data=form | {"budget_yuan": "12.345", "action": "save"})
    assert missing.status_code == 400 and "最多两位小数" in missing.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(Campaign.id).where(Campaign.title == "冬日红包雨")) is None

    saved = author.post("/console/a/dongguan/campaigns/new", data=form | {"action": "save"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    campaign_id = int(saved.headers["Location"].rsplit("/", 1)[1])

    # An author cannot approve it (nor could they as its creator): a second person must.
    page = author.get(f"/console/campaigns/{campaign_id}")
    refused = author.post(f"/console/campaigns/{campaign_id}/approve",
                          data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 302
    assert "审核员、管理员可以审批活动" in author.get(refused.headers["Location"]).get_data(
        as_text=True)

    reviewer = console_as("dg-reviewer")
    queue = reviewer.get("/console/a/dongguan/review")
    listed = queue.get_data(as_text=True)
    assert "冬日红包雨" in listed and "100.00" in listed and ">50 个红包<" in listed
    asked = reviewer.post(f"/console/campaigns/{campaign_id}/approve",
                          data={"csrf_token": csrf_of(queue)})  # shows what is at stake
    assert asked.status_code == 200 and "确认通过（100.00 元）" in asked.get_data(as_text=True)
    approved = reviewer.post(f"/console/campaigns/{campaign_id}/approve",
                             data={"csrf_token": csrf_of(queue), "confirmed_value_fen": "10000",
                                   "confirmed_units": "50"})
    assert approved.status_code == 302
    db.rollback()
    assert db.get(Campaign, campaign_id).state == "open"

    people = verified_members(3)
    for _, headers in people:
        claimed = client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=headers,
                              json={"request_id": request_id()})
        assert claimed.status_code == 200, claimed.get_json()
    running = author.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    assert re.search(r'<span class="num">47</span>剩余（共 50）', running)

    running_page = author.get(f"/console/campaigns/{campaign_id}")
    export = author.post(f"/console/campaigns/{campaign_id}/export/claims.xlsx",
                         data={"csrf_token": csrf_of(running_page)})
    assert export.status_code == 200
    assert export.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    data = rows[2:]
    assert len(data) == 3 and {row[5] for row in data} == {"已领取"}
    assert sum(row[6] for row in data) > 0
    amounts = [row[6] for row in load_workbook(io.BytesIO(export.data)).active.iter_rows(
        min_row=3)]
    assert {cell.number_format for cell in amounts} == {"#,##0.00"}  # yuan, as money
    everything = " ".join(str(cell) for row in rows for cell in row)
    for number, _ in people:
        assert number not in everything
        assert f"{number[:4]}**********{number[-4:]}" in everything
    assert "138****1234" in everything

    page = author.get(f"/console/campaigns/{campaign_id}")
    closed = author.post(f"/console/campaigns/{campaign_id}/close",
                         data={"csrf_token": csrf_of(page)})
    assert closed.status_code == 302
    late = client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=people[0][1],
                       json={"request_id": request_id()})
    assert late.status_code >= 400
    db.rollback()
    assert db.get(Campaign, campaign_id).state == "closed"


def test_a_reviewer_rejects_with_a_reason_and_exports_need_an_author_or_admin(
        app, db, console_as, promotion_post):
    author = console_as("dg-editor")
    builder = author.get("/console/a/dongguan/campaigns/new?kind=voucher")
    assert "核销商户" in builder.get_data(as_text=True)
    form = _form(builder) | {"kind": "course", "post_id": str(promotion_post), "seats": "30",
                             "course_starts_at": "2099-12-31T09:00", "place": "虎门职工之家",
                             "remind_minutes": "60", "action": "save"}
    form.pop("budget_yuan"), form.pop("count")
    saved = author.post("/console/a/dongguan/campaigns/new", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    campaign_id = int(saved.headers["Location"].rsplit("/", 1)[1])

    reviewer = console_as("dg-reviewer")
    queue = reviewer.get("/console/a/dongguan/review")
    no_reason = reviewer.post(f"/console/campaigns/{campaign_id}/reject",
                              data={"csrf_token": csrf_of(queue), "note": " "})
    assert no_reason.status_code == 302
    db.rollback()
    assert db.get(Campaign, campaign_id).approval == "pending"
    reviewer.post(f"/console/campaigns/{campaign_id}/reject",
                  data={"csrf_token": csrf_of(queue), "note": "名额写错了"})
    db.rollback()
    assert db.get(Campaign, campaign_id).approval == "rejected"
    page = author.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    assert "退回理由：名额写错了" in page and "候补名单" in page
    refused = reviewer.post(f"/console/campaigns/{campaign_id}/export/claims.xlsx",
                            data={"csrf_token": csrf_of(queue)})
    assert refused.status_code == 302 and not refused.mimetype.endswith("sheet")


def test_an_admin_adds_a_merchant_and_its_key_is_shown_once(app, db, console_as):
    from hub.campaigns import redemption
    from hub.errors import HubError

    admin = console_as("gd-admin")
    page = admin.get("/console/a/dongguan/merchants")
    assert page.status_code == 200
    added = admin.post("/console/a/dongguan/merchants",
                       data={"csrf_token": csrf_of(page), "name": "东莞国贸影城二店"})
    first = re.search(r'<code class="secret">([^<]+)</code>', added.get_data(as_text=True))[1]
    db.rollback()
    merchant = redemption.merchant_for_key(db, first)
    assert merchant.name == "东莞国贸影城二店"
    assert first not in admin.get("/console/a/dongguan/merchants").get_data(as_text=True)
    renewed = admin.post(f"/console/a/dongguan/merchants/{merchant.id}/key",
                         data={"csrf_token": csrf_of(page)})
    second = re.search(r'<code class="secret">([^<]+)</code>', renewed.get_data(as_text=True))[1]
    db.rollback()
    assert redemption.merchant_for_key(db, second).id == merchant.id
    with pytest.raises(HubError):
        redemption.merchant_for_key(db, first)
    assert console_as("dg-editor").get("/console/a/dongguan/merchants").status_code == 403


def test_a_quiz_is_built_from_question_blocks_and_wrong_answers_are_named(
        app, db, console_as, promotion_post):
    author = console_as("dg-editor")
    builder = author.get("/console/a/dongguan/campaigns/new?kind=quiz")
    form = _form(builder) | {
        "kind": "quiz", "post_id": str(promotion_post), "title": "工会知识答题",
        "q1_text": "工会会员的会费标准是？", "q1_choices": "工资的 0.5%\n工资的 2%\n免费",
        "q1_answer": "1", "q2_text": "劳动法规定的每日工作时间不超过？",
        "q2_choices": "8 小时\n10 小时", "q2_answer": "3", "pass_mark": "2",
        "prizes": "20", "face_value_yuan": "50", "quiz_mode": "draw",
        "draw_at": "2099-12-31T21:00", "action": "save"}
    form.pop("budget_yuan"), form.pop("count")
    wrong = author.post("/console/a/dongguan/campaigns/new", data=form)
    assert wrong.status_code == 400
    assert "第 2 题：正确选项须为 1 至 2 之间的序号" in wrong.get_data(as_text=True)
    saved = author.post("/console/a/dongguan/campaigns/new", data=form | {"q2_answer": "1"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.rollback()
    quiz = db.scalar(select(Campaign).where(Campaign.title == "工会知识答题"))
    assert [(q["choices"], q["answer"]) for q in quiz.questions] == [
        (["工资的 0.5%", "工资的 2%", "免费"], 0), (["8 小时", "10 小时"], 0)]
    assert (quiz.pass_mark, quiz.units, quiz.face_value_fen, quiz.quiz_mode) == (
        2, 20, 5000, "draw")
