"""The partner read API: per-partner keys (401/403), posts of an account and its subtree,
cursor pagination, and changes since a time (withdrawals included)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from web_support import publish, withdraw

from adapters.web import partners
from adapters.web.cli import web
from hub.accounts.services import get_account

API = "/api/partner/v1/posts"


@pytest.fixture
def key_for(db, sites):
    """key_for('meizhou') -> headers with a new partner key for that account."""

    def issue(code: str, partner: str = "梅州日报") -> dict:
        _, key = partners.issue_key(db, get_account(db, code), partner)
        db.commit()
        return {"X-Api-Key": key}

    return issue


def _all_pages(client, headers, **params):
    seen, cursor, pages = [], None, 0
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        answer = client.get(API, headers=headers, query_string=query)
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        seen += body["posts"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages, body


def test_keys_are_required_and_scoped_to_a_subtree(client, key_for, token_for, dispatcher):
    missing = client.get(API)
    assert missing.status_code == 401 and "X-Api-Key" in missing.get_json()["message"]
    wrong = client.get(API, headers={"X-Api-Key": "wpk_not-a-key"})
    assert wrong.status_code == 401
    county = key_for("mz-meijiang", "梅江区融媒体中心")
    above = client.get(API, headers=county, query_string={"account": "meizhou"})
    assert above.status_code == 403 and above.get_json()["fields"]["account"]
    elsewhere = client.get(API, headers=county, query_string={"account": "dongguan"})
    assert elsewhere.status_code == 403
    city = key_for("meizhou")
    assert client.get(API, headers=city, query_string={"account": "mz-meijiang"}) \
        .status_code == 200
    bearer = {"Authorization": "Bearer " + city["X-Api-Key"]}
    assert client.get(API, headers=bearer).status_code == 200
    unknown = client.get(API, headers=city, query_string={"account": "no-such"})
    assert unknown.status_code == 404


def test_a_revoked_key_stops_working(client, key_for, db):
    headers = key_for("meizhou")
    assert client.get(API, headers=headers).status_code == 200
    row = db.scalar(select(partners.PartnerKey))
    partners.revoke_key(db, row.id)
    db.commit()
    assert client.get(API, headers=headers).status_code == 401


def test_posts_of_the_subtree_page_with_a_cursor(client, key_for, token_for, dispatcher):
    titles = []
    for number in range(5):
        account = "meizhou" if number % 2 else "mz-meijiang"
        titles.append(f"第{number + 1}篇")
        publish(client, token_for, account=account, title=titles[-1], column="news")
    publish(client, token_for, account="dongguan", title="东莞的稿件")
    dispatcher.drain()
    posts, pages, _ = _all_pages(client, key_for("meizhou"), limit=2)
    assert pages == 3
    assert [p["title"] for p in posts] == list(reversed(titles))  # newest first, each once
    first = posts[-1]
    assert first["account"] == "mz-meijiang" and first["state"] == "published"
    assert first["url"] == f"http://127.0.0.1:5000/sites/mz-meijiang/posts/{first['id']}"
    assert first["column"] == "news" and "<p>" in first["html"]
    only_county, _, _ = _all_pages(client, key_for("meizhou"), account="mz-meijiang")
    assert [p["title"] for p in only_county] == ["第5篇", "第3篇", "第1篇"]


def test_a_post_pushed_down_is_listed_once(client, key_for, token_for, dispatcher, db):
    _, key = partners.issue_key(db, get_account(db, "dongguan"), "东莞日报")
    db.commit()
    publish(client, token_for, account="dongguan", title="全市职工运动会", push_down="all")
    dispatcher.drain()
    posts, _, _ = _all_pages(client, {"X-Api-Key": key})
    assert [p["title"] for p in posts] == ["全市职工运动会"]
    assert posts[0]["account"] == "dongguan"


def test_changes_since_include_withdrawals(client, key_for, token_for, dispatcher,
                                           monkeypatch):
    monkeypatch.setattr(partners, "SETTLE_SECONDS", 0)
    headers = key_for("meizhou")
    kept = publish(client, token_for, title="保留的稿件")
    dispatcher.drain()  # one at a time: the changes list follows delivery, not publication
    gone = publish(client, token_for, title="将撤回的稿件")
    dispatcher.drain()
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    changes, _, last = _all_pages(client, headers, since=start, limit=1)
    assert [c["id"] for c in changes] == [kept, gone]  # oldest change first
    until = last["until"]
    withdraw(client, token_for, gone)
    dispatcher.drain()
    later, _, _ = _all_pages(client, headers, since=until)
    assert [(c["id"], c["state"], c["html"]) for c in later] == [(gone, "withdrawn", "")]
    latest, _, _ = _all_pages(client, headers)
    assert [p["id"] for p in latest] == [kept]


def test_recent_changes_wait_to_settle(client, key_for, token_for, dispatcher):
    publish(client, token_for, title="刚刚发布")
    dispatcher.drain()
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    body = client.get(API, headers=key_for("meizhou"), query_string={"since": start})
    # A change younger than SETTLE_SECONDS is left for the next call, so a transaction that
    # commits late can never slip in behind a partner's `since`.
    assert body.get_json()["posts"] == []


def test_bad_cursors_and_parameters_are_named(client, key_for):
    headers = key_for("meizhou")
    bad = client.get(API, headers=headers, query_string={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and "cursor" in bad.get_json()["fields"]
    too_many = client.get(API, headers=headers, query_string={"limit": "1000"})
    assert too_many.status_code == 400 and "limit" in too_many.get_json()["fields"]
    odd = client.get(API, headers=headers, query_string={"since": "yesterday"})
    assert odd.status_code == 400 and "since" in odd.get_json()["fields"]
    deep = base64.urlsafe_b64encode(b"[" * 100_000).decode()  # json.loads recursed
    nested = client.get(API, headers=headers, query_string={"cursor": deep})
    assert nested.status_code == 400 and "cursor" in nested.get_json()["fields"]


def test_the_api_is_in_the_openapi_document(client):
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"][API]["get"]
    assert {"401", "403"} <= set(operation["responses"])
    assert "PartnerPostList" in document["components"]["schemas"]


def test_keys_are_issued_and_revoked_from_the_command_line(database_url, app, sites, client):
    runner = CliRunner()
    env = {"HUB_DATABASE_URL": database_url}
    issued = runner.invoke(web, ["partner-key", "issue", "--account", "meizhou",
                                 "--partner", "梅州日报"], env=env)
    assert issued.exit_code == 0, issued.output
    key = issued.output.strip().splitlines()[-1]
    assert key.startswith("wpk_")
    assert client.get(API, headers={"X-Api-Key": key}).status_code == 200
    listed = runner.invoke(web, ["partner-key", "list"], env=env)
    assert "meizhou\t梅州日报" in listed.output and key not in listed.output
    key_id = listed.output.split("\t", 1)[0]
    assert runner.invoke(web, ["partner-key", "revoke", key_id], env=env).exit_code == 0
    assert client.get(API, headers={"X-Api-Key": key}).status_code == 401
    unknown = runner.invoke(web, ["partner-key", "issue", "--account", "nowhere",
                                  "--partner", "x"], env=env)
    assert unknown.exit_code == 1 and "nowhere" in unknown.output
