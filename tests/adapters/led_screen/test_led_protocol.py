"""The controller protocol: tokens (unknown, revoked, rotated), ETag and 304, 429 with
Retry-After, heartbeats and online status, proof-of-play batches (idempotent, summed per
item per hour, malformed ones refused whole), files, and pairing with a short code."""

from __future__ import annotations

import datetime as dt

from led_helpers import poll
from sqlalchemy import func, select, update

from adapters.led_screen import protocol, services
from adapters.led_screen.models import LedItem, LedPlayBatch, LedPlayHour, Screen
from hub import api


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_unknown_missing_revoked_and_rotated_tokens_get_401(client, db, device_token):
    assert client.get("/led/v1/playlist").status_code == 401
    unknown = poll(client, "led_not-a-real-token")
    assert unknown.status_code == 401 and unknown.get_json()["error"] == "unauthorized"
    old = device_token("dg-guomao")
    assert poll(client, old).status_code == 200
    new = device_token("dg-guomao")  # rotation: the old token stops at once
    assert poll(client, old).status_code == 401
    assert poll(client, new).status_code == 200
    services.revoke_token(db, services.get_screen(db, "dg-guomao"))
    db.commit()
    assert poll(client, new).status_code == 401
    # Nothing about the token leaks into the stored row.
    screen = services.get_screen(db, "dg-guomao")
    assert screen.token_hash is None and screen.token_revoked_at is not None


def test_etag_is_strong_and_moves_with_the_screen(client, db, device_token, token_for):
    token = device_token("dg-hongfu")
    first = poll(client, token)
    tag = first.headers["ETag"]
    assert tag.startswith('"') and not tag.startswith("W/")
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert poll(client, token, tag).status_code == 304
    assert poll(client, token, f'"other", {tag}').status_code == 304
    assert poll(client, token, '"stale"').status_code == 200
    document = first.get_json()
    assert document["screen"]["width"] == 768 and document["screen"]["height"] == 384
    assert document["items"][0]["role"] == "default"  # the demo's default program
    assert document["power"] == {"on": "06:30", "off": "23:30"}
    # An editor changes the brightness schedule: the next poll gets a new playlist.
    admin = token_for("gd-admin")
    changed = client.patch("/api/v1/led/screens/dg-hongfu", headers=admin, json={
        "brightness": [{"at": "19:00", "percent": 90}]})
    assert changed.status_code == 200, changed.get_json()
    again = poll(client, token, tag)
    assert again.status_code == 200
    assert again.get_json()["brightness"] == [{"at": "19:00", "percent": 90}]
    nulled = client.patch("/api/v1/led/screens/dg-hongfu", headers=admin,
                          json={"width": None})
    assert nulled.status_code == 400 and "width" in nulled.get_json()["fields"]


def test_polling_too_fast_gets_429_with_retry_after(app, client, db, device_token):
    token = device_token("dg-guomao")
    db.execute(update(Screen).where(Screen.code == "dg-guomao").values(min_poll_seconds=30))
    db.commit()
    assert poll(client, token).status_code == 200
    too_fast = poll(client, token)
    assert too_fast.status_code == 429
    assert 1 <= int(too_fast.headers["Retry-After"]) <= 30
    assert too_fast.get_json()["error"] == "too_many_requests"
    api.rate_limits(app).forget_all()  # as if the interval had passed
    assert poll(client, token, None).status_code == 200


def test_files_are_immutable_and_named_by_their_hash(client, device_token):
    document = poll(client, device_token("dg-guomao")).get_json()
    file = document["files"][0]
    response = client.get(file["url"].replace("http://localhost", ""))
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["ETag"] == f'"{file["sha256"]}"'
    assert client.get("/led/v1/files/" + "0" * 64 + ".png").status_code == 404


def test_heartbeat_and_polls_make_a_screen_online(client, db, device_token, token_for):
    editor = token_for("dg-editor")
    listing = client.get("/api/v1/led/screens?account=dongguan", headers=editor).get_json()
    # 东莞 and 虎门, and the 国贸 屏王 slot (its operator plays it: it never connects)
    assert listing["online"] == 0 and listing["offline"] == 6
    token = device_token("dg-guomao")
    tag = poll(client, token).headers["ETag"]
    protocol.LIVENESS.flush()
    beat = client.post("/led/v1/heartbeat", headers=_bearer(token),
                       json={"playlist_etag": tag, "status": {"temperature": 41}})
    assert beat.status_code == 200
    assert beat.get_json()["playlist_changed"] is False
    weak = client.post("/led/v1/heartbeat", headers=_bearer(token),
                       json={"playlist_etag": f"W/{tag}",  # as a compressing proxy gave it
                             "status": {"temperature": 41}})
    assert weak.get_json()["playlist_changed"] is False
    listing = client.get("/api/v1/led/screens?account=dongguan", headers=editor).get_json()
    guomao = next(s for s in listing["screens"] if s["code"] == "dg-guomao")
    assert guomao["online"] is True and guomao["last_poll_at"] is not None
    assert guomao["reported_status"]["temperature"] == 41
    assert listing["online"] == 1
    # Seen long ago: offline.
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    db.execute(update(Screen).where(Screen.code == "dg-guomao").values(
        last_poll_at=old, last_heartbeat_at=old))
    db.commit()
    assert client.get("/api/v1/led/screens/dg-guomao", headers=editor).get_json()[
        "online"] is False
    assert client.post("/led/v1/heartbeat", json={}).status_code == 401


def _default_item(db) -> int:
    return db.scalar(select(LedItem.id).where(LedItem.role == "default").order_by(LedItem.id))


def test_plays_count_once_per_batch_and_sum_per_item_per_hour(client, db, device_token,
                                                              token_for):
    token = device_token("dg-guomao")
    item = _default_item(db)
    start = dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC)
    plays = [{"item_id": item, "started_at": (start + dt.timedelta(minutes=m)).isoformat(),
              "duration_seconds": 15} for m in (0, 20, 40, 61)]
    batch = {"batch_id": "b-0001", "plays": plays}
    first = client.post("/led/v1/plays", headers=_bearer(token), json=batch)
    assert first.get_json() == {"batch_id": "b-0001", "accepted": 4, "duplicate": False,
                                "rejected": 0}
    repeat = client.post("/led/v1/plays", headers=_bearer(token), json=batch)
    assert repeat.status_code == 200 and repeat.get_json()["duplicate"] is True
    db.rollback()
    hours = {(row.hour.hour, row.plays, row.seconds)
             for row in db.scalars(select(LedPlayHour))}
    assert hours == {(9, 3, 45), (10, 1, 15)}
    report = client.get("/api/v1/led/screens/dg-guomao/plays?since=2026-11-20T00:00:00",
                        headers=token_for("dg-editor")).get_json()
    assert report["total_plays"] == 4 and report["total_seconds"] == 60
    assert report["rows"][0]["hour"] == "2026-11-20T17:00:00+08:00"


def test_plays_of_items_the_screen_was_never_given_are_rejected(client, db, device_token,
                                                               token_for):
    token = device_token("dg-guomao")
    screen = services.get_screen(db, "dg-guomao")
    own = _default_item(db)
    elsewhere = db.scalar(select(LedItem.id).where(
        LedItem.outlet_id.not_in(services.outlet_ids_for(db, screen))).order_by(LedItem.id))
    assert elsewhere is not None, "the demo has an item on another screen's outlet"
    at = "2026-11-20T09:00:00+08:00"
    plays = [{"item_id": item, "started_at": at, "duration_seconds": 10}
             for item in (own, elsewhere, elsewhere, 999_999)]
    answer = client.post("/led/v1/plays", headers=_bearer(token),
                         json={"batch_id": "b-mixed", "plays": plays}).get_json()
    assert answer == {"batch_id": "b-mixed", "accepted": 1, "duplicate": False, "rejected": 3}
    db.rollback()
    counted = {(row.item_id, row.plays) for row in db.scalars(select(LedPlayHour))}
    assert counted == {(own, 1)}
    report = client.get(f"/api/v1/led/items/{elsewhere}",
                        headers=token_for("gd-admin")).get_json()
    assert report["plays"] == 0


def test_malformed_batches_are_refused_whole(client, db, device_token):
    token = device_token("dg-guomao")
    item = _default_item(db)
    good = {"item_id": item, "started_at": "2026-11-20T09:00:00+08:00", "duration_seconds": 10}
    cases = [
        {"batch_id": "b1", "plays": [good, {"item_id": item, "started_at": "yesterday",
                                            "duration_seconds": 10}]},
        {"batch_id": "b2", "plays": [good, {**good, "started_at": "2026-11-20T09:00:00"}]},
        {"batch_id": "b3", "plays": [good, {**good, "duration_seconds": -1}]},
        {"batch_id": "has spaces", "plays": [good]},
        {"batch_id": "b4", "plays": []},
        {"batch_id": "b5", "plays": [good] * 301},
        {"batch_id": "b6", "plays": [good, {**good, "started_at": "2099-01-01T00:00:00+08:00"}]},
        {"plays": [good]},
    ]
    for body in cases:
        response = client.post("/led/v1/plays", headers=_bearer(token), json=body)
        assert response.status_code == 400, body
        assert response.get_json()["fields"], response.get_json()
    bad_json = client.post("/led/v1/plays", headers=_bearer(token) | {
        "Content-Type": "application/json"}, data=b"{not json")
    assert bad_json.status_code == 400
    db.rollback()
    assert db.scalar(select(func.count(LedPlayBatch.id))) == 0
    assert db.scalar(select(func.count(LedPlayHour.id))) == 0
    assert client.post("/led/v1/plays", json={"batch_id": "x", "plays": [good]}).status_code \
        == 401


def test_pairing_with_a_short_code(client, db, led_demo, token_for):
    started = client.post("/led/v1/pairings")
    assert started.status_code == 201
    code, secret = started.get_json()["pairing_code"], started.get_json()["claim_secret"]
    assert len(code) == 6 and code.isalnum()
    waiting = client.post("/led/v1/pairings/claim", json={"claim_secret": secret})
    assert waiting.get_json() == {"status": "waiting", "token": None, "screen": None}
    # An author may not pair; the admin of the account may.
    author = client.post("/api/v1/led/screens/dg-hongfu/pair", headers=token_for("dg-editor"),
                         json={"pairing_code": code})
    assert author.status_code == 403
    wrong = client.post("/api/v1/led/screens/dg-hongfu/pair", headers=token_for("gd-admin"),
                        json={"pairing_code": "ZZZZZZ"})
    assert wrong.status_code == 404 and "pairing_code" in wrong.get_json()["fields"]
    paired = client.post("/api/v1/led/screens/dg-hongfu/pair", headers=token_for("gd-admin"),
                         json={"pairing_code": code.lower()[:3] + "-" + code.lower()[3:]})
    assert paired.status_code == 200, paired.get_json()
    claimed = client.post("/led/v1/pairings/claim", json={"claim_secret": secret}).get_json()
    assert claimed["status"] == "paired" and claimed["screen"]["width"] == 768
    assert poll(client, claimed["token"]).status_code == 200
    # The secret is spent: a second claim finds nothing.
    again = client.post("/led/v1/pairings/claim", json={"claim_secret": secret})
    assert again.status_code == 404


def test_a_database_that_does_not_answer_gets_503_with_retry_after(client, device_token,
                                                                   monkeypatch):
    from hub.pull.lean import LeanConnections, Unavailable

    token = device_token("dg-guomao")

    def down(*args, **kwargs):
        raise Unavailable("OperationalError")

    monkeypatch.setattr(LeanConnections, "first", down)
    response = poll(client, token)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert response.get_json()["error"] == "unavailable"
