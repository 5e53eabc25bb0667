"""A post's Markdown is rendered once, when it is saved: reads use what was stored, and a body
too costly to render is refused at the save with a 400 naming `body`."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command

from hub import migrate
from hub.accounts.models import Account
from hub.config import DEFAULT_CHANNELS
from hub.members import sessions
from hub.posts import rendering
from hub.posts.models import Post
from hub.publication import snapshot

STORED_HTML = "<p>保存时排好的正文</p>"
STORED_SUMMARY = "保存时算好的摘要"


def _create(client, headers, body: str):
    return client.post("/api/v1/posts", headers=headers,
                       json={"account": "dongguan", "title": "标题", "body": body})


def test_a_body_of_190000_open_brackets_is_refused_at_save_naming_body(client, token_for, db):
    headers = token_for("dg-editor")
    before = db.scalar(sa.select(sa.func.count()).select_from(Post))
    answer = _create(client, headers, "[" * 190_000)
    assert answer.status_code == 400
    assert list(answer.get_json()["fields"]) == ["body"]
    assert "请精简正文" in answer.get_json()["message"]
    assert db.scalar(sa.select(sa.func.count()).select_from(Post)) == before
    post = _create(client, headers, "正文").get_json()
    edit = client.patch(f"/api/v1/posts/{post['id']}", headers=headers,
                        json={"body": "- " * 25_000})
    assert edit.status_code == 400 and list(edit.get_json()["fields"]) == ["body"]
    again = client.get(f"/api/v1/posts/{post['id']}", headers=headers).get_json()
    assert again["body"] == "正文" and again["revision"] == 1


def test_a_body_over_the_render_budget_is_refused(client, token_for, monkeypatch):
    # The budget is the safety net behind the markup cap; no body renders in zero seconds.
    monkeypatch.setattr(rendering, "RENDER_BUDGET_SECONDS", 0.0)
    answer = _create(client, token_for("dg-editor"), "一段正常的正文")
    assert answer.status_code == 400 and list(answer.get_json()["fields"]) == ["body"]
    assert "秒" in answer.get_json()["message"]


def test_saving_renders_and_stores_html_and_summary(client, token_for, db):
    headers = token_for("dg-editor")
    post = _create(client, headers, "# 标题\n\n正文**加粗**<script>x</script>").get_json()
    assert post["body_html"] == "<h1>标题</h1>\n<p>正文<strong>加粗</strong></p>\n"
    assert post["summary"] == "标题 正文加粗"
    stored = db.get(Post, post["id"])
    assert (stored.body_html, stored.body_summary) == (post["body_html"], "标题 正文加粗")
    edited = client.patch(f"/api/v1/posts/{post['id']}", headers=headers, json={"body": "新的"})
    assert edited.get_json()["body_html"] == "<p>新的</p>\n"
    restored = client.post(f"/api/v1/posts/{post['id']}/revisions/1/restore", headers=headers)
    assert restored.get_json()["body_html"] == post["body_html"]


def test_no_read_renders_the_body_again(app, client, token_for, publish, db, config):
    post_id = publish("dg-editor", "dongguan", "已发布的稿件", reviewer="dg-reviewer")
    # Change what was stored behind the hub's back: every read must show the stored form.
    db.execute(sa.update(Post).where(Post.id == post_id).values(
        body_html=STORED_HTML, body_summary=STORED_SUMMARY))
    db.commit()
    headers = token_for("dg-editor")
    detail = client.get(f"/api/v1/posts/{post_id}", headers=headers).get_json()
    assert (detail["body_html"], detail["summary"]) == (STORED_HTML, STORED_SUMMARY)
    listed = client.get("/api/v1/posts?account=dongguan", headers=headers).get_json()["posts"]
    assert [(p["body_html"], p["summary"]) for p in listed if p["id"] == post_id] == [
        (STORED_HTML, STORED_SUMMARY)]
    member = {"Authorization": "Member " + sessions.issue(config.secret(), 1, "o-reader")}
    assert client.get(f"/mp/v1/posts/{post_id}", headers=member).get_json()["html"] == \
        STORED_HTML
    post = db.get(Post, post_id)
    account = db.scalar(sa.select(Account).where(Account.code == "dongguan"))
    shown = snapshot(db, post, "web", account, "https://hub.example.cn")  # sites, feeds,
    assert (shown.body_html, shown.summary) == (STORED_HTML, STORED_SUMMARY)  # previews


def test_the_migration_renders_the_posts_already_written(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    cfg = migrate.alembic_config(migrate.locations_of(DEFAULT_CHANNELS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008_campaigns")
        now = dt.datetime(2026, 3, 1)
        for number, body in ((1, "旧的**正文**"), (2, "")):
            conn.execute(sa.text(
                "INSERT INTO posts (id, account_id, kind, state, author_id, title, summary, "
                "body, overrides, revision, version, review_note, created_at, updated_at) "
                "VALUES (:id, 1, 'article', 'published', 1, '旧稿', '', :body, '{}', 1, 1, '', "
                ":now, :now)"), {"id": number, "body": body, "now": now})
        command.upgrade(cfg, "heads")
        rows = conn.execute(sa.text(
            "SELECT body_html, body_summary FROM posts ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("<p>旧的<strong>正文</strong></p>\n", "旧的正文"),
                                            ("", "")]
