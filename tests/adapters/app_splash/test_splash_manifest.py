"""The manifest the app pulls: the current splash and the ones to preload with their windows,
images at every size from one upload, targeting by region and account, priority, the
default splash, ETag and 304, daily caps per member, and impressions and clicks counted."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from PIL import Image
from splash_helpers import DONGGUAN_APP, promotion
from sqlalchemy import func, select

from adapters.app_splash import services
from adapters.app_splash.models import SplashDailyCount, SplashEventBatch, SplashSlot


def _get(client, path, etag=None):
    return client.get(path, headers={"If-None-Match": etag} if etag else {})


def test_default_splash_etag_and_304(client, splash_demo):
    first = _get(client, DONGGUAN_APP)
    assert first.status_code == 200
    body = first.get_json()
    assert body["current"] is None and body["default"]["title"] == "粤工惠 · 广东工会服务职工"
    assert body["rules"] == {"skip_button": "always", "skip_taps": 1,
                             "max_skip_after_seconds": 5, "tap_area": "button",
                             "shake_trigger": False}
    tag = first.headers["ETag"]
    assert tag.startswith('"spl-') and "no-cache" in first.headers["Cache-Control"]
    assert _get(client, DONGGUAN_APP, tag).status_code == 304
    # Behind a compressing proxy the tag comes back weak; the app's copy is still current.
    assert _get(client, DONGGUAN_APP, f"W/{tag}").status_code == 304
    assert _get(client, "/splash/v1/manifest", tag).status_code in (200, 304)
    assert _get(client, "/splash/v1/manifest?slot=nowhere").status_code == 404


def test_a_promotion_is_current_with_images_at_every_size(client, token_for, splash_demo,
                                                          dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    tag = _get(client, DONGGUAN_APP).headers["ETag"]
    post, published = promotion(client, author, reviewer, options={
        "priority": 10, "daily_cap": 2, "skip_after_seconds": 4,
        "link": {"type": "miniprogram", "appid": "wx1234567890abcdef",
                 "path": "pages/coupon/index?id=7"}})
    assert published.status_code == 200, published.get_json()
    dispatcher.drain()
    response = _get(client, DONGGUAN_APP, tag)
    assert response.status_code == 200
    current = response.get_json()["current"]
    assert current["post_id"] == post["id"] and current["priority"] == 10
    assert current["daily_cap"] == 2 and current["rules"]["skip_after_seconds"] == 4
    assert current["link"] == {"type": "miniprogram", "appid": "wx1234567890abcdef",
                               "path": "pages/coupon/index?id=7"}
    sizes = []
    for image in current["images"]:
        data = client.get(image["url"].replace("http://localhost", "")).data
        assert hashlib.sha256(data).hexdigest() == image["sha256"]
        assert len(data) == image["byte_size"] <= 600 * 1024
        with Image.open(io.BytesIO(data)) as picture:
            assert picture.size == (image["width"], image["height"])
        sizes.append((image["width"], image["height"]))
    assert sorted(sizes) == sorted([(1080, 1920), (1242, 2688), (750, 1334), (1125, 2436)])
    stats = client.get(f"/api/v1/splash/items/{current['id']}", headers=author).get_json()
    assert stats["regions"] == ["4419"] and stats["live"] is True


def test_targeting_by_region_and_account(client, token_for, splash_demo, dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    local, _ = promotion(client, author, reviewer, title="东莞本地活动")
    humen, _ = promotion(client, author, reviewer, title="虎门专场", options={
        "accounts": ["dg-humen"], "priority": 5})
    dispatcher.drain()

    def current(query):
        shown = _get(client, f"/splash/v1/manifest?{query}").get_json()["current"]
        return shown["post_id"] if shown else None

    assert current("region=441900") == local["id"]
    assert current("region=441900101&account=dongguan") == local["id"]  # a town in 东莞
    assert current("region=441400&account=meizhou") is None
    assert current("account=dg-humen") == humen["id"]  # aimed at 虎门's members
    assert current("account=dg-humen-garment") == humen["id"]  # a union beneath 虎门
    assert current("account=dg-changan") is None


def test_upcoming_splashes_are_listed_to_preload(client, token_for, splash_demo, dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=9)).isoformat()
    soon, _ = promotion(client, author, reviewer, title="明日开抢", options={
        "starts_at": tomorrow})
    far, _ = promotion(client, author, reviewer, title="下月活动", options={"starts_at": later})
    dispatcher.drain()
    body = _get(client, DONGGUAN_APP).get_json()
    assert body["current"] is None
    upcoming = [entry["post_id"] for entry in body["upcoming"]]
    assert soon["id"] in upcoming and far["id"] not in upcoming
    entry = next(e for e in body["upcoming"] if e["post_id"] == soon["id"])
    assert entry["starts_at"] and entry["images"]


def _app_key(db, code="app-launch") -> str:
    key = services.issue_app_key(db, services.get_slot(db, code))
    db.commit()
    return key


def _events(client, batch_id, events, key):
    return client.post("/splash/v1/events", json={"batch_id": batch_id, "events": events},
                       headers={"Authorization": f"Bearer {key}"})


def test_daily_cap_per_member_and_counts(client, db, token_for, splash_demo, dispatcher):
    key = _app_key(db)
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    post, _ = promotion(client, author, reviewer, options={"daily_cap": 2})
    dispatcher.drain()
    mine = f"{DONGGUAN_APP}&member=m-1001"
    before = _get(client, mine)
    item = before.get_json()["current"]["id"]
    now = dt.datetime.now(dt.UTC).isoformat()
    seen = [{"item_id": item, "type": "impression", "at": now, "member": "m-1001"}] * 2
    clicked = [{"item_id": item, "type": "click", "at": now, "member": "m-1001"}]
    skipped = [{"item_id": item, "type": "skip", "at": now}]
    assert _events(client, "e-1", seen + clicked + skipped, key).get_json()["accepted"] == 4
    assert _events(client, "e-1", seen, key).get_json()["duplicate"] is True  # counted once
    after = _get(client, mine, before.headers["ETag"])
    assert after.status_code == 200 and after.get_json()["current"] is None  # capped today
    other = _get(client, f"{DONGGUAN_APP}&member=m-2002").get_json()
    assert other["current"]["id"] == item
    stats = client.get(f"/api/v1/splash/posts/{post['id']}/stats", headers=author).get_json()
    assert (stats["impressions"], stats["clicks"], stats["skips"]) == (2, 1, 1)
    assert stats["click_rate"] == 0.5
    # What the console's overview shows of the post, through the channel port.
    from hub import channels
    assert channels.get_channel("splash").post_figures([post["id"]]) == \
        {post["id"]: {"开屏曝光": 2}}
    today = dt.date.today().isoformat()
    since = client.get(f"/api/v1/splash/posts/{post['id']}/stats?since={today}", headers=author)
    assert since.get_json()["impressions"] == 2
    later = client.get(f"/api/v1/splash/posts/{post['id']}/stats?since=2099-01-01",
                       headers=author)
    assert later.get_json()["impressions"] == 0
    for url in (f"/api/v1/splash/posts/{post['id']}/stats", f"/api/v1/splash/items/{item}"):
        bad = client.get(f"{url}?since=yesterday", headers=author)  # was a 500
        assert bad.status_code == 400 and "since" in bad.get_json()["fields"]


def test_reports_need_the_slots_app_key_and_count_only_its_items(client, db, token_for,
                                                                 splash_demo):
    item = client.get(DONGGUAN_APP).get_json()["default"]["id"]
    now = dt.datetime.now(dt.UTC).isoformat()
    seen = [{"item_id": item, "type": "impression", "at": now}]
    no_key = client.post("/splash/v1/events", json={"batch_id": "k-0", "events": seen})
    assert no_key.status_code == 401 and "App 密钥" in no_key.get_json()["message"]
    assert _events(client, "k-1", seen, "spk_guessed").status_code == 401
    old_key = _app_key(db)
    key = _app_key(db)  # issuing again replaces the key
    assert _events(client, "k-2", seen, old_key).status_code == 401
    # Another app's slot: its key counts nothing of this slot's items.
    province = db.scalar(select(SplashSlot.account_id).where(SplashSlot.code == "app-launch"))
    db.add(SplashSlot(account_id=province, code="other-app", name="另一个 App"))
    db.commit()
    other = _events(client, "k-3", seen, _app_key(db, "other-app")).get_json()
    assert (other["accepted"], other["rejected"]) == (0, 1)
    mixed = _events(client, "k-4", seen + [{**seen[0], "item_id": 999_999}], key).get_json()
    assert (mixed["accepted"], mixed["rejected"]) == (1, 1)
    db.rollback()
    assert db.scalar(select(func.sum(SplashDailyCount.impressions))) == 1
    stored = db.scalars(select(SplashSlot.app_key_hash)).all()
    assert key not in stored and hashlib.sha256(key.encode()).hexdigest() in stored


def test_an_admin_issues_an_app_key_through_the_api(client, db, token_for, splash_demo):
    path = "/api/v1/splash/slots/app-launch/app-key"
    assert client.post(path, headers=token_for("dg-editor")).status_code == 403
    issued = client.post(path, headers=token_for("gd-admin"))
    assert issued.status_code == 201
    key = issued.get_json()["app_key"]
    assert key.startswith("spk_")
    item = client.get(DONGGUAN_APP).get_json()["default"]["id"]
    now = dt.datetime.now(dt.UTC).isoformat()
    answer = _events(client, "a-1", [{"item_id": item, "type": "click", "at": now}], key)
    assert answer.status_code == 200 and answer.get_json()["accepted"] == 1


def test_malformed_event_batches_store_nothing(client, db, splash_demo):
    key = _app_key(db)
    now = dt.datetime.now(dt.UTC).isoformat()
    good = {"item_id": 1, "type": "impression", "at": now}
    for body in ({"batch_id": "x1", "events": [good, {**good, "type": "shake"}]},
                 {"batch_id": "x2", "events": [good, {**good, "at": "2026-11-20T09:00:00"}]},
                 {"batch_id": "x3", "events": []},
                 {"batch_id": "x4", "events": [good, {**good, "at": "2099-01-01T00:00:00Z"}]},
                 {"events": [good]}):
        response = client.post("/splash/v1/events", json=body,
                               headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 400, body
    db.rollback()
    assert db.scalar(select(func.count(SplashEventBatch.id))) == 0
    assert db.scalar(select(func.count(SplashDailyCount.id))) == 0
