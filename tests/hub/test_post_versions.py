"""Proposed changes to live posts on an account that requires review, review comments that
belong to the revision they were made on, and what waits for a reviewer: through the API."""

from __future__ import annotations

import pytest

from hub.accounts.services import get_account
from hub.outlets.services import bind_outlet


def _live_post(client, author, reviewer, **fields) -> int:
    payload = {"account": "dongguan", "title": "职工健步走活动", "body": "周六上午九点集合"}
    pid = client.post("/api/v1/posts", headers=author, json=payload | fields).get_json()["id"]
    client.post(f"/api/v1/posts/{pid}/submit", headers=author)
    client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer)
    published = client.post(f"/api/v1/posts/{pid}/publish", headers=reviewer)
    assert published.status_code == 200, published.get_json()
    return pid


def _ok(response) -> dict:
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def _versions(client, headers, pid: int) -> set[int]:
    listing = client.get(f"/api/v1/posts/{pid}/deliveries", headers=headers).get_json()
    return {d["version"] for d in listing["deliveries"]}


@pytest.fixture
def people(token_for):
    return tuple(token_for(u) for u in ("dg-editor", "dg-reviewer", "gd-admin"))


@pytest.fixture
def dongguan_outlet(db, config, receiver):
    """A loopback outlet on 东莞, so its posts have deliveries to look at."""
    bind_outlet(db, get_account(db, "dongguan"), channel="loopback", key="dg-loop",
                name="东莞 测试终端", config={"url": receiver.url}, hub_secret=config.secret())
    db.commit()


def test_an_authors_change_to_a_live_post_waits_and_goes_out_when_approved(client, people,
                                                                         dongguan_outlet):
    author, reviewer, _admin = people
    pid = _live_post(client, author, reviewer)
    proposed = _ok(client.patch(f"/api/v1/posts/{pid}", headers=author,
                                json={"title": "职工健步走活动（改期）"}))
    # The live words stay out, everywhere; the change waits beside them.
    assert proposed["state"] == "published" and proposed["version"] == 1
    assert proposed["title"] == "职工健步走活动" and proposed["revision"] == 1
    assert proposed["pending"]["content"]["title"] == "职工健步走活动（改期）"
    assert proposed["pending"]["revision"] == 2 and proposed["pending"]["state"] == "draft"
    assert _versions(client, reviewer, pid) == {1}
    # It can be worked on further, then sent for review; nobody approves a draft.
    again = _ok(client.patch(f"/api/v1/posts/{pid}", headers=author, json={"body": "改到周日"}))
    assert again["pending"]["revision"] == 3
    assert again["pending"]["content"]["title"] == "职工健步走活动（改期）"
    assert client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer).status_code == 409
    assert _ok(client.post(f"/api/v1/posts/{pid}/submit",
                           headers=author))["pending"]["state"] == "in_review"
    assert client.post(f"/api/v1/posts/{pid}/approve", headers=author).status_code == 403
    approved = _ok(client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer,
                               json={"note": "同意改期"}))
    assert approved["pending"] is None and approved["version"] == 2
    assert approved["title"] == "职工健步走活动（改期）" and approved["body"] == "改到周日"
    assert approved["revision"] == 3 and approved["review_note"] == "同意改期"
    assert _versions(client, reviewer, pid) == {1, 2}


def test_rejecting_keeps_the_live_version_and_returns_the_change_with_a_note(
        client, people, dongguan_outlet):
    author, reviewer, _admin = people
    pid = _live_post(client, author, reviewer)
    client.patch(f"/api/v1/posts/{pid}", headers=author, json={"title": "标题太长的修改稿"})
    client.post(f"/api/v1/posts/{pid}/submit", headers=author)
    rejected = _ok(client.post(f"/api/v1/posts/{pid}/reject", headers=reviewer,
                               json={"note": "标题请再短一些"}))
    assert rejected["state"] == "published" and rejected["title"] == "职工健步走活动"
    assert rejected["pending"]["state"] == "draft"
    assert rejected["review_note"] == "标题请再短一些"
    assert _versions(client, reviewer, pid) == {1}
    # The note belongs to revision 2: the next draft starts without it; the history keeps it.
    redrafted = _ok(client.patch(f"/api/v1/posts/{pid}", headers=author, json={"title": "短标题"}))
    assert redrafted["review_note"] == ""
    history = _ok(client.get(f"/api/v1/posts/{pid}/revisions", headers=author))["revisions"]
    notes = {r["number"]: [(c["kind"], c["body"]) for c in r["comments"]] for r in history}
    assert notes[2] == [("reject", "标题请再短一些")] and notes[3] == []
    # The author may also drop the change: the live post is as it was.
    dropped = _ok(client.delete(f"/api/v1/posts/{pid}/pending", headers=author))
    assert dropped["pending"] is None and dropped["title"] == "职工健步走活动"
    assert client.delete(f"/api/v1/posts/{pid}/pending", headers=author).status_code == 409


def test_nobody_approves_a_change_they_edited_and_restores_wait_too(client, people):
    author, reviewer, admin = people
    pid = _live_post(client, author, reviewer, title="原标题")
    client.patch(f"/api/v1/posts/{pid}", headers=author, json={"title": "作者的修改"})
    # The reviewer rewrites the author's change: now the reviewer's words are in it.
    client.patch(f"/api/v1/posts/{pid}", headers=reviewer, json={"body": "审核员改写的正文"})
    client.post(f"/api/v1/posts/{pid}/submit", headers=reviewer)
    alone = client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer)
    assert alone.status_code == 403 and "修改过" in alone.get_json()["message"]
    assert _ok(client.post(f"/api/v1/posts/{pid}/approve", headers=admin))["version"] == 2
    # Restoring an old revision of a live post is a change like any other.
    restored = _ok(client.post(f"/api/v1/posts/{pid}/revisions/1/restore", headers=reviewer))
    assert restored["title"] == "作者的修改" and restored["pending"]["content"]["title"] == \
        "原标题"
    client.post(f"/api/v1/posts/{pid}/submit", headers=reviewer)
    assert client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer).status_code == 403


def test_a_dropped_change_is_nobodys_unapproved_words(client, people):
    author, reviewer, _admin = people
    pid = _live_post(client, author, reviewer)
    client.patch(f"/api/v1/posts/{pid}", headers=reviewer, json={"title": "审核员的草稿"})
    _ok(client.delete(f"/api/v1/posts/{pid}/pending", headers=reviewer))
    proposed = _ok(client.patch(f"/api/v1/posts/{pid}", headers=author, json={"title": "作者的"}))
    assert proposed["pending"]["revision"] == 3  # after the dropped revision 2
    client.post(f"/api/v1/posts/{pid}/submit", headers=author)
    approved = _ok(client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer))
    assert approved["title"] == "作者的" and approved["version"] == 2
    history = _ok(client.get(f"/api/v1/posts/{pid}/revisions", headers=author))["revisions"]
    assert [r["discarded"] for r in history] == [False, True, False]


def test_a_change_cannot_move_a_live_post_to_other_outlets(client, people):
    author, reviewer, _admin = people
    pid = _live_post(client, author, reviewer)
    refused = client.patch(f"/api/v1/posts/{pid}", headers=author,
                           json={"title": "新标题", "channels": ["led"]})
    assert refused.status_code == 400 and refused.get_json()["fields"].keys() == {"channels"}
    assert _ok(client.get(f"/api/v1/posts/{pid}", headers=author))["pending"] is None


def test_withdrawing_a_post_with_a_waiting_change_keeps_the_change_as_its_words(client, people):
    author, reviewer, _admin = people
    pid = _live_post(client, author, reviewer)
    client.patch(f"/api/v1/posts/{pid}", headers=author, json={"title": "撤回前的修改"})
    withdrawn = _ok(client.post(f"/api/v1/posts/{pid}/withdraw", headers=reviewer))
    assert withdrawn["state"] == "withdrawn" and withdrawn["pending"] is None
    assert withdrawn["title"] == "撤回前的修改" and withdrawn["revision"] == 2


def test_review_comments_on_a_submitted_post(client, people, token_for):
    author, reviewer, _admin = people
    pid = _ok(client.post("/api/v1/posts", headers=author, json={
        "account": "dongguan", "title": "劳模座谈会", "body": "正文"}))["id"]
    url = f"/api/v1/posts/{pid}/comments"
    assert client.post(url, headers=reviewer, json={"body": "先别急"}).status_code == 409
    client.post(f"/api/v1/posts/{pid}/submit", headers=author)
    comment = _ok(client.post(url, headers=reviewer, json={"body": "第二段的时间请核实"}))
    assert comment["revision"] == 1 and comment["author"] == "dg-reviewer"
    _ok(client.post(url, headers=author, json={"body": "已核实，是周五"}))
    assert client.post(url, headers=author, json={"body": ""}).status_code == 400
    assert client.post(url, headers=author, json={"text": "x"}).status_code == 400
    client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer, json={"note": "可以发"})
    thread = _ok(client.get(url, headers=author))["comments"]
    assert [(c["kind"], c["body"]) for c in thread] == [
        ("comment", "第二段的时间请核实"), ("comment", "已核实，是周五"), ("approve", "可以发")]
    assert client.get(url).status_code == 401
    assert client.get(url, headers=token_for("mz-editor")).status_code == 403


def test_a_reviewer_sees_what_waits_for_them(client, people, token_for):
    author, reviewer, admin = people
    live = _live_post(client, author, reviewer)
    client.patch(f"/api/v1/posts/{live}", headers=author, json={"title": "待审的修改"})
    client.post(f"/api/v1/posts/{live}/submit", headers=author)
    fresh = _ok(client.post("/api/v1/posts", headers=author, json={
        "account": "dongguan", "title": "新稿", "body": "正文"}))["id"]
    client.post(f"/api/v1/posts/{fresh}/submit", headers=author)
    client.post("/api/v1/posts", headers=author, json={"account": "dongguan", "title": "草稿"})

    waiting = _ok(client.get("/api/v1/reviews/waiting?account=dongguan", headers=reviewer))
    assert (waiting["total"], waiting["posts"], waiting["changes"], waiting["for_you"]) == \
        (2, 1, 1, 2)
    assert {(i["post_id"], i["what"]) for i in waiting["items"]} == {(live, "change"),
                                                                     (fresh, "post")}
    mine = _ok(client.get("/api/v1/reviews/waiting?account=dongguan", headers=author))
    assert mine["total"] == 2 and mine["for_you"] == 0  # an author approves nothing
    assert _ok(client.get("/api/v1/reviews/waiting?account=guangdong",
                          headers=admin))["for_you"] == 2
    assert client.get("/api/v1/reviews/waiting?account=meizhou",
                      headers=reviewer).status_code == 403
    assert client.get("/api/v1/reviews/waiting?account=nowhere",
                      headers=reviewer).status_code == 404
    client.post(f"/api/v1/posts/{fresh}/approve", headers=reviewer)
    assert _ok(client.get("/api/v1/reviews/waiting?account=dongguan",
                          headers=reviewer))["total"] == 1
