"""Posts through the API: the 东莞 review workflow end to end, revisions, scheduling, errors."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.db import utcnow
from hub.posts.services import run_due


def _create(client, headers, **fields):
    payload = {"account": "dongguan", "title": "职工健步走活动", "body": "本周六上午九点，"
               "**东莞市民广场**集合。"} | fields
    response = client.post("/api/v1/posts", json=payload, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_dongguan_post_goes_draft_review_approved_published(client, token_for):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    post = _create(client, author, column="news", kind="promotion")
    assert post["state"] == "draft" and post["kind"] == "promotion" and post["column"] == "news"
    assert "<strong>东莞市民广场</strong>" in post["body_html"]
    pid = post["id"]
    # dongguan requires review: the author may not publish a draft
    assert client.post(f"/api/v1/posts/{pid}/publish", headers=author).status_code == 403
    assert client.post(f"/api/v1/posts/{pid}/submit", headers=author).get_json()["state"] == \
        "in_review"
    assert client.post(f"/api/v1/posts/{pid}/approve", headers=author).status_code == 403
    approved = client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer, json={"note": "好"})
    assert approved.get_json()["state"] == "approved"
    published = client.post(f"/api/v1/posts/{pid}/publish", headers=reviewer)
    assert published.status_code == 200
    body = published.get_json()
    assert body["state"] == "published" and body["version"] == 1
    assert body["published_at"].endswith("+08:00")
    withdrawn = client.post(f"/api/v1/posts/{pid}/withdraw", headers=reviewer)
    assert withdrawn.get_json()["state"] == "withdrawn"
    actions = [e["action"] for e in client.get(
        "/api/v1/audit?account=dongguan", headers=reviewer).get_json()["events"]
        if e["subject_type"] == "post" and e["subject_id"] == pid]
    assert actions == ["post.withdraw", "post.publish", "post.approve", "post.submit",
                       "post.create"]


def test_same_editor_is_refused_in_meizhou(client, token_for):
    author = token_for("dg-editor")
    response = client.post("/api/v1/posts", headers=author, json={
        "account": "meizhou", "title": "不该写到梅州", "body": "x"})
    assert response.status_code == 403
    mz_post = _create(client, token_for("mz-editor"), account="meizhou")
    assert client.get(f"/api/v1/posts/{mz_post['id']}", headers=author).status_code == 403
    assert client.post(f"/api/v1/posts/{mz_post['id']}/submit", headers=author).status_code == 403


def test_an_author_never_approves_their_own_post_even_as_reviewer(client, token_for):
    reviewer = token_for("dg-reviewer")
    post = _create(client, reviewer)
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=reviewer)
    response = client.post(f"/api/v1/posts/{post['id']}/approve", headers=reviewer)
    assert response.status_code == 403
    assert "自己" in response.get_json()["message"]


def test_without_review_an_author_publishes_directly(client, token_for):
    post = _create(client, token_for("mz-editor"), account="meizhou")
    response = client.post(f"/api/v1/posts/{post['id']}/publish", headers=token_for("mz-editor"))
    assert response.status_code == 200 and response.get_json()["state"] == "published"


def test_reject_returns_to_draft_with_the_note(client, token_for):
    post = _create(client, token_for("dg-editor"))
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=token_for("dg-editor"))
    rejected = client.post(f"/api/v1/posts/{post['id']}/reject", headers=token_for("dg-reviewer"),
                           json={"note": "标题请再短一些"})
    assert rejected.get_json()["state"] == "draft"
    assert rejected.get_json()["review_note"] == "标题请再短一些"


def test_wrong_state_is_409(client, token_for):
    post = _create(client, token_for("dg-editor"))
    response = client.post(f"/api/v1/posts/{post['id']}/approve", headers=token_for("dg-reviewer"))
    assert response.status_code == 409
    assert response.get_json()["error"] == "conflict"


def test_every_save_is_a_revision_and_an_old_one_can_be_restored(client, token_for):
    headers = token_for("dg-editor")
    post = _create(client, headers, title="第一版标题")
    client.patch(f"/api/v1/posts/{post['id']}", headers=headers, json={"title": "第二版标题"})
    edited = client.patch(f"/api/v1/posts/{post['id']}", headers=headers,
                          json={"body": "改过的正文", "overrides": {"led": {"title": "短标题"}}})
    assert edited.get_json()["revision"] == 3
    assert edited.get_json()["overrides"] == {"led": {"title": "短标题"}}
    revisions = client.get(f"/api/v1/posts/{post['id']}/revisions", headers=headers).get_json()
    assert [r["content"]["title"] for r in revisions["revisions"]] == \
        ["第一版标题", "第二版标题", "第二版标题"]
    restored = client.post(f"/api/v1/posts/{post['id']}/revisions/1/restore", headers=headers)
    assert restored.status_code == 200
    data = restored.get_json()
    assert data["title"] == "第一版标题" and data["revision"] == 4 and data["overrides"] == {}
    assert client.post(f"/api/v1/posts/{post['id']}/revisions/99/restore",
                       headers=headers).status_code == 404


def test_editing_after_review_sends_the_post_back_to_draft(client, token_for):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    post = _create(client, author)
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=author)
    client.post(f"/api/v1/posts/{post['id']}/approve", headers=reviewer)
    edited = client.patch(f"/api/v1/posts/{post['id']}", headers=author, json={"title": "偷偷改"})
    assert edited.get_json()["state"] == "draft"


def test_editing_a_live_post_makes_a_new_version(client, token_for):
    mz = token_for("mz-editor")
    post = _create(client, mz, account="meizhou")
    client.post(f"/api/v1/posts/{post['id']}/publish", headers=mz)
    edited = client.patch(f"/api/v1/posts/{post['id']}", headers=mz, json={"title": "更正后的标题"})
    assert edited.get_json()["state"] == "published"
    assert edited.get_json()["version"] == 2


def test_scheduled_publication_goes_out_when_due(client, token_for, db):
    mz = token_for("mz-editor")
    post = _create(client, mz, account="meizhou")
    at = (utcnow() + dt.timedelta(hours=2)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    naive_local = at.replace(tzinfo=None, microsecond=0).isoformat()
    scheduled = client.post(f"/api/v1/posts/{post['id']}/publish", headers=mz,
                            json={"at": naive_local}).get_json()
    assert scheduled["state"] == "scheduled"
    # A time without offset is Beijing time, and is shown back as such.
    assert scheduled["publish_at"] == naive_local + "+08:00"
    db.rollback()
    assert run_due(db, now=utcnow() + dt.timedelta(hours=1)) == []
    assert run_due(db, now=utcnow() + dt.timedelta(hours=3)) == [(post["id"], "go_live")]
    db.commit()
    assert client.get(f"/api/v1/posts/{post['id']}", headers=mz).get_json()["state"] == \
        "published"


def _in_two_hours() -> str:
    at = (utcnow() + dt.timedelta(hours=2)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    return at.replace(tzinfo=None, microsecond=0).isoformat()


def test_a_schedule_is_cancelled_without_withdrawing_and_the_post_is_approved_again(
        client, token_for, db):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    pid = _create(client, author)["id"]
    client.post(f"/api/v1/posts/{pid}/submit", headers=author)
    client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer)
    client.post(f"/api/v1/posts/{pid}/publish", headers=reviewer, json={"at": _in_two_hours()})
    # As for publishing: on a review account the author may not take it off either.
    refused = client.post(f"/api/v1/posts/{pid}/unschedule", headers=author)
    assert refused.status_code == 403
    cancelled = client.post(f"/api/v1/posts/{pid}/unschedule", headers=reviewer)
    assert cancelled.status_code == 200, cancelled.get_json()
    body = cancelled.get_json()
    assert body["state"] == "approved" and body["publish_at"] is None
    assert body["version"] == 0 and body["withdrawn_at"] is None  # nothing went out or came down
    assert client.get(f"/api/v1/posts/{pid}/deliveries",
                      headers=reviewer).get_json()["deliveries"] == []
    db.rollback()
    assert run_due(db, now=utcnow() + dt.timedelta(hours=3)) == []  # it no longer goes out
    db.commit()
    again = client.post(f"/api/v1/posts/{pid}/unschedule", headers=reviewer)
    assert again.status_code == 409 and "不能取消定时" in again.get_json()["message"]
    events = client.get("/api/v1/audit?account=dongguan", headers=reviewer).get_json()["events"]
    assert [e["action"] for e in events if e["subject_id"] == pid][0] == "post.unschedule"
    # Approved still: the reviewer can schedule it again without another review.
    rescheduled = client.post(f"/api/v1/posts/{pid}/publish", headers=reviewer,
                              json={"at": _in_two_hours()})
    assert rescheduled.get_json()["state"] == "scheduled"


def test_without_review_a_cancelled_schedule_goes_back_to_draft(client, token_for):
    mz = token_for("mz-editor")
    pid = _create(client, mz, account="meizhou")["id"]
    client.post(f"/api/v1/posts/{pid}/publish", headers=mz, json={"at": _in_two_hours()})
    cancelled = client.post(f"/api/v1/posts/{pid}/unschedule", headers=mz).get_json()
    assert cancelled["state"] == "draft" and cancelled["publish_at"] is None


def test_published_post_expires_at_the_end_of_its_validity(client, token_for, db):
    mz = token_for("mz-editor")
    until = (utcnow() + dt.timedelta(days=1)).isoformat()
    post = _create(client, mz, account="meizhou", valid_until=until)
    client.post(f"/api/v1/posts/{post['id']}/publish", headers=mz)
    db.rollback()
    assert run_due(db, now=utcnow() + dt.timedelta(days=2)) == [(post["id"], "expire")]
    db.commit()
    assert client.get(f"/api/v1/posts/{post['id']}", headers=mz).get_json()["state"] == "expired"


@pytest.mark.parametrize("payload,field", [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"kind": "poster"}, "kind"),
    ({"column": "no-such-column"}, "column"),
    ({"channels": ["fax"]}, "channels"),
    ({"push_down": ["meizhou"]}, "push_down"),
    ({"link_url": "javascript:alert(1)"}, "link_url"),
    ({"valid_from": "2026-12-02T10:00", "valid_until": "2026-12-01T10:00"}, "valid_until"),
    ({"valid_from": "next tuesday"}, "valid_from"),
    ({"cover_media_id": 424242}, "cover_media_id"),
    ({"overrides": {"led": {"colour": "red"}}}, "overrides.led.colour"),
    ({"tilte": "typo"}, "tilte"),
])
def test_bad_post_input_is_400_naming_the_field_and_writes_nothing(client, token_for, payload,
                                                                   field, db):
    from hub.posts.models import Post

    before = db.query(Post).count()
    response = client.post("/api/v1/posts", headers=token_for("dg-editor"),
                           json={"account": "dongguan", "title": "标题", "body": "正文"} | payload)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["fields"], response.get_json()
    db.rollback()
    assert db.query(Post).count() == before


def test_unknown_account_and_post_are_404(client, token_for):
    headers = token_for("dg-editor")
    response = client.post("/api/v1/posts", headers=headers,
                           json={"account": "atlantis", "title": "x"})
    assert response.status_code == 404
    assert client.get("/api/v1/posts/987654", headers=headers).status_code == 404


def test_push_down_to_all_descendants_or_chosen_ones(client, token_for):
    headers = token_for("gd-admin")
    everywhere = _create(client, headers, push_down="all")
    assert everywhere["push_down"] == ["*"]
    chosen = _create(client, headers, push_down=["dg-humen", "dg-changan"])
    assert chosen["push_down"] == ["dg-changan", "dg-humen"]


def test_listing_is_newest_first_with_a_cursor(client, token_for):
    headers = token_for("mz-editor")
    ids = [_create(client, headers, account="meizhou", title=f"稿件{i}")["id"] for i in range(5)]
    page = client.get("/api/v1/posts?account=meizhou&limit=3", headers=headers).get_json()
    assert [p["id"] for p in page["posts"]] == ids[::-1][:3]
    rest = client.get(f"/api/v1/posts?account=meizhou&limit=3&before={page['next_before']}",
                      headers=headers).get_json()
    assert [p["id"] for p in rest["posts"]][:2] == ids[::-1][3:]
    bad = client.get("/api/v1/posts?account=meizhou&limit=0", headers=headers)
    assert bad.status_code == 400 and "limit" in bad.get_json()["fields"]


def _state_of(response):
    assert response.status_code == 200, response.get_json()
    return response.get_json()["state"]


def test_a_reviewer_who_rewrote_a_post_neither_approves_nor_publishes_it(client, token_for):
    author, reviewer, admin = (token_for(u) for u in ("dg-editor", "dg-reviewer", "gd-admin"))
    pid = _create(client, author)["id"]
    client.post(f"/api/v1/posts/{pid}/submit", headers=author)
    rewritten = client.patch(f"/api/v1/posts/{pid}", headers=reviewer,
                             json={"title": "审核员改写的标题", "body": "审核员改写的正文"})
    assert _state_of(rewritten) == "draft"
    assert _state_of(client.post(f"/api/v1/posts/{pid}/submit", headers=reviewer)) == \
        "in_review"
    alone = client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer)
    assert alone.status_code == 403 and "修改过" in alone.get_json()["message"]
    assert client.post(f"/api/v1/posts/{pid}/publish", headers=reviewer).status_code in (403,
                                                                                        409)
    assert _state_of(client.post(f"/api/v1/posts/{pid}/approve", headers=admin)) == "approved"
    assert _state_of(client.post(f"/api/v1/posts/{pid}/publish", headers=reviewer)) == \
        "published"


def test_restoring_a_revision_brings_back_its_writers_words(client, token_for):
    author, reviewer, admin = (token_for(u) for u in ("dg-editor", "dg-reviewer", "gd-admin"))
    pid = _create(client, author, title="作者的标题")["id"]
    client.patch(f"/api/v1/posts/{pid}", headers=reviewer, json={"title": "审核员的标题"})
    client.patch(f"/api/v1/posts/{pid}", headers=author, json={"title": "作者又改回的标题"})
    client.post(f"/api/v1/posts/{pid}/submit", headers=author)
    assert _state_of(client.post(f"/api/v1/posts/{pid}/approve", headers=admin)) == "approved"
    # The author brings back the reviewer's unapproved revision 2: still the reviewer's words.
    restored = client.post(f"/api/v1/posts/{pid}/revisions/2/restore", headers=author)
    assert restored.get_json()["title"] == "审核员的标题"
    client.post(f"/api/v1/posts/{pid}/submit", headers=author)
    refused = client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer)
    assert refused.status_code == 403, refused.get_json()
    # A reviewer who restores a revision is its editor too.
    client.post(f"/api/v1/posts/{pid}/reject", headers=admin, json={"note": "再看看"})
    client.post(f"/api/v1/posts/{pid}/revisions/3/restore", headers=admin)
    client.post(f"/api/v1/posts/{pid}/submit", headers=admin)
    assert client.post(f"/api/v1/posts/{pid}/approve", headers=admin).status_code == 403


def test_live_words_on_a_review_account_change_only_through_review(client, token_for):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    pid = _create(client, author)["id"]
    client.post(f"/api/v1/posts/{pid}/submit", headers=author)
    client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer)
    assert _state_of(client.post(f"/api/v1/posts/{pid}/publish", headers=reviewer)) == \
        "published"
    # An edit, even a reviewer's, waits as a pending change: the live words stay out.
    edited = client.patch(f"/api/v1/posts/{pid}", headers=reviewer, json={"title": "悄悄改"})
    assert edited.status_code == 200 and edited.get_json()["pending"]["state"] == "draft"
    restored = client.post(f"/api/v1/posts/{pid}/revisions/1/restore", headers=reviewer)
    assert restored.status_code == 200 and restored.get_json()["pending"]["revision"] == 3
    live = client.get(f"/api/v1/posts/{pid}", headers=author).get_json()
    assert live["revision"] == 1 and live["version"] == 1 and live["title"] == "职工健步走活动"
    client.post(f"/api/v1/posts/{pid}/submit", headers=reviewer)
    assert client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer).status_code == 403


def test_withdrawing_is_one_action_for_reviewers_and_authors_only_without_review(
        client, token_for):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    written_by_reviewer = _create(client, reviewer)["id"]
    client.post(f"/api/v1/posts/{written_by_reviewer}/submit", headers=reviewer)
    client.post(f"/api/v1/posts/{written_by_reviewer}/approve", headers=token_for("gd-admin"))
    client.post(f"/api/v1/posts/{written_by_reviewer}/publish", headers=reviewer)
    by_author = client.post(f"/api/v1/posts/{written_by_reviewer}/withdraw", headers=author)
    assert by_author.status_code == 403 and "撤回" in by_author.get_json()["message"]
    # The reviewer wrote it, and takes it down alone: no second person to withdraw.
    assert _state_of(client.post(f"/api/v1/posts/{written_by_reviewer}/withdraw",
                                 headers=reviewer)) == "withdrawn"
    mz = token_for("mz-editor")
    meizhou = _create(client, mz, account="meizhou")["id"]
    client.post(f"/api/v1/posts/{meizhou}/publish", headers=mz)
    assert _state_of(client.post(f"/api/v1/posts/{meizhou}/withdraw", headers=mz)) == \
        "withdrawn"


def _audited_fields(client, headers, post_id: int, action: str) -> list[list[str]]:
    events = client.get(f"/api/v1/audit?account=dongguan&action={action}&subject_type=post"
                        f"&subject_id={post_id}", headers=headers).get_json()["events"]
    return [e["detail"]["fields"] for e in events]


def test_an_edit_is_audited_with_only_the_fields_whose_values_changed(client, token_for):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    # The console's form sends every field on each save, changed or not.
    form = {"summary": "周末集合", "column": "news", "link_url": "https://example.cn/walk",
            "valid_from": "2030-05-01T09:00", "valid_until": "2030-05-07T22:00",
            "overrides": {"web": {"title": "健步走"}}}
    pid = _create(client, author, **form)["id"]
    whole = form | {"title": "职工健步走活动（改期）", "body": "改为周日上午九点集合。"}
    assert client.patch(f"/api/v1/posts/{pid}", headers=author, json=whole).status_code == 200
    assert _audited_fields(client, reviewer, pid, "post.update") == [["body", "title"]]
    client.post(f"/api/v1/posts/{pid}/submit", headers=author)
    client.post(f"/api/v1/posts/{pid}/approve", headers=reviewer)
    assert _state_of(client.post(f"/api/v1/posts/{pid}/publish", headers=reviewer)) == \
        "published"
    # A live post's edit waits as a proposed change: audited the same way.
    proposed = whole | {"title": "职工健步走活动（再改期）", "body": "改为下周六集合。"}
    assert client.patch(f"/api/v1/posts/{pid}", headers=author, json=proposed).status_code == 200
    assert _audited_fields(client, reviewer, pid, "post.change.edit") == [["body", "title"]]
