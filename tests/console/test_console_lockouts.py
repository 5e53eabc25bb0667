"""Failed logins slow down whoever fails, from where they fail, and never lock the name out for
its owner; an admin unlocks; lock-outs and unlocks are audited; logging out (and an unlock or a
new password) ends the session on the server, not only in the browser."""

from __future__ import annotations

from console_support import PASSWORD, csrf_of, login
from sqlalchemy import select

from hub.accounts.services import get_account
from hub.audit.models import AuditEvent
from hub.db import make_session_factory
from hub.users import services as users

GUESSER = {"REMOTE_ADDR": "203.0.113.7"}
OFFICE = {"REMOTE_ADDR": "10.20.0.5"}


def _client(app, address: dict):
    client = app.test_client()
    client.environ_base.update(address)
    return client


def _lock_out(app, username="dg-editor"):
    """Fail from the guesser's address until it must wait; the client it used."""
    guesser = _client(app, GUESSER)
    for _ in range(5):
        assert login(guesser, username, "wrong-password").status_code == 401
    assert login(guesser, username).status_code == 429
    return guesser


def _writer(app):
    return make_session_factory(app.extensions["hub.engine"])()


def _events(app, action: str) -> list[AuditEvent]:
    with _writer(app) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                    .order_by(AuditEvent.id)))


def test_a_guesser_elsewhere_does_not_lock_the_editor_out(app, demo):
    guesser = _lock_out(app)
    blocked = login(guesser, "dg-editor")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "登录尝试过多" in blocked.get_data(as_text=True)
    assert login(_client(app, OFFICE), "dg-editor").status_code == 302


def test_each_further_failure_waits_longer(app, demo):
    throttle = app.extensions["hub.console.throttle"]
    waits = [throttle.failed("someone", 0, "198.51.100.1") for _ in range(7)]
    assert waits[:4] == [0, 0, 0, 0]
    assert 0 < waits[4] < waits[5] < waits[6] <= 3600
    assert throttle.retry_after("someone", 0, "198.51.100.1") > 0
    assert throttle.retry_after("someone", 0, "198.51.100.2") == 0


def test_a_lock_out_is_audited(app, demo):
    _lock_out(app)
    events = _events(app, "user.login_throttled")
    assert len(events) == 1
    assert events[0].detail["username"] == "dg-editor"
    assert events[0].detail["address"] == GUESSER["REMOTE_ADDR"]
    assert events[0].detail["wait_seconds"] > 0
    assert PASSWORD not in repr(events[0].detail) and "wrong-password" not in repr(
        events[0].detail)


def _dongguan_admin(app) -> None:
    with _writer(app) as session:
        admin = users.create_user(session, "dg-admin", "admin-password-1", "东莞管理员")
        users.grant_role(session, admin, get_account(session, "dongguan"), "admin")
        session.commit()


def test_an_admin_of_the_users_account_unlocks_through_the_api(app, demo, client, token_for):
    guesser = _lock_out(app)
    _dongguan_admin(app)
    for stranger in ("mz-editor", "hm-editor", "dg-reviewer"):
        refused = client.post("/api/v1/users/dg-editor/unlock", headers=token_for(stranger))
        assert refused.status_code == 403, stranger
    unlocked = client.post("/api/v1/users/dg-editor/unlock", headers=token_for("dg-admin"))
    assert unlocked.status_code == 200
    assert unlocked.get_json() == {"username": "dg-editor", "unlocked": True}
    assert login(guesser, "dg-editor").status_code == 302
    events = _events(app, "user.unlock")
    assert [(e.actor_name, e.detail["username"]) for e in events] == [("dg-admin", "dg-editor")]
    with _writer(app) as session:
        assert events[0].account_id == get_account(session, "dongguan").id
    missing = client.post("/api/v1/users/nobody-here/unlock", headers=token_for("dg-admin"))
    assert missing.status_code == 404


def test_the_province_admin_unlocks_with_the_console_button(app, demo, console_as):
    guesser = _lock_out(app)
    admin = console_as("gd-admin")
    page = admin.get("/console/a/dongguan/users")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "dg-editor" in text and "解除登录限制" in text
    action = "/console/a/dongguan/users/dg-editor/unlock"
    assert f'action="{action}"' in text
    done = admin.post(action, data={"csrf_token": csrf_of(page)})
    assert done.status_code == 302
    assert "已解除" in admin.get("/console/a/dongguan/users").get_data(as_text=True)
    assert login(guesser, "dg-editor").status_code == 302
    assert len(_events(app, "user.unlock")) == 1


def test_editors_who_are_not_admins_see_no_users_page(console_as):
    assert console_as("dg-editor").get("/console/a/dongguan/users").status_code == 403
    reviewer = console_as("dg-reviewer")
    page = reviewer.get("/console/a/dongguan/")
    refused = reviewer.post("/console/a/dongguan/users/dg-editor/unlock",
                            data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 302  # refused, and told so on the page it goes back to
    assert _events(reviewer.application, "user.unlock") == []


def _copy_of(app, client):
    """Another browser holding a copy of `client`'s console cookie."""
    cookie = client.get_cookie("hub_console", path="/console")
    assert cookie is not None
    other = app.test_client()
    other.set_cookie("hub_console", cookie.value, path="/console")
    return other


def test_a_copied_cookie_stops_working_after_logout(app, console_as):
    editor = console_as("dg-editor")
    copy = _copy_of(app, editor)
    assert copy.get("/console/a/dongguan/").status_code == 200
    token = csrf_of(editor.get("/console/a/dongguan/"))
    assert editor.post("/console/logout", data={"csrf_token": token}).status_code == 302
    stale = copy.get("/console/a/dongguan/")
    assert stale.status_code == 302 and "/console/login" in stale.headers["Location"]
    # Logging in again gives a session that works.
    assert console_as("dg-editor").get("/console/a/dongguan/").status_code == 200


def test_an_unlock_or_a_new_password_ends_the_sessions(app, console_as, client, token_for):
    editor = console_as("dg-editor")
    assert client.post("/api/v1/users/dg-editor/unlock",
                       headers=token_for("gd-admin")).status_code == 200
    assert editor.get("/console/a/dongguan/").status_code == 302
    again = console_as("dg-editor")
    with _writer(app) as session:
        users.set_password(session, users.get_user(session, "dg-editor"), "a-new-password")
        session.commit()
    assert again.get("/console/a/dongguan/").status_code == 302
    assert login(app.test_client(), "dg-editor", "a-new-password").status_code == 302
