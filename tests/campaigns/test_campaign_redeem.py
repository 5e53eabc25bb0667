"""Redeeming vouchers (核销): through the merchant API and page, never twice (even raced),
never after expiry, never another merchant's voucher; and merchant keys from the CLI."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from campaign_helpers import hammer, request_id
from click.testing import CliRunner
from sqlalchemy import select

from hub.accounts.services import get_account
from hub.campaigns import redemption
from hub.campaigns.cli import merchant as merchant_cli
from hub.campaigns.models import Merchant, Slot
from hub.db import utcnow


@pytest.fixture
def merchants(writer, demo):
    """merchants(n) -> [(id, key)] on dongguan."""

    def make(count: int = 1, account: str = "dongguan"):
        made = []
        with writer() as db:
            for index in range(count):
                created = redemption.create_merchant(db, get_account(db, account),
                                                     f"合作商户{index}")
                made.append((created.id, redemption.issue_key(db, created)))
            db.commit()
        return made

    return make


def _voucher(campaign, merchant_id, *, valid_until=None, stock=5, kind="voucher"):
    until = valid_until or utcnow() + dt.timedelta(days=30)
    return campaign(kind, stock=stock, face_value_fen=5000, merchant_id=merchant_id,
                    valid_until=until.isoformat())


def _issue(client, person, campaign_id) -> dict:
    answer = client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=person.headers,
                         json={"request_id": request_id()})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _redeem(client, key, code):
    return client.post("/merchant/v1/redeem", headers={"Authorization": f"Merchant {key}"},
                       json={"code": code})


def test_a_voucher_is_redeemed_once_even_by_racing_tills(app, client, people, campaign,
                                                         merchants):
    [(merchant_id, key)] = merchants(1)
    made = _voucher(campaign, merchant_id)
    [member] = people(1)
    voucher = _issue(client, member, made["id"])
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", voucher["code"])
    assert voucher["qr_url"].endswith(f"/mp/v1/codes/{voucher['code'].replace('-', '')}/qr.png")
    qr = client.get(voucher["qr_url"].split("127.0.0.1:5000", 1)[-1])
    assert qr.status_code == 200 and qr.data[:8] == b"\x89PNG\r\n\x1a\n"

    def till(client):
        return _redeem(client, key, voucher["code"].lower().replace("-", " "))

    answers = hammer(app, [till] * 12, threads=12)
    codes = Counter(a.status_code for a in answers)
    assert codes == {200: 1, 409: 11}, codes
    assert {a.get_json()["error"] for a in answers if a.status_code == 409} == {
        "already_redeemed"}
    ok = next(a.get_json() for a in answers if a.status_code == 200)
    assert ok["face_value_fen"] == 5000 and ok["status"] == "redeemed"
    welfare = client.get("/mp/v1/me/welfare", headers=member.headers).get_json()
    assert welfare["items"][0]["redeemed"] is True


def test_another_merchants_voucher_is_refused(client, people, campaign, merchants):
    (mine_id, _), (_, other_key) = merchants(2)
    made = _voucher(campaign, mine_id)
    [member] = people(1)
    code = _issue(client, member, made["id"])["code"]
    refused = _redeem(client, other_key, code)
    assert refused.status_code == 403 and refused.get_json()["error"] == "wrong_merchant"


def test_expired_unknown_unissued_and_unsigned_codes_are_refused(app, client, db, people,
                                                                 campaign, merchants, writer):
    [(merchant_id, key)] = merchants(1)
    made = _voucher(campaign, merchant_id)
    [member] = people(1)
    code = _issue(client, member, made["id"])["code"]
    with writer() as session:  # the validity ends while the member still holds the voucher
        from hub.campaigns.models import Campaign

        session.get(Campaign, made["id"]).valid_until = utcnow() - dt.timedelta(minutes=1)
        session.commit()
    expired = _redeem(client, key, code)
    assert expired.status_code == 410 and expired.get_json()["error"] == "expired"
    assert _redeem(client, key, "ZZZZ-ZZZZ-ZZZZ").status_code == 404
    db.rollback()
    unissued = db.scalar(select(Slot.code).where(Slot.campaign_id == made["id"],
                                                 Slot.claim_id.is_(None)).limit(1))
    assert _redeem(client, key, unissued).status_code == 404
    assert _redeem(client, "mk_wrong", code).status_code == 401
    missing = client.post("/merchant/v1/redeem", json={"code": code})
    assert missing.status_code == 401 and missing.get_json()["error"] == "unauthorized"
    assert _redeem(client, key, "").status_code == 400


def test_the_merchant_page_logs_in_with_the_key_and_redeems(client, people, campaign,
                                                            merchants):
    [(merchant_id, key)] = merchants(1)
    made = _voucher(campaign, merchant_id, kind="ticket")
    [member] = people(1)
    code = _issue(client, member, made["id"])["code"]
    page = client.get("/merchant/")
    assert page.status_code == 200 and "商户密钥" in page.text
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    forged = client.post("/merchant/login", data={"key": key, "csrf_token": "nope"})
    assert forged.status_code == 400
    not_ascii = client.post("/merchant/login", data={"key": key, "csrf_token": "令牌"})
    assert not_ascii.status_code == 400  # was compare_digest's TypeError: a 500
    wrong = client.post("/merchant/login", data={"key": "mk_nope", "csrf_token": csrf})
    assert wrong.status_code == 401 and "商户密钥无效" in wrong.text
    signed_in = client.post("/merchant/login", data={"key": key, "csrf_token": csrf})
    assert signed_in.status_code == 303
    page = client.get("/merchant/")
    assert "核销券码" in page.text and "合作商户0" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    no_token = client.post("/merchant/redeem", data={"code": code})
    assert no_token.status_code == 400
    done = client.post("/merchant/redeem", data={"code": code, "csrf_token": csrf})
    assert done.status_code == 200 and "核销成功" in done.text
    twice = client.post("/merchant/redeem", data={"code": code, "csrf_token": csrf})
    assert twice.status_code == 409 and "不能重复核销" in twice.text


def test_reissuing_a_key_ends_the_old_one_and_its_page_sessions(client, writer, merchants):
    [(merchant_id, key)] = merchants(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/merchant/").text
                     ).group(1)
    client.post("/merchant/login", data={"key": key, "csrf_token": csrf})
    with writer() as db:
        new_key = redemption.issue_key(db, db.get(Merchant, merchant_id))
        db.commit()
    assert "商户密钥" in client.get("/merchant/").text  # back at the login form
    assert _redeem(client, key, "ABCD-ABCD-ABCD").status_code == 401
    assert _redeem(client, new_key, "ABCD-ABCD-ABCD").status_code == 404


def test_merchant_cli_prints_a_key_once_and_stores_its_hash(app, db, demo, config,
                                                            monkeypatch):
    monkeypatch.setenv("HUB_DATABASE_URL", config.database_url)
    runner = CliRunner()
    made = runner.invoke(merchant_cli, ["create", "--account", "dongguan", "东莞某影城"])
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    assert key.startswith("mk_")
    db.rollback()
    stored = db.scalar(select(Merchant).where(Merchant.name == "东莞某影城"))
    assert stored.key_hash != key and key not in (stored.key_hash or "")
    listed = runner.invoke(merchant_cli, ["list"])
    assert "东莞某影城" in listed.output and key not in listed.output
    again = runner.invoke(merchant_cli, ["key", str(stored.id)])
    assert again.exit_code == 0 and again.output.strip() != key
    bad = runner.invoke(merchant_cli, ["create", "--account", "nowhere", "x"])
    assert bad.exit_code == 1
