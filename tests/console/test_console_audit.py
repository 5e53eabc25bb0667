"""The console's audit page (操作记录): reviewers and admins read who did what on their account
and below, filtered as the API filters; authors see neither the tab nor the page. The last test
drives it in Chromium and keeps desktop and phone screenshots in /tmp."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from test_console_browser import (  # noqa: F401  (the browser fixtures)
    _log_in_with_the_keyboard,
    browser,
    page,
)


def _new_post(client, token_for, title: str, account: str = "dongguan") -> int:
    answer = client.post("/api/v1/posts", headers=token_for("dg-editor"),
                         json={"account": account, "title": title, "body": "正文"})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def test_reviewers_read_the_log_with_filters_and_authors_do_not(
        client, token_for, console_as):
    post_id = _new_post(client, token_for, "审计页面用稿件")
    client.post(f"/api/v1/posts/{post_id}/submit", headers=token_for("dg-editor"))
    reviewer = console_as("dg-reviewer")
    overview = reviewer.get("/console/a/dongguan/").get_data(as_text=True)
    assert 'href="/console/a/dongguan/audit"' in overview and "操作记录" in overview
    listed = reviewer.get("/console/a/dongguan/audit").get_data(as_text=True)
    assert "东莞市总工会 · 操作记录" in listed and "提交审核" in listed
    assert "稿件「审计页面用稿件」" in listed and "东莞编辑 <small>dg-editor</small>" in listed
    narrowed = reviewer.get(f"/console/a/dongguan/audit?action=post.submit&subject_type=post"
                            f"&subject_id={post_id}&since=2000-01-01&until=not-a-date")
    text = narrowed.get_data(as_text=True)
    assert narrowed.status_code == 200 and "post.submit" in text and "post.create" not in text
    # Not a listed prefix, yet kept, by its name.
    assert '<option value="post.submit" selected>提交审核</option>' in text
    assert 'name="until" type="date" value=""' in text  # a bad date is dropped, not a 500
    nothing = reviewer.get("/console/a/dongguan/audit?actor=nobody").get_data(as_text=True)
    assert "没有符合条件的操作记录" in nothing
    author = console_as("dg-editor")
    assert "操作记录" not in author.get("/console/a/dongguan/").get_data(as_text=True)
    assert author.get("/console/a/dongguan/audit").status_code == 403


@pytest.mark.default_channels
def test_outlets_name_their_own_actions_and_subjects(client, token_for, console_as):
    created = client.post("/api/v1/led/screens", headers=token_for("gd-admin"), json={
        "account": "dongguan", "code": "dg-audit-screen", "name": "审计测试屏", "place": "东莞",
        "width": 1280, "height": 512, "controller": "xixun"})
    assert created.status_code == 201, created.get_json()
    listed = console_as("gd-admin").get("/console/a/dongguan/audit?action=led.")
    text = listed.get_data(as_text=True)
    # The hub names no outlet: the LED adapter tells the log what its records are called.
    assert '<option value="led." selected>LED 屏</option>' in text
    assert "登记屏幕" in text and "LED 屏 #" in text and "led.screen.create" in text
    assert "<dt>尺寸</dt><dd>1280×512</dd>" in text
    assert '<option value="splash.">开屏</option>' in text


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr>\s*<td data-label=\"时间\">.*?</tr>", html, re.S)


def test_each_row_reads_as_a_sentence_with_its_details_in_chinese(
        client, token_for, console_as):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    post_id = client.post("/api/v1/posts", headers=author, json={
        "account": "dongguan", "title": "东莞职工健步走", "body": "正文",
        "kind": "promotion"}).get_json()["id"]
    for step, who in (("submit", author), ("approve", reviewer), ("publish", reviewer)):
        client.post(f"/api/v1/posts/{post_id}/{step}", headers=who)
    # A live post's change waits for review, then goes out: its states are the change's.
    client.patch(f"/api/v1/posts/{post_id}", headers=author,
                 json={"title": "东莞职工健步走（改期）"})
    client.post(f"/api/v1/posts/{post_id}/submit", headers=author)
    client.post(f"/api/v1/posts/{post_id}/approve", headers=reviewer)
    now = dt.datetime.now(dt.UTC)
    made = client.post("/api/v1/campaigns", headers=author, json={
        "account": "dongguan", "post_id": post_id, "kind": "red_packet", "title": "健步走红包",
        "budget_fen": 500_000, "count": 1000, "starts_at": now.isoformat(),
        "ends_at": (now + dt.timedelta(days=1)).isoformat()})
    assert made.status_code == 201, made.get_json()
    html = console_as("gd-admin").get("/console/a/dongguan/audit").get_data(as_text=True)
    rows = _rows(html)
    approved = next(r for r in rows if "批准修改并发出" in r)
    assert "东莞审核员 <small>dg-reviewer</small>" in approved
    assert "稿件「东莞职工健步走（改期）」" in approved and "稿件 #" not in approved
    assert "<dt>原状态</dt><dd>修改待审核</dd>" in approved
    assert "<dt>新状态</dt><dd>已生效并发出</dd>" in approved
    assert "<dt>版本</dt><dd>第 2 版</dd>" in approved
    edited = next(r for r in rows if "提出修改（待审核）" in r)
    assert "<dt>改动</dt><dd>标题</dd>" in edited
    published = next(r for r in rows if "<strong title=\"post.publish\">发布</strong>" in r)
    assert "<dt>原状态</dt><dd>已审核</dd><dt>新状态</dt><dd>已发布</dd>" in published
    made = next(r for r in rows if "新建活动</strong><span class=\"what\">「健步走红包」" in r)
    assert "<dt>类型</dt><dd>红包雨</dd>" in made and "<dt>金额</dt><dd>5,000 元</dd>" in made
    assert "<dt>稿件</dt><dd>「东莞职工健步走（改期）」</dd>" in made
    # No code reaches the reader outside the folded 代码 and the action's title.
    readable = re.sub(r'<details class="codes">.*?</details>|title="[^"]*"', "",
                      "".join(rows), flags=re.S)
    for code in ("post.", "in_review", "old_state", "value_fen", "red_packet", "[\"", "{\""):
        assert code not in readable, code
    assert '<details class="codes"><summary>代码</summary><code>post.change.approve' in html
    filters = html[html.index('id="f-action"'):html.index("</select>")]
    assert "（" not in filters and "post." not in re.sub(r'value="[^"]*"', "", filters)


def test_a_member_lookup_reads_what_was_searched_in_words(client, app, console_as):
    from hub.accounts.services import get_account
    from hub.audit.services import record
    from hub.users.services import get_user

    with app.extensions["hub.sessions"]() as db:
        record(db, actor=get_user(db, "gd-admin"), action="member.lookup",
               account_id=get_account(db, "dongguan").id, subject_type="member",
               subject_id=2478, searched={"name": "陈*明"}, member_ids=[2478])
        db.commit()
    shown = console_as("gd-admin").get("/console/a/dongguan/audit?action=member.")
    [row] = _rows(shown.get_data(as_text=True))
    assert "<strong title=\"member.lookup\">查询会员个人信息</strong>" in row
    assert "会员 #2478" in row  # the log names no member
    assert "<dt>查询条件</dt><dd>姓名 陈*明</dd><dt>查到的会员</dt><dd>#2478</dd>" in row


def test_the_audit_page_in_a_browser_on_a_desk_and_a_phone(page, live_hub, app):  # noqa: F811
    from playwright.sync_api import expect

    from hub.accounts.services import get_account
    from hub.audit.services import record
    from hub.users.services import get_user

    with app.extensions["hub.sessions"]() as db:  # a look at personal data, with a long detail
        record(db, actor=get_user(db, "gd-admin"), action="member.lookup",
               account_id=get_account(db, "dg-humen").id,
               subject_type="member", subject_id=42,
               searched={"id_number": "4419**********1234"}, member_ids=[42])
        db.commit()
    _log_in_with_the_keyboard(page, live_hub.url, "gd-admin")
    page.goto(f"{live_hub.url}/console/a/dongguan/")
    page.get_by_role("link", name="操作记录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("东莞市总工会 · 操作记录")
    page.get_by_label("操作类型").select_option(value="member.")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/audit?action=member.**")
    rows = page.locator("table.audit-log tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("会员个人信息")
    expect(rows.first).to_contain_text("4419**********1234")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_hub.url}/console/a/dongguan/audit")
    page.screenshot(path="/tmp/audit-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/audit-phone.png", full_page=True)
    # On a phone nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
