"""The audit log covers every state change and every look at personal data, each event
visible to the admins of the account it concerns (GET /api/v1/audit), never with a secret or
a full ID number in it; the API's filters and cursor."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from hub.accounts.services import get_account
from hub.audit.models import AuditEvent
from hub.deliveries.models import Delivery
from hub.outlets.services import bind_outlet
from tests.members.members_helpers import make_number, roll_csv, upload_and_import

ID_NUMBER = make_number(777)  # never stored in full anywhere, the audit log included


def _valid_number() -> str:
    return ID_NUMBER


def _import_roll(client, token_for, number: str):
    roll = roll_csv([["审计甲", number, "13800007777", "dg-humen-garment", ""]])
    return upload_and_import(client, token_for("gd-admin"), roll)


def _post(client, token_for, account="dongguan", **fields) -> int:
    body = {"account": account, "title": "审计用稿件", "body": "正文"} | fields
    answer = client.post("/api/v1/posts", headers=token_for("dg-editor"), json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


# Each case does one thing an editor (or the command line) can do, and says which audit action
# must follow, on which account.


def retry_a_failed_delivery(client, token_for, db, config, secrets):
    bind_outlet(db, get_account(db, "dongguan"), channel="loopback", key="dg-retry",
                name="重试终端", config={"url": "http://127.0.0.1:9/"}, hub_secret=config.secret())
    db.commit()
    post_id = _post(client, token_for)
    client.post(f"/api/v1/posts/{post_id}/submit", headers=token_for("dg-editor"))
    client.post(f"/api/v1/posts/{post_id}/approve", headers=token_for("dg-reviewer"))
    published = client.post(f"/api/v1/posts/{post_id}/publish", headers=token_for("dg-reviewer"))
    assert published.status_code == 200, published.get_json()
    db.execute(update(Delivery).where(Delivery.post_id == post_id).values(state="failed"))
    db.commit()
    answer = client.post(f"/api/v1/posts/{post_id}/deliveries/retry",
                         headers=token_for("dg-reviewer"))
    assert answer.status_code == 200, answer.get_json()


def set_led_options(client, token_for, db, config, secrets):
    post_id = _post(client, token_for, channels=["led"])
    answer = client.put(f"/api/v1/led/posts/{post_id}/options", headers=token_for("dg-editor"),
                        json={"role": "interrupt", "share_of_voice": 100})
    assert answer.status_code == 200, answer.get_json()


def set_splash_options(client, token_for, db, config, secrets):
    post_id = _post(client, token_for, kind="promotion", channels=["splash"])
    answer = client.put(f"/api/v1/splash/posts/{post_id}/options",
                        headers=token_for("dg-editor"), json={"priority": 5})
    assert answer.status_code == 200, answer.get_json()


def import_a_roll(client, token_for, db, config, secrets):
    assert _import_roll(client, token_for, _valid_number()).status_code == 200


def look_a_member_up(client, token_for, db, config, secrets):
    number = _valid_number()
    assert _import_roll(client, token_for, number).status_code == 200
    secrets.append(number)
    answer = client.post("/api/v1/members/lookup", headers=token_for("gd-admin"),
                         json={"account": "dongguan", "id_number": number})
    assert len(answer.get_json()["members"]) == 1


def issue_a_merchant_key(client, token_for, db, config, secrets):
    from hub.campaigns import redemption

    merchant = redemption.create_merchant(db, get_account(db, "dongguan"), "东莞影城")
    secrets.append(redemption.issue_key(db, merchant))
    db.commit()


def issue_a_partner_key(client, token_for, db, config, secrets):
    from adapters.web.partners import issue_key
    from hub import ports

    _, key = issue_key(db, ports.account(db, "dongguan"), "东莞日报")
    secrets.append(key)
    db.commit()


def issue_a_device_token(client, token_for, db, config, secrets):
    from hub import channels

    channels.get_channel("led").load_demo(db, config)
    db.commit()
    answer = client.post("/api/v1/led/screens/dg-guomao/token", headers=token_for("gd-admin"))
    assert answer.status_code == 201, answer.get_json()
    secrets.append(answer.get_json()["token"])


def issue_an_api_token(client, token_for, db, config, secrets):
    answer = client.post("/api/v1/me/tokens", headers=token_for("dg-editor"),
                         json={"label": "脚本"})
    assert answer.status_code == 201, answer.get_json()
    secrets.append(answer.get_json()["token"])


def replace_outlet_credentials(client, token_for, db, config, secrets):
    outlet = bind_outlet(db, get_account(db, "dongguan"), channel="loopback", key="dg-audit",
                         name="审计终端", config={"url": "http://127.0.0.1:9/"},
                         hub_secret=config.secret(), secret="old-credential-1")
    db.commit()
    secrets += ["old-credential-1", "new-credential-2"]
    answer = client.put(f"/api/v1/accounts/dongguan/outlets/{outlet.id}/secret",
                        headers=token_for("gd-admin"), json={"secret": "new-credential-2"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["has_secret"] is True


CASES = [
    ("delivery.retry", retry_a_failed_delivery),
    ("led.options.update", set_led_options),
    ("splash.options.update", set_splash_options),
    ("roll.import", import_a_roll),
    ("roll.import.done", import_a_roll),
    ("member.lookup", look_a_member_up),
    ("merchant.key.issue", issue_a_merchant_key),
    ("partner.key.issue", issue_a_partner_key),
    ("led.token.issue", issue_a_device_token),
    ("token.issue", issue_an_api_token),
    ("outlet.secret.replace", replace_outlet_credentials),
]


@pytest.mark.parametrize(("action", "act"), CASES, ids=[action for action, _ in CASES])
def test_every_change_and_look_is_audited_for_the_accounts_readers(
        action, act, client, token_for, db, config, demo):
    secrets: list[str] = []
    act(client, token_for, db, config, secrets)
    db.rollback()
    # Dongguan's reviewers (and the province's admins) see it; a sibling city's do not.
    for reader, account in (("dg-reviewer", "dongguan"), ("gd-admin", "guangdong")):
        answer = client.get(f"/api/v1/audit?account={account}&action={action}",
                            headers=token_for(reader))
        assert answer.status_code == 200, answer.get_json()
        events = [e for e in answer.get_json()["events"] if e["action"] == action]
        assert events, f"{action} not in {account}'s audit log"
    elsewhere = client.get(f"/api/v1/audit?account=meizhou&action={action}",
                           headers=token_for("gd-admin")).get_json()["events"]
    assert not [e for e in elsewhere if e["action"] == action]
    stored = json.dumps([e.detail for e in db.scalars(select(AuditEvent))], ensure_ascii=False)
    for secret in secrets:
        assert secret not in stored and secret[:17] not in stored


def test_a_member_lookup_records_the_number_masked_and_who_was_found(client, token_for, db,
                                                                     demo):
    number = _valid_number()
    _import_roll(client, token_for, number)
    client.post("/api/v1/members/lookup", headers=token_for("gd-admin"),
                json={"account": "dongguan", "id_number": number})
    client.post("/api/v1/members/lookup", headers=token_for("gd-admin"),
                json={"account": "dongguan", "id_number": "4419001234"})  # mistyped, short
    events = client.get("/api/v1/audit?account=dongguan&action=member.lookup",
                        headers=token_for("gd-admin")).get_json()["events"]
    short, found = events
    assert found["detail"]["searched"] == {"id_number": number[:4] + "*" * 10 + number[-4:]}
    assert len(found["detail"]["member_ids"]) == 1 and found["subject_type"] == "member"
    assert found["subject_id"] == found["detail"]["member_ids"][0]
    assert short["detail"] == {"searched": {"id_number": "*" * 10}, "member_ids": []}
    assert found["actor"] == "gd-admin"


def _events(client, headers, query: str) -> list[dict]:
    answer = client.get(f"/api/v1/audit?{query}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["events"]


def test_the_api_filters_by_action_actor_subject_and_time_and_pages_on(client, token_for, db,
                                                                       demo):
    first = _post(client, token_for, title="第一篇")
    second = _post(client, token_for, account="dg-humen", title="第二篇")
    client.post(f"/api/v1/posts/{first}/submit", headers=token_for("dg-editor"))
    admin = token_for("gd-admin")
    everything = _events(client, admin, "account=dongguan&limit=500")
    assert {e["account"] for e in everything} >= {"dongguan", "dg-humen"}
    mine = [e for e in _events(client, admin, "account=dongguan&action=post.&limit=500")
            if e["subject_id"] in (first, second)]
    assert sorted(e["action"] for e in mine) == ["post.create", "post.create", "post.submit"]
    assert {e["action"] for e in _events(client, admin, "account=dongguan&action=post.sub")} \
        == {"post.submit"}
    assert [e["subject_id"] for e in _events(
        client, admin, f"account=dongguan&subject_type=post&subject_id={second}")] == [second]
    assert _events(client, admin, "account=dg-humen&action=post.create")[0]["subject_id"] \
        == second
    assert {e["actor"] for e in _events(client, admin, "account=dongguan&actor=dg-editor")} \
        == {"dg-editor"}
    assert _events(client, admin, "account=dongguan&actor=nobody") == []
    assert _events(client, admin, "account=dongguan&until=2000-01-01T00:00") == []
    assert len(_events(client, admin, "account=dongguan&since=2000-01-01&limit=500")) \
        == len(everything)
    # The cursor: pages of one, newest first, until next_before is null.
    query = f"account=dongguan&subject_type=post&subject_id={first}&limit=1"
    seen, before = [], ""
    while True:
        page = client.get(f"/api/v1/audit?{query}{before}", headers=admin).get_json()
        seen += [(e["id"], e["action"]) for e in page["events"]]
        if page["next_before"] is None:
            break
        before = f"&before={page['next_before']}"
    assert [action for _, action in seen] == ["post.submit", "post.create"]
    assert seen[0][0] > seen[1][0]
    # '%' and '_' in a prefix are literal characters, not patterns.
    assert _events(client, admin, "account=dongguan&action=post%25") == []


def test_the_audit_log_is_for_reviewers_and_admins_of_the_account(client, token_for, demo):
    assert client.get("/api/v1/audit?account=dongguan",
                      headers=token_for("dg-editor")).status_code == 403
    assert client.get("/api/v1/audit?account=guangdong",
                      headers=token_for("dg-reviewer")).status_code == 403
    assert client.get("/api/v1/audit?account=meizhou",
                      headers=token_for("dg-reviewer")).status_code == 403
    bad = client.get("/api/v1/audit?account=dongguan&since=yesterday",
                     headers=token_for("dg-reviewer"))
    assert bad.status_code == 400 and "since" in bad.get_data(as_text=True)


def test_an_editors_token_events_belong_to_the_accounts_they_work_on(client, token_for, demo):
    """Tokens have no account of their own: their events show where their owner holds a grant
    (and above), not elsewhere."""
    token_for("mz-editor")
    assert [e for e in _events(client, token_for("gd-admin"),
                               "account=meizhou&action=token.issue") if e["actor"] == "mz-editor"]
    assert not [e for e in _events(client, token_for("gd-admin"),
                                   "account=dongguan&action=token.issue")
                if e["actor"] == "mz-editor"]
