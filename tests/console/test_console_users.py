"""People in the console: an admin invites an editor for 虎门 with author rights (the one-time
password works), grants and revokes roles, resets a password (old sessions and password stop
working), and cannot reset the password of someone whose grants reach outside their subtree."""

from __future__ import annotations

import re

from console_support import PASSWORD, csrf_of, login
from sqlalchemy import select

from hub.users.models import Grant, User


def _shown_password(page) -> str:
    found = re.search(r'<code class="secret">([^<]+)</code>', page.get_data(as_text=True))
    assert found, "no one-time password on the page"
    return found.group(1)


def test_an_admin_invites_an_editor_for_humen_who_can_then_write(app, db, console_as):
    admin = console_as("gd-admin")
    page = admin.get("/console/a/dongguan/users")
    assert page.status_code == 200 and "谁拥有什么权限" in page.get_data(as_text=True)
    made = admin.post("/console/a/dongguan/users/new", data={
        "csrf_token": csrf_of(page), "username": "hm-writer", "display_name": "虎门新编辑",
        "account": "dg-humen", "role": "author"})
    assert made.status_code == 200
    password = _shown_password(made)
    assert "只显示这一次" in made.get_data(as_text=True)
    again = admin.get("/console/a/dongguan/users").get_data(as_text=True)
    assert password not in again and "虎门新编辑（hm-writer）" in again

    newcomer = app.test_client()
    assert login(newcomer, "hm-writer", password).status_code == 302
    assert newcomer.get("/console/a/dg-humen/compose").status_code == 200
    assert newcomer.get("/console/a/dongguan/").status_code == 403  # only 虎门 and below

    taken = admin.post("/console/a/dongguan/users/new", data={
        "csrf_token": csrf_of(page), "username": "hm-writer", "display_name": "重名",
        "account": "dg-humen", "role": "author"})
    assert "已存在" in admin.get(taken.headers["Location"]).get_data(as_text=True)


def test_grant_revoke_and_reset_stay_inside_the_admins_subtree(app, db, console_as):
    admin = console_as("gd-admin")
    page = admin.get("/console/a/dongguan/users")
    admin.post("/console/a/dongguan/users/grant", data={
        "csrf_token": csrf_of(page), "username": "hm-editor", "account": "dg-humen",
        "role": "reviewer"})
    db.rollback()
    grant = db.scalar(select(Grant).join(User).where(User.username == "hm-editor",
                                                     Grant.role == "reviewer"))
    assert grant is not None and grant.account.code == "dg-humen"
    grant_id = grant.id
    admin.post(f"/console/a/dongguan/users/grants/{grant_id}/revoke",
               data={"csrf_token": csrf_of(page)})
    db.rollback()
    assert db.get(Grant, grant_id) is None

    hm = console_as("hm-editor")
    reset = admin.post("/console/a/dongguan/users/hm-editor/password",
                       data={"csrf_token": csrf_of(page)})
    fresh = _shown_password(reset)
    assert hm.get("/console/a/dg-humen/").status_code == 302  # the old session has ended
    assert login(app.test_client(), "hm-editor", PASSWORD).status_code == 401
    assert login(app.test_client(), "hm-editor", fresh).status_code == 302

    # A 东莞 admin made here cannot reset the province admin's password, nor revoke it.
    made = admin.post("/console/a/dongguan/users/new", data={
        "csrf_token": csrf_of(page), "username": "dg-boss", "display_name": "东莞管理员",
        "account": "dongguan", "role": "admin"})
    boss = app.test_client()
    assert login(boss, "dg-boss", _shown_password(made)).status_code == 302
    boss_page = boss.get("/console/a/dongguan/users")
    assert "重置 gd-admin 的密码" not in boss_page.get_data(as_text=True)
    refused = boss.post("/console/a/dongguan/users/gd-admin/password",
                        data={"csrf_token": csrf_of(boss_page)})
    assert refused.status_code == 302
    assert "只有管理" in boss.get(refused.headers["Location"]).get_data(as_text=True)
    province = db.scalar(select(Grant.id).join(User).where(User.username == "gd-admin"))
    assert boss.post(f"/console/a/dongguan/users/grants/{province}/revoke",
                     data={"csrf_token": csrf_of(boss_page)}).status_code == 302
    db.rollback()
    assert db.get(Grant, province) is not None
    assert console_as("dg-reviewer").get("/console/a/dongguan/users").status_code == 403


def _tab_links(html: str) -> list[str]:
    menu = re.search(r'<nav class="tabs"[^>]*>(.*?)</nav>', html, re.S)
    assert menu, "the page has no account menu"
    return [link for link in re.findall(r'href="([^"]+)"', menu.group(1))
            if link.startswith("/console/")]


def test_the_menu_offers_only_pages_the_editor_may_open(console_as, sites):
    for username, code in (("dg-editor", "dongguan"), ("hm-editor", "dg-humen"),
                           ("dg-reviewer", "dongguan"), ("gd-admin", "dongguan")):
        editor = console_as(username)
        links = _tab_links(editor.get(f"/console/a/{code}/").get_data(as_text=True))
        for link in links:
            assert editor.get(link).status_code == 200, (username, link)
        users_tab = f"/console/a/{code}/users"
        assert (users_tab in links) == (username == "gd-admin"), username
        assert (f"/console/a/{code}/audit" in links) == (username in ("dg-reviewer", "gd-admin"))


def test_a_refusal_names_the_role_needed_and_keeps_the_menu(console_as):
    refused = console_as("dg-editor").get("/console/a/dongguan/users")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "需要东莞市总工会的管理员权限（你在该账号是作者）" in html
    assert "(dongguan)" not in html
    assert "/console/a/dongguan/posts" in _tab_links(html)  # still on 东莞's pages
