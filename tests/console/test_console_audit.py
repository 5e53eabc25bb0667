"""The console's audit page (操作记录): reviewers and admins read who did what on their account
and below, filtered as the API filters; authors see neither the tab nor the page. The last test
drives it in Chromium and keeps desktop and phone screenshots in /tmp."""

from __future__ import annotations

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
    assert "东莞市总工会 · 操作记录" in listed and "post.submit" in listed
    assert f"稿件 #{post_id}" in listed and "dg-editor" in listed
    narrowed = reviewer.get(f"/console/a/dongguan/audit?action=post.submit&subject_type=post"
                            f"&subject_id={post_id}&since=2000-01-01&until=not-a-date")
    text = narrowed.get_data(as_text=True)
    assert narrowed.status_code == 200 and "post.submit" in text and "post.create" not in text
    assert '<option value="post.submit" selected>' in text  # not a listed prefix, yet kept
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
    assert '<option value="led." selected>LED 屏（led.）</option>' in text
    assert "LED 屏 #" in text and "led.screen.create" in text
    assert '<option value="splash.">开屏（splash.）</option>' in text


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
