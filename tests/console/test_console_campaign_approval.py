"""A 虎门 campaign in the console as union staff meet it: its phase in words from its window
and approval (not 进行中 before it starts), its account by name, the approve and reject
buttons only for those who may approve (the others told why), a confirmation naming the
money before approving, and a 东莞 reviewer kept on 东莞's pages while approving it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from console_support import csrf_of

from hub.db import utcnow
from tests.campaigns.campaign_helpers import approve_campaign, publish_post

BUDGET_FEN, PACKETS = 500_000, 1000  # ¥5,000 in 1,000 packets


@pytest.fixture
def humen_campaign(client, token_for):
    """humen_campaign(starts_in_days, approved) -> the id of 虎门's red-packet rain, made by
    hm-editor on a live promotion post, over a day from `starts_in_days` from now."""

    def make(starts_in_days: float = 0, approved: bool = False) -> int:
        post = client.post("/api/v1/posts", headers=token_for("hm-editor"), json={
            "account": "dg-humen", "title": "虎门元旦红包雨来了", "body": "点击参加",
            "kind": "promotion"})
        assert post.status_code == 201, post.get_json()
        publish_post(client, token_for, post.get_json()["id"], "hm-editor", "dg-reviewer")
        starts = utcnow() + dt.timedelta(days=starts_in_days, minutes=-5)
        made = client.post("/api/v1/campaigns", headers=token_for("hm-editor"), json={
            "kind": "red_packet", "title": "虎门元旦红包雨", "account": "dg-humen",
            "post_id": post.get_json()["id"], "budget_fen": BUDGET_FEN, "count": PACKETS,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(days=1)).isoformat()})
        assert made.status_code == 201, made.get_json()
        campaign_id = made.get_json()["id"]
        if approved:
            approved_now = approve_campaign(client, token_for, campaign_id, "dg-reviewer")
            assert approved_now["state"] == "open"
        return campaign_id

    return make


def _text(response) -> str:
    return re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))


def test_a_campaign_not_yet_started_says_so_and_names_its_account(
        console_as, humen_campaign):
    later = humen_campaign(starts_in_days=24, approved=True)
    now = humen_campaign(starts_in_days=0, approved=True)
    waiting = humen_campaign(starts_in_days=3)
    editor = console_as("hm-editor")
    assert "未开始" in _text(editor.get(f"/console/campaigns/{later}"))
    assert "进行中" not in _text(editor.get(f"/console/campaigns/{later}"))
    assert "进行中" in _text(editor.get(f"/console/campaigns/{now}"))
    assert "待审批" in _text(editor.get(f"/console/campaigns/{waiting}"))

    listing = editor.get("/console/a/dg-humen/campaigns").get_data(as_text=True)
    assert re.search(r'<span class="num">1</span>进行中', listing)  # only the one under way
    phases = [re.findall(r"<td>([^<]*)</td>", row)  # kind, account, phase, value
              for row in re.findall(r"<tr><td><a [^>]*>虎门元旦红包雨</a>(.*?)</tr>", listing,
                                    re.S)]
    assert sorted(cells[2] for cells in phases) == ["待审批", "未开始", "进行中"]
    assert {cells[1] for cells in phases} == {"虎门镇总工会"}  # the name, not dg-humen
    assert ">dg-humen<" not in listing


def _approve_buttons(html: str) -> list[str]:
    return re.findall(r'action="/console/campaigns/(\d+)/(?:approve|reject)"', html)


def test_only_those_who_may_approve_are_offered_the_buttons_the_others_are_told_why(
        console_as, humen_campaign):
    campaign_id = humen_campaign(starts_in_days=24)
    creator = console_as("hm-editor")
    queue = creator.get("/console/a/dg-humen/review").get_data(as_text=True)
    assert "虎门元旦红包雨" in queue and "我能否审批" in queue
    assert not _approve_buttons(queue)
    assert "只有账号「虎门镇总工会」或其上级的审核员、管理员可以审批活动" in queue
    page = creator.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    assert not _approve_buttons(page) and "你不能审批此活动" in page

    reviewer = console_as("dg-reviewer")
    queue = reviewer.get("/console/a/dongguan/review").get_data(as_text=True)
    assert str(campaign_id) in _approve_buttons(queue)
    assert str(campaign_id) in _approve_buttons(
        reviewer.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True))


def test_approving_asks_once_more_naming_the_money_and_the_packets(
        db, console_as, humen_campaign):
    from hub.campaigns.models import Campaign

    campaign_id = humen_campaign(starts_in_days=24)
    reviewer = console_as("dg-reviewer")
    queue_url = "/console/a/dongguan/review"
    queue = reviewer.get(queue_url)
    approve = f"/console/campaigns/{campaign_id}/approve"
    asked = reviewer.post(approve, data={"csrf_token": csrf_of(queue)},
                          headers={"Referer": f"http://localhost{queue_url}"})
    shown = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "确认审批通过「虎门元旦红包雨」？" in shown
    assert "5,000.00 元" in shown and "1,000 个红包" in shown
    assert '<button type="submit" class="primary">确认通过（5,000.00 元）</button>' in shown
    assert f'<a href="{queue_url}">取消，暂不审批</a>' in shown
    db.rollback()
    assert db.get(Campaign, campaign_id).approval == "pending"  # nothing approved yet

    stale = reviewer.post(approve, data={"csrf_token": csrf_of(queue), "back": queue_url,
                                         "confirmed_value_fen": "100000",
                                         "confirmed_units": str(PACKETS)})
    assert stale.status_code == 200 and "请重新核对" in stale.get_data(as_text=True)
    db.rollback()
    assert db.get(Campaign, campaign_id).approval == "pending"  # not the terms confirmed

    done = reviewer.post(approve, data={"csrf_token": csrf_of(queue), "back": queue_url,
                                        "confirmed_value_fen": str(BUDGET_FEN),
                                        "confirmed_units": str(PACKETS)})
    assert done.status_code == 302 and done.headers["Location"] == queue_url
    db.rollback()
    assert db.get(Campaign, campaign_id).approval == "approved"


def _current_account(html: str) -> str:
    return re.search(r'<option value="([^"]+)" selected>', html).group(1)


def test_a_city_reviewer_approving_a_town_campaign_stays_on_the_city(
        console_as, humen_campaign):
    campaign_id = humen_campaign(starts_in_days=24)
    rejected_id = humen_campaign(starts_in_days=24)
    reviewer = console_as("dg-reviewer")
    queue = reviewer.get("/console/a/dongguan/review")
    page = reviewer.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    assert _current_account(page) == "dongguan"  # still 东莞's menu, the campaign's owner named
    assert 'href="/console/a/dongguan/review"' in page and "虎门镇总工会" in page

    done = reviewer.post(f"/console/campaigns/{campaign_id}/approve",
                         data={"csrf_token": csrf_of(queue),
                               "confirmed_value_fen": str(BUDGET_FEN),
                               "confirmed_units": str(PACKETS)},
                         headers={"Referer": f"http://localhost/console/campaigns/{campaign_id}"})
    assert done.headers["Location"] == f"/console/campaigns/{campaign_id}"
    after = reviewer.get(done.headers["Location"]).get_data(as_text=True)
    assert "已审批通过活动「虎门元旦红包雨」" in after and _current_account(after) == "dongguan"
    assert "开始领取" in after and "已开放领取" not in after  # it has not started yet

    sent_back = reviewer.post(f"/console/campaigns/{rejected_id}/reject",
                              data={"csrf_token": csrf_of(queue), "note": "金额太大"},
                              headers={"Referer": "http://localhost/console/a/dongguan/review"})
    assert sent_back.headers["Location"] == "/console/a/dongguan/review"

    # Someone who works on 虎门 itself sees it on 虎门's menu.
    town = console_as("hm-editor")
    town.get("/console/a/dg-humen/")
    assert _current_account(town.get(f"/console/campaigns/{campaign_id}").get_data(
        as_text=True)) == "dg-humen"


def test_the_red_packet_form_explains_the_split_in_plain_words(console_as):
    form = _text(console_as("hm-editor").get("/console/a/dg-humen/campaigns/new?kind=red_packet"))
    assert "二倍均值法" not in form and "种子" not in form  # no jargon for union staff
    assert "随机金额：每个红包的金额随机，平均为「总额 ÷ 个数」" in form
    assert "事后可以核查" in form


def test_a_reviewer_is_not_offered_closing_or_exports_they_would_be_refused(
        console_as, humen_campaign):
    campaign_id = humen_campaign(starts_in_days=0, approved=True)
    runs = re.compile(rf'action="/console/campaigns/{campaign_id}/(?:close|export/[a-z]+\.xlsx)"')
    reviewer_page = console_as("dg-reviewer").get(f"/console/campaigns/{campaign_id}")
    assert not runs.search(reviewer_page.get_data(as_text=True))
    assert "由虎门镇总工会的作者或管理员操作" in _text(reviewer_page)
    editor_page = console_as("hm-editor").get(f"/console/campaigns/{campaign_id}")
    assert len(runs.findall(editor_page.get_data(as_text=True))) == 2  # close, claims export
