"""The account's screens in the console: a waiting Xibo player is approved from the page by an
admin (not by an author), and each screen shows its kind, when it was seen, what it plays,
its last screenshot and its plays per day; the page sits behind the console's login."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import sys
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from adapters.led_screen.models import LedItem, LedPlayHour, Screen, XiboDisplay
from adapters.led_screen.xmds.service import cms_key
from hub.ports import utcnow

sys.path.insert(0, str(Path(__file__).parents[2] / "console"))
from console_support import login, post_form  # noqa: E402

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
