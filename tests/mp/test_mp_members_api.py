"""The mini-program API as a member meets it: signing in with a sandbox login code, real-name
verification against 东莞's roll, 一键直达所属工会, following 梅州, the merged feed, account
pages and search, phone numbers, subscribe-message allowances, and every bad request."""

from __future__ import annotations

import json

from hub.members import demo as members_demo
from hub.members.models import MemberSubscription

NAME, ID_NUMBER, MOBILE, UNION = members_demo.DEMO_MEMBER


def _verify(client, headers):
    return client.post("/mp/v1/verification", headers=headers,
                       json={"name": NAME, "id_number": ID_NUMBER})


def test_the_issue_walk_through(client, members, sign_in, publish, token_for):
    seen = []  # every answer's text, to prove no ID number ever leaves whole
    headers, session = sign_in()
    seen.append(session)
    assert session["profile"]["verified"] is False and session["profile"]["union"] is None
    assert session["subscribe_templates"] == {"news": "hub-news",
                                              "course_reminder": "hub-course-reminder"}
    assert client.get("/mp/v1/my-union", headers=headers).status_code == 404

    verified = _verify(client, headers)
    assert verified.status_code == 200, verified.get_json()
    me = verified.get_json()["profile"]
    seen.append(me)
    assert me["verified"] is True
    assert me["name_masked"] == "陈*华" and me["id_masked"] == "4419**********1238"
    assert me["union"]["code"] == UNION and me["union"]["own"] is True
    union = client.get("/mp/v1/my-union", headers=headers).get_json()
    assert union["parent"]["code"] == "dg-humen"  # 虎门, one tap away
    humen = client.get("/mp/v1/accounts/dg-humen", headers=headers).get_json()
    assert humen["name"] == "虎门镇总工会" and humen["own"] is True

    assert client.post("/mp/v1/accounts/meizhou/follow", headers=headers).status_code == 200
    follows = client.get("/mp/v1/follows", headers=headers).get_json()["accounts"]
    assert {a["code"] for a in follows} >= {UNION, "dg-humen", "dongguan", "guangdong",
                                             "meizhou"}

    first = publish("dg-editor", "dongguan", "东莞职工运动会", ["dg-humen", "dg-changan"],
                    reviewer="dg-reviewer")
    second = publish("mz-editor", "meizhou", "梅州客家文化节")
    publish("mz-editor", "mz-dabu", "大埔县的内容")  # not followed: not in the feed
    page = client.get("/mp/v1/feed", headers=headers).get_json()
    seen.append(page)
    ids = [item["id"] for item in page["items"]]
    assert ids[:2] == [second, first] and ids.count(first) == 1
    assert page["items"][0]["account"] == {"code": "meizhou", "name": "梅州市总工会"}
    assert all(item["title"] != "大埔县的内容" for item in page["items"])

    reviewer = token_for("dg-reviewer")
    withdrawn = client.post(f"/api/v1/posts/{first}/withdraw", headers=reviewer)
    assert withdrawn.status_code == 200, withdrawn.get_json()
    after = client.get("/mp/v1/feed", headers=headers).get_json()["items"]
    assert first not in [item["id"] for item in after]
    assert client.get(f"/mp/v1/posts/{first}", headers=headers).status_code == 404
    post = client.get(f"/mp/v1/posts/{second}", headers=headers).get_json()
    assert "<p>正文</p>" in post["html"]
    assert ID_NUMBER not in json.dumps(seen, ensure_ascii=False)


def test_feed_pages_follow_the_cursor_without_repeats(client, members, sign_in, publish):
    headers, _ = sign_in()
    client.post("/mp/v1/accounts/meizhou/follow", headers=headers)
    made = [publish("mz-editor", "meizhou", f"第{n}篇") for n in range(5)]
    got, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/mp/v1/feed", headers=headers, query_string=query).get_json()
        got += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert got[:5] == list(reversed(made)) and len(got) == len(set(got))
    bad = client.get("/mp/v1/feed", headers=headers, query_string={"cursor": "不是游标"})
    assert bad.status_code == 400 and "cursor" in bad.get_json()["fields"]


def test_an_account_page_lists_what_was_pushed_down_to_it(client, members, sign_in, publish):
    headers, _ = sign_in()
    pushed = publish("dg-editor", "dongguan", "下发到长安", ["dg-changan"], reviewer="dg-reviewer")
    own = publish("dg-editor", "dongguan", "只在东莞", reviewer="dg-reviewer")
    changan = client.get("/mp/v1/accounts/dg-changan/posts", headers=headers).get_json()
    items = {item["id"]: item for item in changan["items"]}
    assert pushed in items and own not in items and items[pushed]["from_above"] is True
    city = client.get("/mp/v1/accounts/dongguan/posts", headers=headers).get_json()
    assert {pushed, own} <= {item["id"] for item in city["items"]}


def test_search_by_name_and_follow_states(client, members, sign_in):
    headers, _ = sign_in()
    client.post("/mp/v1/accounts/mz-dabu/follow", headers=headers)
    found = client.get("/mp/v1/accounts", headers=headers, query_string={"q": "大埔"})
    accounts = found.get_json()["accounts"]
    assert accounts[0]["code"] == "mz-dabu" and accounts[0]["followed"] is True
    assert client.get("/mp/v1/accounts", headers=headers,
                      query_string={"q": "%"}).get_json()["accounts"] == []
    empty = client.get("/mp/v1/accounts", headers=headers, query_string={"q": ""})
    assert empty.status_code == 400 and "q" in empty.get_json()["fields"]
    assert client.get("/mp/v1/accounts/nowhere", headers=headers).status_code == 404


def test_own_union_chain_cannot_be_unfollowed_others_can(client, members, sign_in):
    headers, _ = sign_in()
    assert _verify(client, headers).status_code == 200
    refused = client.delete("/mp/v1/accounts/dongguan/follow", headers=headers)
    assert refused.status_code == 409 and refused.get_json()["message"]
    client.post("/mp/v1/accounts/meizhou/follow", headers=headers)
    gone = client.delete("/mp/v1/accounts/meizhou/follow", headers=headers)
    assert gone.get_json() == {"followed": False}
    codes = {a["code"] for a in client.get("/mp/v1/follows", headers=headers)
             .get_json()["accounts"]}
    assert "meizhou" not in codes and "dongguan" in codes


def test_a_login_code_works_once_and_bad_ones_are_400(client, login_code):
    code = login_code()["js_code"]
    assert client.post("/mp/v1/session", json={"code": code}).status_code == 200
    again = client.post("/mp/v1/session", json={"code": code})
    assert again.status_code == 400 and again.get_json()["fields"] == {"code": again.get_json()
                                                                      ["message"]}
    assert client.post("/mp/v1/session", json={"code": "made-up"}).status_code == 400
    missing = client.post("/mp/v1/session", json={})
    assert missing.status_code == 400 and "code" in missing.get_json()["fields"]


def test_signing_in_twice_is_the_same_member(client, demo, sign_in):
    first, a = sign_in("o-same-person")
    client.post("/mp/v1/accounts/meizhou/follow", headers=first)
    second, _ = sign_in("o-same-person")
    codes = {x["code"] for x in client.get("/mp/v1/follows", headers=second)
             .get_json()["accounts"]}
    assert codes == {"meizhou"}


def test_forged_altered_or_missing_sessions_are_401(client, demo, sign_in, config):
    from hub.members import sessions

    headers, body = sign_in()
    token = body["token"]
    for bad in ({}, {"Authorization": f"Bearer {token}"},
                {"Authorization": f"Member {token[:-2]}xx"},
                {"Authorization": "Member " + sessions.issue("another-secret", 1, "o-x")}):
        answer = client.get("/mp/v1/me", headers=bad)
        assert answer.status_code == 401 and answer.get_json()["error"] == "unauthorized"
    # A token naming an identity that does not exist is refused too.
    ghost = sessions.issue(config.secret(), 999_999, "o-ghost")
    assert client.get("/mp/v1/me", headers={"Authorization": f"Member {ghost}"}
                      ).status_code == 401


def test_failed_verification_reveals_nothing_and_is_limited(client, members, sign_in):
    headers, _ = sign_in()
    answers = [client.post("/mp/v1/verification", headers=headers, json=body) for body in (
        {"name": "陈建国", "id_number": ID_NUMBER},  # wrong name
        {"name": NAME, "id_number": "440300199001011234"},  # not on any roll
    )]
    assert {a.status_code for a in answers} == {400}
    assert answers[0].get_json() == answers[1].get_json()
    assert "fields" not in answers[0].get_json()
    for _ in range(3):
        client.post("/mp/v1/verification", headers=headers,
                    json={"name": "王五", "id_number": ID_NUMBER})
    limited = _verify(client, headers)  # even the right answer waits now
    assert limited.status_code == 429
    short = client.post("/mp/v1/verification", headers=headers, json={"name": NAME})
    assert short.status_code == 400 and "id_number" in short.get_json()["fields"]


def test_a_shared_phone_number_registers_the_roll_entry(client, members, login_code, db):
    from hub.members.models import Member

    codes = login_code(phone=MOBILE)
    session = client.post("/mp/v1/session", json={"code": codes["js_code"]}).get_json()
    headers = {"Authorization": f"Member {session['token']}"}
    shared = client.post("/mp/v1/phone", headers=headers, json={"code": codes["phone_code"]})
    assert shared.status_code == 200, shared.get_json()
    assert shared.get_json()["profile"]["phone_masked"] == "138****8000"
    db.rollback()
    member = db.query(Member).filter_by(mobile=MOBILE).one()
    assert member.state == "registered"
    again = client.post("/mp/v1/phone", headers=headers, json={"code": codes["phone_code"]})
    assert again.status_code == 400


def test_subscribe_message_allowances_add_up(client, demo, sign_in, db):
    headers, _ = sign_in()
    for _ in range(2):
        answer = client.post("/mp/v1/subscriptions", headers=headers,
                             json={"template": "news", "accepted": 1})
    assert answer.get_json() == {"template": "news", "allowances": 2}
    unknown = client.post("/mp/v1/subscriptions", headers=headers, json={"template": "广告"})
    assert unknown.status_code == 400 and "template" in unknown.get_json()["fields"]
    db.rollback()
    assert db.query(MemberSubscription).count() == 1


def test_simultaneous_first_sign_ins_make_one_member(app, login_code, db):
    import threading

    from hub.members.models import MemberIdentity

    codes = [login_code("o-eager")["js_code"] for _ in range(8)]
    answers, start = [], threading.Barrier(len(codes))

    def sign_in(code):
        start.wait(timeout=10)
        answers.append(app.test_client().post("/mp/v1/session", json={"code": code}))

    threads = [threading.Thread(target=sign_in, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [200] * 8
    db.rollback()
    assert db.query(MemberIdentity).filter_by(openid="o-eager").count() == 1


def test_simultaneous_allowance_reports_all_count(app, sign_in, db):
    import threading

    headers, _ = sign_in("o-tapper")
    start = threading.Barrier(6)

    def report():
        start.wait(timeout=10)
        app.test_client().post("/mp/v1/subscriptions", headers=headers,
                               json={"template": "news", "accepted": 1})

    threads = [threading.Thread(target=report) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.rollback()
    assert db.query(MemberSubscription).one().allowances == 6


def test_the_meizhou_demo_member_takes_a_seat_on_the_demo_course(client, members, sign_in):
    from hub.campaigns import demo as campaigns_demo

    name, number, _, union = members_demo.DEMO_MEMBER_MEIZHOU
    headers, _ = sign_in()
    verified = client.post("/mp/v1/verification", headers=headers,
                           json={"name": name, "id_number": number})
    assert verified.get_json()["profile"]["union"]["code"] == union
    feed = client.get("/mp/v1/feed", headers=headers).get_json()["items"]
    course = next(i for i in feed if i["title"] == campaigns_demo.COURSE)
    seat = client.post(f"/mp/v1/campaigns/{course['campaign_id']}/claim", headers=headers,
                       json={"request_id": "demo-seat-0001"})
    assert seat.status_code == 200 and seat.get_json()["status"] == "claimed"
    page = client.get(f"/mp/v1/campaigns/{course['campaign_id']}", headers=headers).get_json()
    assert page["stock_left"] == 29 and page["my_claims"][0]["status"] == "claimed"
