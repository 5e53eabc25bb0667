"""我的账号 in the console: an editor sees their grants, sets or clears the address review
alerts go to (a wrong one is refused, naming it), and changes their own password, which
needs the current one and ends their other sessions but not this one."""

from __future__ import annotations

from console_support import PASSWORD, csrf_of, fresh, login

from hub.users import services as user_services


def _post(client, path: str, **form):
    page = client.get("/console/me")
    return client.post(path, data={"csrf_token": csrf_of(page), **form}, follow_redirects=True)


def test_an_editor_sees_their_grants_and_sets_their_alert_address(console_as, db):
    client = console_as("hm-editor")
    page = client.get("/console/me")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "我的账号" in text and "虎门镇总工会" in text and "hm-editor" in text

    refused = _post(client, "/console/me/email", email="不是邮箱")
    assert "不是有效的电子邮件地址" in refused.get_data(as_text=True)
    fresh(db)
    assert user_services.get_user(db, "hm-editor").email is None

    saved = _post(client, "/console/me/email", email=" shen@gonghui.example ")
    assert "已保存电子邮件地址" in saved.get_data(as_text=True)
    fresh(db)
    assert user_services.get_user(db, "hm-editor").email == "shen@gonghui.example"
    assert 'value="shen@gonghui.example"' in saved.get_data(as_text=True)

    cleared = _post(client, "/console/me/email", email="")
    assert "已清除电子邮件地址" in cleared.get_data(as_text=True)
    fresh(db)
    assert user_services.get_user(db, "hm-editor").email is None


def test_changing_ones_password_needs_the_current_one_and_ends_other_sessions(app, console_as):
    client = console_as("hm-editor")
    elsewhere = console_as("hm-editor")  # the same editor on another device

    wrong = _post(client, "/console/me/password", current="猜的", password="new-pass-2026",
                  again="new-pass-2026")
    assert "当前密码不对" in wrong.get_data(as_text=True)
    mismatch = _post(client, "/console/me/password", current=PASSWORD,
                     password="new-pass-2026", again="new-pass-2027")
    assert "两次输入的新密码不一致" in mismatch.get_data(as_text=True)
    short = _post(client, "/console/me/password", current=PASSWORD, password="short",
                  again="short")
    assert "密码至少 8 位" in short.get_data(as_text=True)

    done = _post(client, "/console/me/password", current=PASSWORD, password="new-pass-2026",
                 again="new-pass-2026")
    assert "密码已修改" in done.get_data(as_text=True)
    assert client.get("/console/me").status_code == 200  # this session goes on
    assert elsewhere.get("/console/me").status_code == 302  # the other one has ended
    assert login(app.test_client(), "hm-editor").status_code != 302  # the old password fails
    assert login(app.test_client(), "hm-editor", "new-pass-2026").status_code == 302
