"""The KPIs through the real API: a member who verifies and reads, a reader on a site, LED
plays and splash impressions move the figures of their account and of the province the same
day; the scheduler's snapshot changes no answer; the workbook says what the API says."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from adapters.app_splash import services as splash_services
from adapters.app_splash.models import SplashItem
from adapters.led_screen import services as led_services
from adapters.led_screen.models import LedItem
from hub.accounts.models import Account
from hub.db import make_session_factory
from hub.kpis import refresh
from hub.kpis.counting import is_reader
from hub.kpis.services import FLOWS, KPIS, as_shown
from hub.members.demo import DEMO_MEMBER
from tests.adapters.app_splash.splash_helpers import promotion

BROWSER = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49")
ROBOT = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
TRACKED = ("guangdong", "dongguan", "dg-humen", "meizhou")


def _kpis(client, headers, account: str, days: int = 7) -> dict:
    answer = client.get(f"/api/v1/kpis?account={account}&days={days}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _today(answer: dict, name: str):
    return answer[name]["series"][-1]["value"]


def _figures(client, headers) -> dict[str, dict]:
    return {code: _kpis(client, headers, code) for code in TRACKED}


def _moved(before: dict, after: dict, code: str, name: str):
    """How far a KPI moved: a level from its value then to now; a flow by what the days it
    was counted on gained (the day may turn between the two questions)."""
    if name in FLOWS:
        then = {p["date"]: p["value"] for p in before[code][name]["series"]}
        return sum(p["value"] - then.get(p["date"], 0) for p in after[code][name]["series"])
    return _today(after[code], name) - _today(before[code], name)


def _member_verifies_and_reads(client, sign_in, post_id: int) -> None:
    headers, _ = sign_in()
    name, number, _, _ = DEMO_MEMBER
    verified = client.post("/mp/v1/verification", headers=headers,
                           json={"name": name, "id_number": number})
    assert verified.status_code == 200, verified.get_json()
    for _ in range(2):  # two reads; active once
        assert client.get(f"/mp/v1/posts/{post_id}", headers=headers).status_code == 200
    assert client.get("/mp/v1/feed", headers=headers).status_code == 200


def _site_visits(client, post_id: int) -> None:
    for agent in (BROWSER, ROBOT, "curl/8.5.0", None):
        headers = {"User-Agent": agent} if agent else {}
        assert client.get(f"/sites/dongguan/posts/{post_id}", headers=headers).status_code == 200


def _led_plays(client, db) -> None:
    token = led_services.issue_token(db, led_services.get_screen(db, "dg-guomao"))
    db.commit()
    item = db.scalar(select(LedItem.id).where(LedItem.role == "default").order_by(LedItem.id))
    now = dt.datetime.now(dt.UTC)
    plays = [{"item_id": item, "started_at": (now - dt.timedelta(seconds=s)).isoformat(),
              "duration_seconds": 15} for s in (5, 30, 60)]
    batch = {"batch_id": "kpi-plays-1", "plays": plays}
    for _ in range(2):  # a resent batch counts once
        answer = client.post("/led/v1/plays", json=batch,
                             headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.get_json()


def _splash_events(client, db, token_for, dispatcher) -> None:
    post, published = promotion(client, token_for("dg-editor"), token_for("dg-reviewer"))
    assert published.status_code == 200, published.get_json()
    dispatcher.drain()
    db.rollback()
    item = db.scalar(select(SplashItem.id).where(SplashItem.post_id == post["id"]))
    key = splash_services.issue_app_key(db, splash_services.get_slot(db, "app-launch"))
    db.commit()
    now = dt.datetime.now(dt.UTC).isoformat()
    events = [{"item_id": item, "type": kind, "at": now}
              for kind in ("impression", "impression", "impression", "click", "skip")]
    answer = client.post("/splash/v1/events", json={"batch_id": "kpi-e-1", "events": events},
                         headers={"Authorization": f"Bearer {key}"})
    assert answer.get_json()["accepted"] == 5


def test_a_day_of_activity_moves_the_account_and_the_province(
        client, db, outlets_demo, members, sign_in, publish, token_for, dispatcher):
    admin = token_for("gd-admin")
    post_id = publish("dg-editor", "dongguan", "职工书屋开放", reviewer="dg-reviewer",
                      channels=["web"])
    dispatcher.drain()
    before = _figures(client, admin)

    _member_verifies_and_reads(client, sign_in, post_id)
    _site_visits(client, post_id)
    _led_plays(client, db)
    _splash_events(client, db, token_for, dispatcher)
    after = _figures(client, admin)

    for code in ("guangdong", "dongguan", "dg-humen"):  # the member's union is under 虎门
        assert _moved(before, after, code, "members_verified") == 1, code
        assert _moved(before, after, code, "active_members") == 1, code
        assert after[code]["real_name_rate"]["total"] > before[code]["real_name_rate"]["total"]
    for code in ("guangdong", "dongguan"):  # 东莞's post, screen and splash
        assert _moved(before, after, code, "reads") == 3, code  # 2 in the app, 1 on the site
        assert _moved(before, after, code, "led_plays") == 3, code
        assert _moved(before, after, code, "splash_impressions") == 3, code
        assert _moved(before, after, code, "splash_clicks") == 1, code
    assert _moved(before, after, "dg-humen", "reads") == 0
    assert all(_moved(before, after, "meizhou", name) == 0 for name in KPIS)
    totals = after["dongguan"]
    assert totals["reads"]["total"] == sum(p["value"] for p in totals["reads"]["series"])
    assert totals["members_verified"]["total"] == _today(totals, "members_verified")
    assert [p["date"] for p in totals["reads"]["series"]] == [
        (dt.date.fromisoformat(totals["to"]) - dt.timedelta(days=back)).isoformat()
        for back in range(6, -1, -1)]


def test_the_scheduler_snapshot_changes_no_answer_and_later_changes_still_count(
        app, client, db, outlets_demo, members, sign_in, token_for):
    admin = token_for("gd-admin")
    live = {code: _kpis(client, admin, code, 3) for code in TRACKED}
    with make_session_factory(app.extensions["hub.engine"])() as session:
        refresh.refresh(session)
        session.commit()
    for code in TRACKED:
        again = _kpis(client, admin, code, 3)
        for name in KPIS:
            assert again[name] == live[code][name], (code, name)
    dongguan = db.scalar(select(Account).where(Account.code == "dongguan"))
    with_sites = db.scalar(select(func.count()).select_from(Account).where(
        Account.path.startswith(dongguan.path)))  # every account has a site in the demo
    assert _today(live["dongguan"], "accounts_opened") == with_sites > 34
    headers, _ = sign_in()
    name, number, _, _ = DEMO_MEMBER
    assert client.post("/mp/v1/verification", headers=headers,
                       json={"name": name, "id_number": number}).status_code == 200
    after = _kpis(client, admin, "guangdong", 3)
    assert _today(after, "members_verified") == _today(live["guangdong"], "members_verified") + 1


def test_the_workbook_opens_and_its_totals_match_the_api(client, outlets_demo, token_for):
    editor = token_for("dg-editor")
    api = _kpis(client, editor, "dongguan", 14)
    answer = client.get("/api/v1/kpis/export.xlsx?account=dongguan&days=14", headers=editor)
    assert answer.status_code == 200
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.data), read_only=True)
    assert len(book.sheetnames) == len(KPIS)
    for name, sheet in zip(KPIS, book.worksheets, strict=True):
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][3:] == tuple(p["date"] for p in api[name]["series"])
        # The same figures, money in yuan (the API answers fen).
        assert rows[1][0] == "dongguan" and rows[1][2] == as_shown(name, api[name]["total"])
        assert list(rows[1][3:]) == [as_shown(name, p["value"]) for p in api[name]["series"]]
        assert len(rows) == 2 + 33  # the account, then its 33 towns and streets
        assert {row[0] for row in rows[2:]} >= {"dg-humen", "dg-guancheng"}


def test_bad_questions_get_clear_answers(client, outlets_demo, token_for):
    editor = token_for("mz-editor")
    for url, status, field in (("/api/v1/kpis?account=dongguan", 403, None),
                               ("/api/v1/kpis?account=nowhere", 404, "account"),
                               ("/api/v1/kpis?account=meizhou&days=0", 400, "days"),
                               ("/api/v1/kpis?account=meizhou&days=9999", 400, "days"),
                               ("/api/v1/kpis/export.xlsx?account=meizhou&days=x", 400, "days"),
                               ("/api/v1/kpis/export.xlsx?account=dongguan", 403, None)):
        answer = client.get(url, headers=editor)
        assert answer.status_code == status, url
        assert answer.get_json()["message"], url
        if field:
            assert field in answer.get_json()["fields"], url
    assert client.get("/api/v1/kpis?account=meizhou").status_code == 401
    assert client.get("/api/v1/kpis/export.xlsx?account=meizhou").status_code == 401


def test_the_reader_rule_leaves_robots_and_tools_out():
    assert is_reader("GET", BROWSER)
    assert is_reader("GET", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537")
    for agent in (ROBOT, "Mozilla/5.0 (compatible; Googlebot/2.1)", "curl/8.5.0",
                  "python-requests/2.32", "Mozilla/5.0 HeadlessChrome/126.0", "", None):
        assert not is_reader("GET", agent), agent
    assert not is_reader("HEAD", BROWSER)
