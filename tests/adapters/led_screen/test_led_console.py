"""The account's screens in the console: a waiting Xibo player is approved from the page by an
admin (not by an author), and each screen shows its kind, when it was seen, what it plays,
its last screenshot and its plays per day, and a screen's page its program with each slide as
the controller will get it; the page sits behind the console's login."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image
from sqlalchemy import select

from adapters.led_screen.models import LedItem, LedPlayHour, Screen, XiboDisplay
from adapters.led_screen.xmds.service import cms_key
from hub.ports import utcnow

sys.path.insert(0, str(Path(__file__).parents[2] / "console"))
from console_support import fresh, login, post_form  # noqa: E402

PAGE = "/console/a/dongguan/screens"


def _soap(client, method: str, **params) -> bytes:
    body = "".join(f"<{name}>{value}</{name}>" for name, value in params.items())
    envelope = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
                f'xmlns:tns="urn:xmds"><soap:Body><tns:{method}>{body}</tns:{method}>'
                "</soap:Body></soap:Envelope>")
    answer = client.post(f"/xmds.php?v=5&method={method}", data=envelope.encode(),
                         content_type="text/xml")
    assert b"Fault" not in answer.data, answer.data
    return answer.data


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 18), (10, 120, 60)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_the_page_needs_a_console_login(client, led_demo):
    answer = client.get(PAGE)
    assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]


def test_the_console_guards_and_headers_wrap_the_page(client, led_demo):
    login(client, "gd-admin")
    page = client.get(PAGE)
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    forged = client.post(PAGE + "/register", data={"code": "dg-forged", "name": "x",
                                                   "width": "9", "height": "9"})
    # No CSRF token: refused before the view runs, in the console's words (not Werkzeug's).
    assert forged.status_code == 400 and "表单已失效" in forged.get_data(as_text=True)


def test_an_admin_approves_a_waiting_player_and_sees_its_screen(app, client, db, config,
                                                                led_demo):
    key = cms_key(config.secret())
    player = app.test_client()
    _soap(player, "RegisterDisplay", serverKey=key, hardwareKey="hall-player-0001",
          displayName="工人文化宫大厅", clientType="android")

    login(client, "dg-editor")  # an author sees the page, but may not approve
    page = client.get(PAGE).get_data(as_text=True)
    assert "hall-player-0001" in page and "批准</button>" not in page
    client.post("/console/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', page).group(1)})

    login(client, "gd-admin")
    bad = post_form(client, PAGE, {"hardware_key": "hall-player-0001", "code": "dg-hall",
                                   "width": "wide", "height": "720"},
                    to=PAGE + "/approve", follow_redirects=True)
    assert "宽应为" in bad.get_data(as_text=True)
    done = post_form(client, PAGE, {"hardware_key": "hall-player-0001", "code": "dg-hall",
                                    "name": "", "width": "1280", "height": "720"},
                     to=PAGE + "/approve", follow_redirects=True)
    assert "已批准：工人文化宫大厅（dg-hall，1280×720）" in done.get_data(as_text=True)

    _soap(player, "RegisterDisplay", serverKey=key, hardwareKey="hall-player-0001")
    db.rollback()
    screen = db.scalar(select(Screen).where(Screen.code == "dg-hall"))
    item = db.scalar(select(LedItem).where(LedItem.role == "default",
                                           LedItem.outlet_id.isnot(None)).limit(1))
    status = f'{{"currentLayoutId": {item.id}}}'
    _soap(player, "NotifyStatus", serverKey=key, hardwareKey="hall-player-0001", status=status)
    _soap(player, "SubmitScreenShot", serverKey=key, hardwareKey="hall-player-0001",
          screenShot=_png())
    with app.extensions["hub.sessions"]() as writer:  # three plays an hour ago
        writer.add(LedPlayHour(screen_id=screen.id, item_id=item.id, post_id=None, plays=3,
                               seconds=45, hour=(utcnow() - dt.timedelta(hours=1)).replace(
                                   minute=0, second=0, microsecond=0)))
        writer.commit()

    page = client.get(PAGE).get_data(as_text=True)
    row = page[page.index("<code>dg-hall</code>"):].split("</tr>")[0]
    assert "Xibo 播放器" in row and "在线" in row and item.title in row
    assert "近 7 天共 3 次" in row
    shot = re.search(r'<img src="([^"]+)"', row).group(1)
    assert client.get(shot).data.startswith(b"\x89PNG")
    assert "hall-player-0001" not in page  # no longer waiting
    assert db.scalar(select(XiboDisplay.state).where(
        XiboDisplay.hardware_key == "hall-player-0001")) == "approved"
    guomao = page[page.index("<code>dg-guomao</code>"):].split("</tr>")[0]
    assert "自有协议" in guomao and "从未连接" in guomao


# -- an admin registers and runs a screen of the hub's own protocol from the console ---------

def _audited(db, action: str) -> int:
    """How many times gd-admin did this (the demo's own records are the hub's)."""
    from hub.audit.models import AuditEvent

    db.rollback()
    return len(db.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                   AuditEvent.actor_name == "gd-admin")).all())


def test_an_admin_registers_pairs_and_runs_a_screen(app, client, db, led_demo):
    login(client, "gd-admin")
    page = client.get(PAGE).get_data(as_text=True)
    assert "登记自有协议屏幕" in page and 'value="dg-city-screens"' in page  # groups offered
    refused = post_form(client, PAGE, {"code": "Bad Code", "name": "广场屏", "width": "960",
                                       "height": "480"}, to=PAGE + "/register",
                        follow_redirects=True)
    assert "代码只能用小写字母" in refused.get_data(as_text=True)
    assert db.scalar(select(Screen).where(Screen.name == "广场屏")) is None
    done = post_form(client, PAGE, {"code": "dg-square", "name": "广场屏", "place": "虎门广场",
                                    "width": "960", "height": "480", "controller": "novastar",
                                    "groups": "dg-city-screens"},
                     to=PAGE + "/register", follow_redirects=True)
    said = done.get_data(as_text=True)
    assert "已登记：广场屏（dg-square，960×480）" in said and "NovaStar" in said
    screen_page = PAGE + "/dg-square"
    assert _audited(db, "led.screen.create") == 1
    assert [g.code for g in db.scalar(select(Screen).where(Screen.code == "dg-square")).groups] \
        == ["dg-city-screens"]

    # Pairing: the controller asks for a code, the admin types it, the controller gets a token.
    started = app.test_client().post("/led/v1/pairings").get_json()
    wrong = post_form(client, screen_page, {"pairing_code": "ZZZZZZ"}, to=screen_page + "/pair",
                      follow_redirects=True)
    assert "配对码不存在或已过期" in wrong.get_data(as_text=True)
    paired = post_form(client, screen_page, {"pairing_code": started["pairing_code"].lower()},
                       to=screen_page + "/pair", follow_redirects=True)
    assert "配对成功" in paired.get_data(as_text=True)
    claim = app.test_client().post("/led/v1/pairings/claim",
                                   json={"claim_secret": started["claim_secret"]}).get_json()
    assert claim["status"] == "paired" and claim["screen"]["code"] == "dg-square"

    # A new token is shown once; the paired one stops working.
    issued = post_form(client, screen_page, {}, to=screen_page + "/token")
    token = re.search(r'<code class="secret">(led_[^<]+)</code>', issued.get_data(as_text=True))
    assert issued.status_code == 200 and token
    poll = app.test_client()
    assert poll.get("/led/v1/playlist", headers={
        "Authorization": f"Bearer {claim['token']}"}).status_code == 401
    assert poll.get("/led/v1/playlist", headers={
        "Authorization": f"Bearer {token.group(1)}"}).status_code == 200
    assert token.group(1) not in client.get(screen_page).get_data(as_text=True)
    revoked = post_form(client, screen_page, {}, to=screen_page + "/token/revoke",
                        follow_redirects=True)
    assert "设备令牌已作废" in revoked.get_data(as_text=True)
    assert poll.get("/led/v1/playlist", headers={
        "Authorization": f"Bearer {token.group(1)}"}).status_code == 401
    assert _audited(db, "led.token.issue") == 1 and _audited(db, "led.token.revoke") == 1
    assert _audited(db, "led.pairing.claim") == 1


def test_on_off_times_and_brightness_reach_the_screen(app, client, db, led_demo, device_token):
    token = device_token("dg-hongfu")
    login(client, "gd-admin")
    screen_page = PAGE + "/dg-hongfu"
    bad = post_form(client, screen_page, {"name": "鸿福路屏", "on_time": "07:00",
                                          "off_time": "23:00", "brightness_at_0": "07:00",
                                          "brightness_percent_0": "150"},
                    to=screen_page + "/settings")
    assert bad.status_code == 302 and bad.headers["Location"] == screen_page  # not the list
    assert "第 1 行亮度应为 0–100 的整数" in client.get(screen_page).get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(Screen).where(Screen.code == "dg-hongfu")).on_time == "06:30"
    saved = post_form(client, screen_page, {"name": "鸿福路屏", "place": "鸿福路口",
                                            "on_time": "07:00", "off_time": "23:30",
                                            "brightness_at_0": "19:00",
                                            "brightness_percent_0": "60",
                                            "brightness_at_1": "07:00",
                                            "brightness_percent_1": "90"},
                      to=screen_page + "/settings", follow_redirects=True)
    said = saved.get_data(as_text=True)
    assert "已保存" in said and "每天 07:00 开屏，23:30 关屏" in said
    assert "07:00 起 90%；19:00 起 60%" in said
    playlist = app.test_client().get("/led/v1/playlist", headers={
        "Authorization": f"Bearer {token}"}).get_json()
    assert playlist["power"] == {"on": "07:00", "off": "23:30"}
    assert playlist["brightness"] == [{"at": "07:00", "percent": 90},
                                                {"at": "19:00", "percent": 60}]
    assert _audited(db, "led.screen.update") == 1


def test_authors_see_a_screen_but_may_not_run_it(client, db, led_demo):
    login(client, "dg-editor")
    assert "登记自有协议屏幕" not in client.get(PAGE).get_data(as_text=True)
    screen_page = PAGE + "/dg-guomao"
    shown = client.get(screen_page)
    assert shown.status_code == 200 and "签发新令牌" not in shown.get_data(as_text=True)
    for action, data in (("/register", {"code": "dg-x", "name": "x", "width": "9",
                                        "height": "9"}),):
        refused = post_form(client, PAGE, data, to=PAGE + action, follow_redirects=True)
        assert "管理员权限" in refused.get_data(as_text=True)
    for action in ("/token", "/token/revoke", "/pair", "/settings"):
        refused = post_form(client, screen_page, {"pairing_code": "ABCDEF", "name": "x"},
                            to=screen_page + action, follow_redirects=True)
        assert "管理员权限" in refused.get_data(as_text=True), action
    db.rollback()
    guomao = db.scalar(select(Screen).where(Screen.code == "dg-guomao"))
    assert guomao.name != "x" and db.scalar(select(Screen).where(Screen.code == "dg-x")) is None
    assert client.get("/console/a/meizhou/screens/dg-guomao").status_code in (403, 404)


def test_a_screen_page_shows_its_program_as_the_controller_will_get_it(
        client, db, led_demo, token_for, dispatcher):
    from led_helpers import create_post, publish, upload

    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    cover = upload(client, author, "dongguan", 1600, 900)
    post = create_post(client, author, kind="promotion", title="鸿福路口职工服务周",
                       cover_media_id=cover, channels=["led"])
    publish(client, author, reviewer, post["id"])
    dispatcher.drain()

    login(client, "dg-editor")
    page = client.get(PAGE + "/dg-hongfu").get_data(as_text=True)
    assert "节目单" in page and "鸿福路口职工服务周" in page
    picture = re.search(r'<img class="thumb" src="([^"]+)" alt="「鸿福路口职工服务周」', page)
    assert picture, "the program shows the slide as the screen will show it"
    drawn = client.get(urlsplit(picture.group(1)).path)
    assert drawn.status_code == 200
    assert Image.open(io.BytesIO(drawn.data)).size == (768, 384)


def test_a_province_screen_joins_a_group_made_on_its_page_and_then_plays(
        client, db, led_demo, token_for, dispatcher):
    """The province has no screen group: its registration form says what to do, the new
    screen's page says why nothing plays and makes a group (bound as the province's LED
    outlet) with the screen in it, and then a province post reaches that screen."""
    from led_helpers import create_post, upload

    from adapters.led_screen.models import ScreenGroup
    from hub import ports

    login(client, "gd-admin")
    province = "/console/a/guangdong/screens"
    form = client.get(province).get_data(as_text=True)
    assert 'name="groups"' not in form and "广东省总工会及其上级账号还没有屏幕组" in form
    post_form(client, province, {"code": "gd-hq-gate", "name": "省总大楼门口屏",
                                 "width": "1920", "height": "1080"}, to=province + "/register")
    screen_page = province + "/gd-hq-gate"
    page = client.get(screen_page).get_data(as_text=True)
    assert "本屏还没有加入屏幕组，收不到稿件" in page
    assert "广东省总工会及其上级账号还没有屏幕组" in page
    assert 'value="guangdong-screens"' in page  # a free code, offered

    made = post_form(client, screen_page, {"group_name": "省总大屏",
                                           "group_code": "guangdong-screens"},
                     to=screen_page + "/groups/new", follow_redirects=True)
    said = made.get_data(as_text=True)
    assert "已新建屏幕组「省总大屏」（guangdong-screens）并把本屏加入" in said
    fresh(db)
    group = db.scalar(select(ScreenGroup).where(ScreenGroup.code == "guangdong-screens"))
    assert [s.code for s in group.screens] == ["gd-hq-gate"]
    [outlet] = ports.outlets(db, "led", key="guangdong-screens")
    assert outlet.account_code == "guangdong"
    assert _audited(db, "led.group.create") == 1 and _audited(db, "outlet.bind") == 1

    admin = token_for("gd-admin")
    cover = upload(client, admin, "guangdong", 1600, 900)
    post = create_post(client, admin, account="guangdong", kind="promotion",
                       title="全省职工书法展", cover_media_id=cover, channels=["led"])
    published = client.post(f"/api/v1/posts/{post['id']}/publish", headers=admin)
    assert published.status_code == 200, published.get_json()
    dispatcher.drain()
    program = client.get(screen_page).get_data(as_text=True)
    assert re.search(r'<img class="thumb" src="[^"]+" alt="「全省职工书法展」', program)


def test_an_admin_moves_a_screen_between_the_groups_it_may_join(client, db, led_demo):
    """A Humen screen may join Humen's group and Dongguan's (above it), not Meizhou's; the
    page offers those two, ticked as they are, and saving changes only this screen."""
    from adapters.led_screen.models import ScreenGroup

    login(client, "gd-admin")
    screen_page = PAGE + "/dg-humen-bus"
    page = client.get(screen_page).get_data(as_text=True)
    ticked = re.findall(r'name="groups" value="([^"]+)"( checked)?', page)
    assert ticked == [("dg-city-screens", ""), ("dg-humen-screens", " checked")]
    saved = post_form(client, screen_page, {"groups": ["dg-city-screens"]},
                      to=screen_page + "/groups", follow_redirects=True)
    assert "已保存：本屏在屏幕组 东莞市区大屏 中" in saved.get_data(as_text=True)
    fresh(db)
    members = {group.code: [s.code for s in group.screens]
               for group in db.scalars(select(ScreenGroup))}
    assert "dg-humen-bus" in members["dg-city-screens"]
    assert members["dg-humen-screens"] == ["dg-humen-station"]
    refused = post_form(client, screen_page, {"groups": ["mz-screens"]},
                        to=screen_page + "/groups", follow_redirects=True)
    assert "只能加入本屏所属账号或其上级账号的屏幕组" in refused.get_data(as_text=True)
    fresh(db)
    assert "dg-humen-bus" not in [s.code for s in db.scalar(
        select(ScreenGroup).where(ScreenGroup.code == "mz-screens")).screens]



DRAFT = {"kind": "article", "title": "职工服务周", "body": "正文", "channels_shown": "1",
         "channels": ["led"]}
COMPOSE = "/console/a/dongguan/compose"


def test_a_group_preview_names_each_screen_size_once(client, db, led_demo):
    """东莞市区大屏 holds two 1920×1080 screens: its preview's size list names that size
    once, in the screens' order."""
    from adapters.led_screen.models import ScreenGroup

    login(client, "dg-editor")
    previews = post_form(client, COMPOSE, DRAFT, to="/console/a/dongguan/draft/previews")
    [led] = [p for p in previews.get_json()["previews"] if p["channel"] == "led"]
    group = db.scalar(select(ScreenGroup).where(ScreenGroup.code == "dg-city-screens"))
    sizes = [f"{s.width}×{s.height}" for s in group.screens]
    assert len(sizes) > len(set(sizes))  # the demo group repeats a size
    assert led["pixel_size"] == "、".join(dict.fromkeys(sizes))


def test_the_1to1_preview_page_has_a_chinese_title(client, db, led_demo):
    """The 1:1 view opens in a tab of its own: the tab names the post, the outlet and what
    the page is, instead of showing its address."""
    from hub import ports

    login(client, "dg-editor")
    [outlet] = ports.outlets(db, "led", key="dg-city-screens")
    native = post_form(client, COMPOSE, DRAFT | {"full": "1"},
                       to=f"/console/a/dongguan/draft/preview/{outlet.id}")
    title = re.search(r"<title>([^<]*)</title>", native.get_data(as_text=True))
    assert title and title.group(1) == "职工服务周 · LED 大屏 · 按 1:1 像素预览"
