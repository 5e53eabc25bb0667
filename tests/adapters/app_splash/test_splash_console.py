"""The console's 开屏位 page: each slot an account owns or reaches, its sizes and the rules its
splashes follow in plain Chinese (no raw JSON); an admin of the slot's account creates and
edits slots (audited), an author only reads, and another city's admin cannot touch them."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import select

from adapters.app_splash.models import SplashSlot
from hub import ports
from hub.audit.models import AuditEvent

sys.path.insert(0, str(Path(__file__).parents[2] / "console"))
from console_support import login, post_form  # noqa: E402

PAGE = "/console/a/dongguan/splash-slots"


def test_an_author_reads_the_slot_in_plain_words(client, splash_demo):
    login(client, "dg-editor")
    answer = client.get(PAGE)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'aria-current="page">开屏位</a>' in page
    assert "粤工惠 App 启动开屏" in page and "广东省总工会" in page  # the province's slot
    assert "1080×1920 竖屏（约 16:9）" in page and "1125×2436 竖屏（约 19.5:9）" in page
    assert "粤工惠 App 开屏（东莞）" in page  # the outlet through which 东莞 reaches it
    assert "跳过按钮从第一帧起一直可见" in page and "最长展示 3 秒" in page  # its default's rules
    assert "[[" not in page and "skip_button" not in page  # no raw JSON
    assert "新建开屏位" not in page and "修改名称或尺寸" not in page


def test_an_admin_creates_and_edits_a_slot(client, db, splash_demo):
    login(client, "gd-admin")
    bad = post_form(client, PAGE, {"code": "dg-home", "name": "东莞专区开屏",
                                   "sizes": "1080×1920\n宽屏"}, follow_redirects=True)
    assert "「宽屏」不是尺寸" in bad.get_data(as_text=True)
    assert db.scalar(select(SplashSlot).where(SplashSlot.code == "dg-home")) is None
    made = post_form(client, PAGE, {"code": "dg-home", "name": "东莞专区开屏",
                                    "sizes": "1080x1920, 750×1334"}, follow_redirects=True)
    said = made.get_data(as_text=True)
    assert "已创建开屏位「东莞专区开屏」" in said and "750×1334 竖屏（约 16:9）" in said
    again = post_form(client, PAGE, {"code": "dg-home", "name": "又一个", "sizes": "1080×1920"},
                      follow_redirects=True)
    assert "已被使用" in again.get_data(as_text=True)

    edited = post_form(client, PAGE, {"name": "东莞专区开屏（新）", "sizes": "1242×2688"},
                       to=PAGE + "/dg-home", follow_redirects=True)
    assert "已保存开屏位「东莞专区开屏（新）」" in edited.get_data(as_text=True)
    db.rollback()
    slot = db.scalar(select(SplashSlot).where(SplashSlot.code == "dg-home"))
    assert slot.sizes == [[1242, 2688]] and slot.version == 2
    assert slot.account_id == ports.account(db, "dongguan").id
    actions = db.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == "splash_slot", AuditEvent.subject_id == slot.id)).all()
    assert actions == ["splash.slot.create", "splash.slot.update"]
    assert client.get("/splash/v1/manifest?slot=dg-home").status_code in (200, 304)


def test_authors_and_other_cities_may_not_change_slots(app, db, splash_demo):
    author = app.test_client()
    login(author, "dg-editor")
    refused = post_form(author, PAGE, {"code": "dg-x", "name": "x", "sizes": "1080×1920"},
                        follow_redirects=True)
    assert "管理员权限" in refused.get_data(as_text=True)
    meizhou = app.test_client()
    login(meizhou, "mz-editor")
    assert meizhou.get(PAGE).status_code == 403
    # 东莞's author cannot edit the province's slot it reaches either.
    refused = post_form(author, PAGE, {"name": "改名", "sizes": "1080×1920"},
                        to=PAGE + "/app-launch", follow_redirects=True)
    assert "管理员权限" in refused.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(SplashSlot.name).where(SplashSlot.code == "app-launch")) \
        == "粤工惠 App 启动开屏"
    assert db.scalar(select(SplashSlot).where(SplashSlot.code == "dg-x")) is None


def test_the_api_creates_and_changes_slots_with_the_same_rules(client, db, splash_demo,
                                                               token_for):
    admin, author = token_for("gd-admin"), token_for("dg-editor")
    body = {"account": "dongguan", "code": "dg-api", "name": "东莞接口开屏",
            "sizes": [[1080, 1920], [1080, 1920]]}
    assert client.post("/api/v1/splash/slots", headers=author, json=body).status_code == 403
    made = client.post("/api/v1/splash/slots", headers=admin, json=body)
    assert made.status_code == 201 and made.get_json()["sizes"] == [[1080, 1920]]
    assert client.post("/api/v1/splash/slots", headers=admin, json=body).status_code == 409
    tiny = client.put("/api/v1/splash/slots/dg-api", headers=admin,
                      json={"name": "东莞接口开屏", "sizes": [[10, 10]]})
    assert tiny.status_code == 400 and "超出范围" in tiny.get_json()["message"]
    changed = client.put("/api/v1/splash/slots/dg-api", headers=admin,
                         json={"name": "改名", "sizes": [[750, 1334]]})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    assert client.put("/api/v1/splash/slots/app-launch", headers=author,
                      json={"name": "x", "sizes": [[750, 1334]]}).status_code == 403
