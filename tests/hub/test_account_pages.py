"""An account's own page beyond its columns, through the editor API: topics (专题) with the
account's posts and those pushed down to it, and links to local services (本地服务) inherited
down the tree, each change audited, each refusal in plain Chinese naming its field."""

from __future__ import annotations

from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.posts.models import Post

TOPICS = "/api/v1/accounts/{}/topics"
LINKS = "/api/v1/accounts/{}/service-links"


def _demo_post(db, account_code: str) -> int:
    from hub.accounts.services import get_account

    return db.scalar(select(Post.id).where(Post.account_id == get_account(db, account_code).id)
                     .order_by(Post.id))


def _actions(db, prefix: str) -> list[str]:
    """The audited actions by editors (the demo's own, by the hub, left out)."""
    db.rollback()  # end the read snapshot: see what the app committed
    return list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.action.startswith(prefix), AuditEvent.actor_id.is_not(None))
        .order_by(AuditEvent.id)))


def test_an_editor_builds_a_topic_of_own_and_pushed_down_posts(client, token_for, db,
                                                               publish):
    reviewer = token_for("dg-reviewer")
    pushed = publish("gd-admin", "guangdong", "全省职工疗休养活动启动", push_down=["dongguan"])
    own = _demo_post(db, "dongguan")
    made = client.post(TOPICS.format("dongguan"), headers=reviewer, json={
        "title": "职工疗休养", "summary": "今年的疗休养安排", "starts_at": "2026-01-01T00:00",
        "ends_at": "2099-01-01T00:00"})
    assert made.status_code == 201, made.get_json()
    topic = made.get_json()
    assert topic["showing"] is True and topic["starts_at"].endswith("+08:00")
    url = f"{TOPICS.format('dongguan')}/{topic['id']}"

    filled = client.put(f"{url}/posts", headers=reviewer, json={"posts": [pushed, own]})
    assert filled.status_code == 200, filled.get_json()
    assert [p["id"] for p in filled.get_json()["posts"]] == [pushed, own]
    assert filled.get_json()["posts"][0]["account"] == "guangdong"
    reordered = client.put(f"{url}/posts", headers=reviewer, json={"posts": [own, pushed]})
    assert [p["id"] for p in reordered.get_json()["posts"]] == [own, pushed]

    closed = client.patch(url, headers=reviewer, json={"closed": True})
    assert closed.get_json()["closed"] is True and closed.get_json()["showing"] is False
    listed = client.get(TOPICS.format("dongguan"), headers=token_for("dg-editor")).get_json()
    assert any(t["id"] == topic["id"] and t["post_count"] == 2 for t in listed["topics"])
    assert _actions(db, "account.topic.") == [
        "account.topic.create", "account.topic.posts", "account.topic.posts",
        "account.topic.close"]


def test_topics_refuse_posts_that_are_not_the_accounts_in_plain_chinese(client, token_for,
                                                                        db, publish):
    reviewer = token_for("dg-reviewer")
    not_pushed = publish("gd-admin", "guangdong", "只在省总发布的稿件")
    topic = client.post(TOPICS.format("dongguan"), headers=reviewer,
                        json={"title": "专题"}).get_json()
    url = f"{TOPICS.format('dongguan')}/{topic['id']}/posts"
    for post_id in (_demo_post(db, "meizhou"), not_pushed):
        refused = client.put(url, headers=reviewer, json={"posts": [post_id]})
        assert refused.status_code == 400
        assert "不属于本账号" in refused.get_json()["message"]
        assert "posts" in refused.get_json()["fields"]
    twice = client.put(url, headers=reviewer, json={"posts": [_demo_post(db, "dongguan")] * 2})
    assert twice.status_code == 400 and "两次" in twice.get_json()["message"]
    backwards = client.post(TOPICS.format("dongguan"), headers=reviewer, json={
        "title": "时间颠倒", "starts_at": "2026-12-10T00:00", "ends_at": "2026-12-01T00:00"})
    assert backwards.status_code == 400
    assert backwards.get_json()["fields"] == {"ends_at": "结束时间应晚于开始时间"}
    untitled = client.post(TOPICS.format("dongguan"), headers=reviewer, json={"title": ""})
    assert untitled.status_code == 400 and "title" in untitled.get_json()["fields"]
    detail = client.get(f"{TOPICS.format('dongguan')}/{topic['id']}", headers=reviewer)
    assert detail.get_json()["posts"] == []  # nothing half-written


def test_authors_read_topics_and_links_but_change_neither(client, token_for):
    author = token_for("dg-editor")
    assert client.get(TOPICS.format("dongguan"), headers=author).status_code == 200
    assert client.get(LINKS.format("dg-humen"), headers=author).status_code == 200
    assert client.post(TOPICS.format("dongguan"), headers=author,
                       json={"title": "作者建的专题"}).status_code == 403
    link = {"name": "法律援助", "icon": "legal", "kind": "web", "url": "https://a.example.com/"}
    assert client.post(LINKS.format("dongguan"), headers=author, json=link).status_code == 403
    # A reviewer edits topics but a link is the admin's to set.
    reviewer = token_for("dg-reviewer")
    assert client.post(LINKS.format("dongguan"), headers=reviewer, json=link).status_code == 403
    # Nobody reaches another city's.
    assert client.get(TOPICS.format("meizhou"), headers=author).status_code == 403
    assert client.post(TOPICS.format("meizhou"), headers=reviewer,
                       json={"title": "跨市"}).status_code == 403


def test_service_links_are_checked_in_plain_chinese(client, token_for):
    admin = token_for("gd-admin")
    cases = [
        ({"kind": "web", "url": "http://legal.example.com/"}, "url", "https://"),
        ({"kind": "web", "url": "javascript:alert(1)"}, "url", "https://"),
        ({"kind": "web", "url": "https://bad host/"}, "url", "格式不对"),
        ({"kind": "web"}, "url", "请填写"),
        ({"kind": "miniprogram", "mp_path": "https://x.example.com"}, "mp_path", "路径"),
        ({"kind": "miniprogram", "mp_path": "pages/a", "mp_appid": "123"}, "mp_appid", "AppID"),
    ]
    for fields, field, words in cases:
        body = {"name": "法律援助", "icon": "legal"} | fields
        refused = client.post(LINKS.format("dongguan"), headers=admin, json=body)
        assert refused.status_code == 400, (fields, refused.get_json())
        assert words in refused.get_json()["fields"][field], refused.get_json()
    odd_icon = client.post(LINKS.format("dongguan"), headers=admin, json={
        "name": "法律援助", "icon": "rocket", "kind": "web", "url": "https://a.example.com/"})
    assert odd_icon.status_code == 400 and "icon" in odd_icon.get_json()["fields"]
    long_name = client.post(LINKS.format("dongguan"), headers=admin, json={
        "name": "很" * 21, "icon": "legal", "kind": "web", "url": "https://a.example.com/"})
    assert long_name.status_code == 400 and "name" in long_name.get_json()["fields"]


def test_links_pass_down_the_tree_where_an_account_may_hide_them_or_add_its_own(
        client, token_for, db):
    admin = token_for("gd-admin")
    made = client.post(LINKS.format("guangdong"), headers=admin, json={
        "name": "全省法律援助", "icon": "legal", "kind": "web",
        "url": "https://legal.gd.example.com/"})
    assert made.status_code == 201, made.get_json()
    link_id = made.get_json()["id"]

    def shown(code):
        links = client.get(LINKS.format(code), headers=admin).get_json()["links"]
        return [(x["name"], x["owner"]) for x in links if not x["hidden"] and x["enabled"]]

    assert shown("dg-humen")[0] == ("全省法律援助", "guangdong")
    hidden = client.put(f"{LINKS.format('dongguan')}/{link_id}/hidden", headers=admin,
                        json={"hidden": True})
    assert hidden.status_code == 200, hidden.get_json()
    assert ("全省法律援助", "guangdong") not in shown("dongguan")
    assert ("全省法律援助", "guangdong") not in shown("dg-humen")  # beneath follows
    assert ("全省法律援助", "guangdong") in shown("meizhou")

    own = client.post(LINKS.format("dg-humen"), headers=admin, json={
        "name": "虎门职工书屋", "icon": "books", "kind": "miniprogram",
        "mp_path": "pages/service/books"})
    assert own.status_code == 201
    assert shown("dg-humen")[-1] == ("虎门职工书屋", "dg-humen")
    # An own link is switched off, not hidden; a parent's link is hidden, not deleted here.
    refused = client.put(f"{LINKS.format('dg-humen')}/{own.get_json()['id']}/hidden",
                         headers=admin, json={"hidden": True})
    assert refused.status_code == 400 and "继承" in refused.get_json()["message"]
    assert client.delete(f"{LINKS.format('dg-humen')}/{link_id}",
                         headers=admin).status_code == 404

    off = client.patch(f"{LINKS.format('guangdong')}/{link_id}", headers=admin,
                       json={"enabled": False})
    assert off.status_code == 200 and off.get_json()["enabled"] is False
    assert ("全省法律援助", "guangdong") not in shown("meizhou")
    assert _actions(db, "account.link.") == [
        "account.link.create", "account.link.hide", "account.link.create",
        "account.link.update"]
