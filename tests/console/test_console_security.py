"""The console's guards: login, session cookie flags, CSRF, login throttling, security
headers and who may see what."""

from __future__ import annotations

import os

import pytest
from console_support import csrf_of, login
from sqlalchemy import func, select

from hub.app import create_app
from hub.config import Config
from hub.posts.models import Post

# A Redis database of the login-limit test's own: it is emptied before and after.
LIMITS_REDIS = os.environ.get("HUB_TEST_LIMITS_REDIS_URL", "redis://127.0.0.1:6379/13")


def test_login_page_and_redirect_for_strangers(client, demo):
    response = client.get("/console/a/dongguan/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=/console/a/dongguan/")
    page = client.get("/console/login").get_data(as_text=True)
    assert '<label for="username">用户名</label>' in page
    assert '<label for="password">密码</label>' in page


def test_login_sets_a_guarded_session_cookie_and_goes_where_it_was_asked(client, demo):
    token = csrf_of(client.get("/console/login"))
    response = client.post("/console/login", data={
        "username": "dg-editor", "password": "gonghui-demo-2026", "csrf_token": token,
        "next": "/console/a/dg-humen/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/a/dg-humen/"
    cookie = next(c for c in response.headers.get_all("Set-Cookie")
                  if c.startswith("hub_console="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # the test hub is served over http
    assert client.get("/console/a/dg-humen/").status_code == 200


def test_cookie_is_secure_when_the_hub_is_served_over_https(config, engine):
    from hub.app import create_app

    config.public_url = "https://hub.example.cn"
    app = create_app(config)
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
    finally:
        app.extensions["hub.engine"].dispose()


def test_never_redirects_off_site_after_login(client, demo):
    token = csrf_of(client.get("/console/login"))
    response = client.post("/console/login", data={
        "username": "dg-editor", "password": "gonghui-demo-2026", "csrf_token": token,
        "next": "https://evil.example/console/"})
    assert response.headers["Location"] == "/console/"


def test_wrong_password_and_unknown_user_read_the_same(client, demo):
    wrong = login(client, "dg-editor", "not-the-password")
    unknown = login(client, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码不正确" in wrong.get_data(as_text=True)
    assert "用户名或密码不正确" in unknown.get_data(as_text=True)


def test_forms_without_the_csrf_token_are_refused(console_as, db):
    editor = console_as("dg-editor")
    refused = editor.post("/console/a/dongguan/compose",
                          data={"title": "没有令牌", "body": "x", "channels": []})
    assert refused.status_code == 400
    assert "安全校验未通过" in refused.get_data(as_text=True)
    forged = editor.post("/console/a/dongguan/compose",
                         data={"title": "伪造", "csrf_token": "guess"})
    assert forged.status_code == 400
    not_ascii = editor.post("/console/a/dongguan/compose",  # compare_digest's TypeError: a 500
                            data={"title": "伪造", "csrf_token": "令牌"})
    assert not_ascii.status_code == 400
    page = editor.get("/console/a/dongguan/compose")
    elsewhere = editor.post("/console/a/dongguan/compose", headers={
        "Origin": "https://evil.example"}, data={"title": "跨站", "csrf_token": csrf_of(page)})
    assert elsewhere.status_code == 400
    db.rollback()
    assert db.scalar(select(func.count(Post.id)).where(Post.title.in_(
        ["没有令牌", "伪造", "跨站"]))) == 0


def test_login_itself_needs_the_token(client, demo):
    client.get("/console/login")
    response = client.post("/console/login", data={"username": "dg-editor",
                                                   "password": "gonghui-demo-2026"})
    assert response.status_code == 400


def test_login_attempts_are_limited_per_username(client, demo):
    for _ in range(5):
        assert login(client, "dg-editor", "wrong-password").status_code == 401
    blocked = login(client, "dg-editor")  # even the right password, for now
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "登录尝试过多" in blocked.get_data(as_text=True)
    # Someone else from the same address is not locked out by it.
    assert login(client, "mz-editor").status_code == 302


def test_login_attempts_are_limited_per_address(client, demo):
    for number in range(20):
        assert login(client, f"guess-{number}", "wrong-password").status_code == 401
    assert login(client, "mz-editor").status_code == 429


@pytest.fixture
def limits_redis():
    import redis

    connection = redis.Redis.from_url(LIMITS_REDIS)
    try:
        connection.flushdb()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {LIMITS_REDIS}")
    yield LIMITS_REDIS
    connection.flushdb()
    connection.close()


def test_two_web_processes_share_the_login_limit_through_redis(config, demo, limits_redis,
                                                               monkeypatch):
    monkeypatch.setenv("HUB_REDIS_URL", limits_redis)
    config.redis_url = Config.from_env().redis_url
    first, second = create_app(config), create_app(config)
    try:
        one, other = first.test_client(), second.test_client()
        for _ in range(3):
            assert login(one, "dg-editor", "wrong-password").status_code == 401
        for _ in range(2):
            assert login(other, "dg-editor", "wrong-password").status_code == 401
        # Three failures here and two there: each process alone would still let it in.
        assert login(one, "dg-editor").status_code == 429
        assert login(other, "dg-editor").status_code == 429
    finally:
        for app in (first, second):
            app.extensions["hub.engine"].dispose()


def test_a_success_clears_the_username_count(client, demo):
    for _ in range(4):
        login(client, "dg-editor", "wrong-password")
    assert login(client, "dg-editor").status_code == 302
    client.post("/console/logout", data={"csrf_token": csrf_of(client.get("/console/a/dongguan/"))})
    for _ in range(4):
        assert login(client, "dg-editor", "wrong-password").status_code == 401
    assert login(client, "dg-editor").status_code == 302


def test_console_pages_carry_security_headers(console_as):
    response = console_as("dg-editor").get("/console/a/dongguan/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_logout_ends_the_session(console_as):
    editor = console_as("dg-editor")
    token = csrf_of(editor.get("/console/a/dongguan/"))
    assert editor.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert editor.get("/console/a/dongguan/").status_code == 302


def test_editors_see_only_their_accounts(console_as, token_for, client):
    post = client.post("/api/v1/posts", headers=token_for("dg-editor"), json={
        "account": "dongguan", "title": "东莞内部稿", "body": "x"}).get_json()
    meizhou = console_as("mz-editor")
    assert meizhou.get("/console/a/dongguan/").status_code == 403
    assert meizhou.get(f"/console/posts/{post['id']}").status_code == 403
    page = meizhou.get("/console/a/meizhou/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "梅州市总工会" in text and "梅江区总工会" in text and "东莞市总工会" not in text
    token = csrf_of(page)
    acted = meizhou.post(f"/console/posts/{post['id']}/act",
                         data={"action": "submit", "csrf_token": token})
    assert acted.status_code == 302  # refused, and told so on the page it goes back to
    assert client.get(f"/api/v1/posts/{post['id']}",
                      headers=token_for("dg-editor")).get_json()["state"] == "draft"
    humen = console_as("hm-editor")
    assert humen.get("/console/a/dongguan/").status_code == 403
    assert humen.get("/console/a/dg-humen/").status_code == 200


def test_logins_are_still_limited_when_the_limits_redis_is_down(config, demo, caplog):
    # A port nothing listens on: every call to the limits' Redis is refused at once.
    config.redis_url = "redis://127.0.0.1:9/0"
    app = create_app(config)
    try:
        assert login(app.test_client(), "mz-editor").status_code == 302  # not a 500
        client = app.test_client()
        for _ in range(5):
            assert login(client, "dg-editor", "wrong-password").status_code == 401
        assert login(client, "dg-editor").status_code == 429  # counted in memory meanwhile
        assert "counting in memory" in caplog.text
    finally:
        app.extensions["hub.engine"].dispose()
