"""ID numbers never reach a log (not even the SQL log: the database only sees the hash and
the ciphertext) nor an API answer; admins look members up and see them masked."""

from __future__ import annotations

import logging

from members_helpers import make_number, roll_csv, upload_and_import
from sqlalchemy import select

from hub.members import identity, verification
from hub.members.models import Member, MemberIdentity
from hub.ratelimits import rate_limits

GOOD, OTHER = make_number(601), make_number(602)
BAD = GOOD[:-1] + ("1" if GOOD[-1] != "1" else "2")
EVERY_NUMBER = (GOOD, OTHER, BAD)


def _no_number_in(text: str) -> None:
    for number in EVERY_NUMBER:
        assert number not in text
        assert number[:17] not in text


def test_id_numbers_stay_out_of_logs_and_answers(app, client, token_for, db, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # every statement, every value
    admin = token_for("gd-admin")
    rows = [["隐私甲", GOOD, "13800006666", "dg-humen-garment", ""],
            ["隐私乙", BAD, "", "dg-humen-garment", ""],
            ["隐私丙", OTHER, "", "dg-humen-port", ""],
            ["隐私丁", GOOD, "", "dg-humen-port", ""]]
    answers = [upload_and_import(client, admin, roll_csv(rows))]
    report = answers[0].get_json()
    assert report["rows_rejected"] == 2
    for path in ("/api/v1/members/imports?account=dongguan",
                 f"/api/v1/members/imports/{report['id']}",
                 f"/api/v1/members/imports/{report['id']}/rejections",
                 "/api/v1/members/stats/dongguan"):
        answers.append(client.get(path, headers=admin))
    found = client.post("/api/v1/members/lookup", headers=admin,
                        json={"account": "dongguan", "id_number": GOOD.lower()})
    by_phone = client.post("/api/v1/members/lookup", headers=admin,
                           json={"account": "dg-humen", "mobile": "13800006666"})
    answers += [found, by_phone]
    with app.test_request_context():
        person = verification.sign_in(db, "o-private")
        db.commit()
        for name, number in (("错名", GOOD), ("隐私甲", OTHER), ("隐私甲", BAD)):
            assert not verification.verify(db, person, name, number,
                                           limits=rate_limits(app)).ok
        db.commit()
        assert verification.verify_and_commit(db, person, "隐私甲", GOOD,
                                              limits=rate_limits(app)).name == "隐私甲"
    assert found.status_code == 200
    member = found.get_json()["members"][0]
    assert member["id_number_masked"] == identity.mask(GOOD) == GOOD[:4] + "*" * 10 + GOOD[-4:]
    assert member["mobile_masked"] == "138****6666" and member["union"] == "dg-humen-garment"
    assert by_phone.get_json()["members"][0]["id"] == member["id"]
    for answer in answers:
        _no_number_in(answer.get_data(as_text=True))
    assert "roll import" in caplog.text and "verified as member" in caplog.text
    assert "INSERT INTO members" in caplog.text  # the SQL log was on
    _no_number_in(caplog.text)
    db.rollback()
    stored = db.scalar(select(Member).where(Member.name == "隐私甲"))
    _no_number_in(" ".join(str(v) for v in vars(stored).values()))
    assert db.scalar(select(MemberIdentity.member_id)) == stored.id


def test_lookup_is_for_admins_and_stays_inside_their_tree(client, token_for, db, demo):
    rows = [["梅州人", make_number(603, region="441402"), "13800007777",
             "mz-meijiang-hospital", ""]]
    upload_and_import(client, token_for("gd-admin"), roll_csv(rows), account="meizhou")
    ask = {"account": "dongguan", "mobile": "13800007777"}
    assert client.post("/api/v1/members/lookup", headers=token_for("gd-admin"),
                       json=ask).get_json() == {"members": []}
    assert client.post("/api/v1/members/lookup", headers=token_for("dg-editor"),
                       json=ask).status_code == 403
    empty = client.post("/api/v1/members/lookup", headers=token_for("gd-admin"),
                        json={"account": "meizhou"})
    assert empty.status_code == 400


def test_openapi_describes_the_members_api(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/v1/members/imports", "/api/v1/members/lookup",
            "/api/v1/members/stats/{code}"} <= set(paths)
    assert "413" in paths["/api/v1/members/imports"]["post"]["responses"]
