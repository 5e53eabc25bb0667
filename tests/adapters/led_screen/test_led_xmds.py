"""The hub as a Xibo CMS (XMDS), checked with the Xibo player's own XMDS client
(`@xiboplayer/xmds`, run by Node against the hub over real HTTP): a new display waits, is
approved as a 东莞 screen, downloads its files (size and md5 checked), gets the promotion in
its schedule, and its proof of play counts once on that screen. SOAP faults (HTTP 500, as the
CMS sends them; never an unhandled error) for a wrong key, an unknown display and hostile XML;
429 with Retry-After for a display collecting faster than its interval."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from defusedxml import ElementTree
from led_helpers import LiveHub, create_post, publish, upload
from PIL import Image
from sqlalchemy import func, select

from adapters.led_screen.cli import screen as screen_cli
from adapters.led_screen.models import LedItem, LedPlayHour, Screen, XiboDisplay
from adapters.led_screen.xmds import documents
from adapters.led_screen.xmds.service import cms_key
from hub.clock import SHANGHAI

NODE_PROJECT = Path(__file__).parent / "xibo_player"
ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/"
HARDWARE_KEY = "hub-test-display-0001"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.fixture
def xmds_client():
    """run(cms_url, key, steps) -> the Node client's results, one per step."""
    node = shutil.which("node")
    installed = (NODE_PROJECT / "node_modules" / "@xiboplayer" / "xmds").is_dir()
    if node is None or not installed:
        reason = "node or the Xibo client is missing (cd tests/adapters/led_screen/" \
                 "xibo_player && npm ci)"
        if _in_ci():
            pytest.fail(reason)
        pytest.skip(reason)

    def run(cms_url: str, key: str, steps: list[dict], hardware_key: str = HARDWARE_KEY,
            client_code: int | None = None):
        request = {"cmsUrl": cms_url, "cmsKey": key, "hardwareKey": hardware_key,
                   "steps": steps, "clientCode": client_code}
        done = subprocess.run([node, "xmds_client.mjs"], input=json.dumps(request), text=True,
                              capture_output=True, cwd=NODE_PROJECT, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


@pytest.fixture
def hub_live(app):
    server = LiveHub(app)
    yield server
    server.stop()


def _promotion(client, token_for, dispatcher) -> int:
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    cover = upload(client, author, "dongguan", 1600, 900)
    post = create_post(client, author, kind="promotion", title="东莞职工电影周 半价观影",
                       cover_media_id=cover, channels=["led"])
    assert publish(client, author, reviewer, post["id"]).status_code == 200
    dispatcher.drain()
    return post["id"]


def _stats(item_id: int, count: int) -> str:
    start = dt.datetime.now(SHANGHAI).replace(microsecond=0) - dt.timedelta(minutes=5)
    end = start + dt.timedelta(seconds=15)
    return (f'<stats><stat type="layout" fromdt="{start:%Y-%m-%d %H:%M:%S}" '
            f'todt="{end:%Y-%m-%d %H:%M:%S}" scheduleid="{item_id}" layoutid="{item_id}" '
            f'count="{count}" duration="{15 * count}"/>'
            f'<stat type="media" fromdt="{start:%Y-%m-%d %H:%M:%S}" '
            f'todt="{end:%Y-%m-%d %H:%M:%S}" scheduleid="{item_id}" layoutid="{item_id}" '
            f'mediaid="1" count="{count}" duration="15"/></stats>')


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), (200, 30, 30)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _approve(app, *arguments: str, hardware_key: str = HARDWARE_KEY):
    return CliRunner().invoke(screen_cli, ["approve", "--hardware-key", hardware_key,
                                           "--account", "dongguan", *arguments],
                              obj=app, catch_exceptions=False)


def test_a_xibo_client_waits_is_approved_plays_the_promotion_and_its_plays_count(
        app, client, db, config, token_for, dispatcher, led_demo, hub_live, xmds_client):
    post_id = _promotion(client, token_for, dispatcher)
    key = cms_key(config.secret())
    assert CliRunner().invoke(screen_cli, ["xibo-key"]).output.strip() == key

    # Faults go out as the CMS sends them, HTTP 500; this client reports the status.
    wrong = xmds_client(hub_live.url, "not-the-key", [{"call": "registerDisplay"}])
    assert not wrong[0]["ok"] and "failed: 500" in wrong[0]["error"]
    waiting = xmds_client(hub_live.url, key, [{"call": "registerDisplay"},
                                              {"call": "requiredFiles"}])
    assert waiting[0]["value"]["code"] == "WAITING"
    assert "failed: 500" in waiting[1]["error"]  # nothing for a display nobody approved

    approved = _approve(app, "--code", "dg-xibo-hall", "--width", "1280", "--height", "720")
    assert approved.exit_code == 0, approved.output
    results = xmds_client(hub_live.url, key, [
        {"call": "registerDisplay"}, {"call": "download"}, {"call": "schedule"},
        {"call": "notifyStatus", "args": [{"currentLayoutId": 0}]},
        {"call": "mediaInventory", "args": ['<files><file type="media" id="1" complete="1"/>'
                                            "</files>"]},
        {"call": "submitScreenShot", "args": [_png()]},
        {"call": "submitLog", "args": ['<logs><log date="2026-12-07 12:00:00" '
                                       'category="error"><message>测试日志</message></log></logs>']},
        {"call": "registerDisplay"}])
    assert all(result["ok"] for result in results), results
    ready, files, schedule, *_, again = (result["value"] for result in results)
    assert ready["code"] == "READY"
    assert (ready["settings"]["sizeX"], ready["settings"]["sizeY"]) == ("1280", "720")
    assert int(ready["settings"]["collectInterval"]) >= 60
    assert ready["settings"]["latitude"]  # or the player looks itself up on the internet
    # Nothing changed: the same checksums, so the player fetches nothing again.
    assert (again["checkRf"], again["checkSchedule"]) == (ready["checkRf"],
                                                           ready["checkSchedule"])

    db.rollback()
    screen = db.scalar(select(Screen).where(Screen.code == "dg-xibo-hall"))
    # The post is on the account's screen group (the approved screen joined it) and on the
    # 国贸 屏王 slot's own outlet: the display gets the group's item.
    item = db.scalar(select(LedItem).where(LedItem.post_id == post_id, LedItem.id.in_(
        [int(f["id"]) for f in files if f["type"] == "layout"])))
    assert item is not None
    assert {f["type"] for f in files} == {"media", "layout"}
    assert all(f["status"] == 200 and f["sizeMatches"] and f["md5Matches"] for f in files)
    promotion_layout = next(f for f in files if f["type"] == "layout" and
                            f["id"] == str(item.id))
    assert 'width="1280" height="720"' in promotion_layout["text"]
    assert str(item.id) in {layout["file"] for layout in schedule["layouts"]}
    assert schedule["default"] not in (None, "0")

    stats = _stats(item.id, 2)
    sent = xmds_client(hub_live.url, key, [{"call": "submitStats", "args": [stats]},
                                           {"call": "submitStats", "args": [stats]}])
    assert [result["value"] for result in sent] == [True, True]
    db.rollback()
    plays = db.scalar(select(func.sum(LedPlayHour.plays)).where(
        LedPlayHour.screen_id == screen.id, LedPlayHour.item_id == item.id))
    assert plays == 2  # two plays, the resent document counted once, media records not
    display = db.scalar(select(XiboDisplay).where(XiboDisplay.hardware_key == HARDWARE_KEY))
    assert display.screenshot_sha256 and display.status["log"][0]["message"] == "测试日志"
    assert display.status["inventory"]["complete"] == 1
    assert screen.last_heartbeat_at is not None


def _soap(client, method: str, body: str, v: str = "5"):
    envelope = ('<?xml version="1.0"?><soap:Envelope xmlns:soap='
                '"http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:xmds">'
                f"<soap:Body><tns:{method}>{body}</tns:{method}></soap:Body></soap:Envelope>")
    return client.post(f"/xmds.php?v={v}&method={method}", data=envelope.encode(),
                       content_type="text/xml; charset=utf-8")


def _params(**values) -> str:
    return "".join(f"<{name}>{value}</{name}>" for name, value in values.items())


def test_bad_requests_get_soap_faults_as_the_cms_sends_them(app, client, config, led_demo):
    key = cms_key(config.secret())
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><soap:Envelope xmlns:soap='
            '"http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>&lol2;</x>'
            "</soap:Body></soap:Envelope>")
    answers = [
        client.post("/xmds.php?v=5&method=RegisterDisplay", data=b"not xml at all"),
        client.post("/xmds.php?v=5&method=RegisterDisplay", data=bomb.encode()),
        _soap(client, "RegisterDisplay", _params(serverKey="wrong", hardwareKey="abc")),
        _soap(client, "RegisterDisplay", _params(serverKey=key, hardwareKey="")),
        _soap(client, "RegisterDisplay", _params(serverKey=key, hardwareKey="x" * 101)),
        _soap(client, "RequiredFiles", _params(serverKey=key, hardwareKey="never-registered")),
        _soap(client, "Schedule", _params(serverKey=key, hardwareKey="abc"), v="99"),
        _soap(client, "DropTables", _params(serverKey=key, hardwareKey="abc")),
    ]
    for answer in answers:  # SOAP 1.1 faults, with HTTP 500 as the CMS answers them
        assert answer.status_code == 500 and answer.content_type.startswith("text/xml")
        fault = ElementTree.fromstring(answer.data).find(f"{{{ENVELOPE}}}Body/{{{ENVELOPE}}}Fault")
        assert fault is not None and fault.findtext("faultstring")
        assert fault.findtext("faultcode") in ("SOAP-ENV:Sender", "SOAP-ENV:Receiver")


def test_an_approved_display_gets_faults_for_hostile_reports(app, client, db, config,
                                                             led_demo):
    key = cms_key(config.secret())
    _soap(client, "RegisterDisplay", _params(serverKey=key, hardwareKey=HARDWARE_KEY))
    assert _approve(app, "--code", "dg-xibo-gate").exit_code == 0
    huge = "&lt;stats&gt;" + "&lt;stat/&gt;" * 200_000 + "&lt;/stats&gt;"
    for method, body in [
        ("SubmitStats", _params(statXml=huge)),
        ("SubmitStats", _params(statXml="&lt;stats")),
        ("NotifyStatus", _params(status="[1, 2")),
        ("SubmitScreenShot", _params(screenShot=base64.b64encode(b"GIF89a").decode())),
        ("SubmitScreenShot", _params(screenShot="***")),
        ("GetResource", _params(layoutId="999999", regionId="1", mediaId="1")),
    ]:
        answer = _soap(client, method, _params(serverKey=key, hardwareKey=HARDWARE_KEY) + body)
        assert answer.status_code == 500 and b"<SOAP-ENV:Fault>" in answer.data, method
    db.rollback()
    screen = db.scalar(select(Screen).where(Screen.code == "dg-xibo-gate"))
    assert (screen.width, screen.height) == (1920, 1080)  # nothing reported: the default
    assert screen.controller == "xibo"
    assert db.scalar(select(func.count(LedPlayHour.id))) == 0


def test_approving_twice_or_an_unknown_display_is_refused_in_chinese(app, client, config,
                                                                    led_demo):
    unknown = _approve(app, "--code", "dg-xibo-x")
    assert unknown.exit_code == 1 and "没有硬件码" in unknown.output
    _soap(client, "RegisterDisplay", _params(serverKey=cms_key(config.secret()),
                                             hardwareKey=HARDWARE_KEY))
    assert _approve(app, "--code", "dg-xibo-x").exit_code == 0
    again = _approve(app, "--code", "dg-xibo-y")
    assert again.exit_code == 1 and "已获批准" in again.output


def test_a_display_collecting_faster_than_its_interval_is_told_to_wait(
        app, client, config, led_demo, hub_live, xmds_client):
    from adapters.led_screen.xmds.service import COLLECTIONS_PER_INTERVAL
    from hub import api

    key = cms_key(config.secret())
    xmds_client(hub_live.url, key, [{"call": "registerDisplay"}])
    assert _approve(app, "--code", "dg-xibo-fast").exit_code == 0
    # A collection on schedule and a few restarts pass; one more within the interval does
    # not, while the player's other calls (status every few seconds) go on.
    steps = [{"call": "registerDisplay"}] * (COLLECTIONS_PER_INTERVAL + 1) + [
        {"call": "notifyStatus", "args": [{"currentLayoutId": 0}]}]
    results = xmds_client(hub_live.url, key, steps)
    assert all(r["ok"] for r in results[:COLLECTIONS_PER_INTERVAL]), results
    assert "failed: 429" in results[COLLECTIONS_PER_INTERVAL]["error"]
    assert results[-1]["ok"]

    refused = _soap(client, "RegisterDisplay", _params(serverKey=key, hardwareKey=HARDWARE_KEY))
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 300
    assert "采集过于频繁" in refused.get_data(as_text=True)
    api.rate_limits(app).forget_all()  # as if the interval had passed
    assert xmds_client(hub_live.url, key, [{"call": "registerDisplay"}])[0]["value"][
        "code"] == "READY"


def _layout(item_id: int, role="normal", priority=0, share=100, windows=None, valid=None):
    day = dt.date(2026, 12, 7)  # a Monday
    entries = documents.clip(documents.day_intervals(windows or [], day, 5), *(valid or
                                                                             (None, None)))
    return documents.Layout(item_id, role, priority, share, 10, "<layout/>", None, entries)


def test_the_hubs_schedule_becomes_xibo_entries():
    evening = [{"from_date": None, "to_date": None, "weekdays": [1, 2], "start": "18:00",
                "end": "02:00"}]
    until = dt.datetime(2026, 12, 9, 4, 0, tzinfo=dt.UTC)  # Wed 12:00 in Shanghai
    xml = documents.schedule_xml([
        _layout(1, "interrupt", priority=2, share=100),
        _layout(2, "interrupt", share=25),
        _layout(3, windows=evening, priority=5),
        _layout(4, valid=(None, until)),
        _layout(5, "default"), _layout(6, "default")])
    assert '<default file="5"/>' in xml  # Xibo has one default: the first
    assert 'file="1" fromdt="2026-12-07 00:00:00" todt="2026-12-12 00:00:00" scheduleid="1" ' \
           'priority="1002" shareOfVoice="0"' in xml  # a full interrupt takes the screen
    assert 'file="2"' in xml and 'shareOfVoice="900"' in xml  # 25 % = 900 s an hour
    # Monday and Tuesday evenings only, running past midnight.
    assert xml.count('file="3"') == 2
    assert 'fromdt="2026-12-08 18:00:00" todt="2026-12-09 02:00:00"' in xml
    assert 'file="4" fromdt="2026-12-07 00:00:00" todt="2026-12-09 12:00:00"' in xml
    assert 'file="6"' not in xml
    percent = documents.schedule_xml([_layout(2, "interrupt", share=25)],
                                     documents.SHARE_PERCENT)
    assert 'shareOfVoice="25"' in percent  # for players that read a percentage


def test_each_player_reads_an_interrupts_share_of_voice_as_a_quarter_of_the_hour(
        app, db, config, led_demo, hub_live, xmds_client):
    """25 % an hour: @xiboplayer's own interrupt scheduler gets 900 s from what the hub sends
    it (a percentage), and a display with a Xibo release code gets 900 (seconds, as the CMS
    sends them). The 东莞 screens' default program is made the interrupt."""
    key = cms_key(config.secret())
    official = "hub-test-display-r406"
    for hardware_key, code, client_code in [(HARDWARE_KEY, "dg-xibo-npm", None),
                                            (official, "dg-xibo-r406", 406)]:
        xmds_client(hub_live.url, key, [{"call": "registerDisplay"}], hardware_key,
                    client_code)
        assert _approve(app, "--code", code, "--width", "320", "--height", "160",
                        hardware_key=hardware_key).exit_code == 0  # small: quick to draw
    db.rollback()
    items = list(db.scalars(select(LedItem).where(LedItem.role == "default")))
    for item in items:
        item.role, item.share_of_voice = "interrupt", 25
    db.commit()

    npm = xmds_client(hub_live.url, key, [{"call": "registerDisplay"},
                                          {"call": "interruptSeconds"}])
    assert npm[1]["ok"], npm
    assert set(npm[1]["value"].values()) == {900}
    r406 = xmds_client(hub_live.url, key, [{"call": "registerDisplay"}, {"call": "schedule"}],
                       official, 406)
    shares = {layout["shareOfVoice"] for layout in r406[1]["value"]["layouts"]
              if int(layout["file"]) in {item.id for item in items}}
    assert shares == {900}


WSDL = "http://schemas.xmlsoap.org/wsdl/"
# The operations of the CMS's lib/Xmds/service_v5.wsdl.
CMS_V5 = {"RegisterDisplay", "RequiredFiles", "GetFile", "Schedule", "BlackList", "SubmitLog",
          "SubmitStats", "MediaInventory", "GetResource", "NotifyStatus", "SubmitScreenShot"}


def _wsdl(client, query: str):
    from lxml import etree

    answer = client.get(f"/xmds.php?{query}")
    assert answer.status_code == 200 and answer.content_type.startswith("text/xml")
    return etree.fromstring(answer.data, etree.XMLParser(resolve_entities=False))


def test_the_wsdl_describes_what_the_hub_serves_in_the_cms_shape(client, config, led_demo):
    root = _wsdl(client, "wsdl")
    ns = {"w": WSDL, "soap": "http://schemas.xmlsoap.org/wsdl/soap/"}
    assert root.tag == f"{{{WSDL}}}definitions" and root.get("targetNamespace") == "urn:xmds"
    messages = {m.get("name"): m for m in root.findall("w:message", ns)}
    port = {op.get("name"): op for op in root.findall("w:portType/w:operation", ns)}
    binding = root.find("w:binding", ns)
    assert set(port) == CMS_V5
    assert binding.find("soap:binding", ns).get("style") == "rpc"
    for name, operation in port.items():
        for direction in ("input", "output"):  # each message named exists, parts typed
            message = messages[operation.find(f"w:{direction}", ns).get("message").split(":")[1]]
            assert all(p.get("type").startswith("xsd:") for p in message.findall("w:part", ns))
        bound = binding.find(f"w:operation[@name='{name}']", ns)
        assert bound.find("soap:operation", ns).get("soapAction") == f"urn:xmds#{name}"
        assert bound.find("w:input/soap:body", ns).get("use") == "encoded"
        # Listed means served: a call with a wrong key is refused for the key, not unknown.
        refused = _soap(client, name, _params(serverKey="wrong", hardwareKey="abc"))
        assert "不支持的方法" not in refused.get_data(as_text=True), name
    parts = [p.get("name") for p in messages["RegisterDisplayRequest"].findall("w:part", ns)]
    assert parts[:3] == ["serverKey", "hardwareKey", "displayName"] and "clientCode" in parts
    assert root.find("w:service/w:port/soap:address", ns).get("location") == \
        "http://localhost/xmds.php?v=5"

    v7 = {op.get("name") for op in _wsdl(client, "WSDL&v=7").findall(
        "w:portType/w:operation", ns)}
    assert "ReportFaults" in v7 and "BlackList" not in v7
    assert client.get("/xmds.php?wsdl&v=99").status_code == 400
    assert client.get("/xmds.php").status_code == 400
