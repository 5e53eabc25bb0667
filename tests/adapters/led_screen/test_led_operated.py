"""Rented billboards: the demo's 国贸 屏王 slot is a screen operated by an advertising company.
A published 东莞 promotion becomes a package (the slide as an H.264 MP4 at the slot's canvas
and length, the still, a schedule sheet, a note) behind a signed, expiring link; the
operator's play report comes back as CSV or XLSX, matched rows count once as plays of that
screen, the rest are reported by line; withdrawing the post turns the link into "已撤回".
`dg-guomao` keeps polling as before."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from led_helpers import create_post, png_size, poll, publish, upload
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from adapters.led_screen.models import LedPlayHour, Screen
from hub.clock import SHANGHAI

SLOT = "dg-guomao-pingwang"


def _promotion(client, token_for, dispatcher) -> dict:
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    cover = upload(client, author, "dongguan", 1600, 900)
    post = create_post(client, author, kind="promotion", title="国贸影城 职工观影周",
                       cover_media_id=cover, channels=["led"])
    assert publish(client, author, reviewer, post["id"]).status_code == 200
    dispatcher.drain()
    return post


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def _played(db) -> int:
    db.rollback()
    screen = db.scalar(select(Screen).where(Screen.code == SLOT))
    return db.scalar(select(func.coalesce(func.sum(LedPlayHour.plays), 0)).where(
        LedPlayHour.screen_id == screen.id))


def _report(client, headers, name: str, data: bytes):
    return client.post(f"/api/v1/led/screens/{SLOT}/operator-report", headers=headers,
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _video_meta(data: bytes, tmp_path) -> dict:
    """What ffmpeg (the imageio-ffmpeg wheel's) reads of an MP4: codec, size, duration."""
    import imageio_ffmpeg

    path = tmp_path / "package.mp4"
    path.write_bytes(data)
    reader = imageio_ffmpeg.read_frames(str(path))
    try:
        return next(reader)
    finally:
        reader.close()


def test_the_operator_gets_a_package_reports_back_and_sees_a_withdrawal(
        client, db, token_for, dispatcher, device_token, tmp_path):
    guomao = device_token("dg-guomao")  # the hub's own controller on the same site
    post = _promotion(client, token_for, dispatcher)
    editor = token_for("dg-editor")
    listed = client.get(f"/api/v1/led/screens/{SLOT}/packages", headers=editor).get_json()
    assert listed["operator"] == "莞城户外传媒有限公司"
    package = next(p for p in listed["packages"] if p["title"] == "国贸影城 职工观影周")

    archive = client.get(_path(package["link"]))
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as bundle:
        names = bundle.namelist()
        film = bundle.read(next(n for n in names if n.endswith(".mp4")))
        still = bundle.read(next(n for n in names if n.endswith((".png", ".jpg"))))
        sheet = load_workbook(io.BytesIO(bundle.read(next(n for n in names
                                                          if n.endswith(".xlsx")))))
        note = bundle.read("说明.txt").decode()
    assert png_size(still) == (1920, 1080)
    meta = _video_meta(film, tmp_path)  # ffmpeg opens it: the canvas, the slot's 15 s
    assert (meta["codec"], meta["size"]) == ("h264", (1920, 1080))
    assert meta["duration"] == pytest.approx(15, abs=0.1)
    film_md5 = _md5(film)
    rows = list(sheet.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("日期", "开始", "结束", "每小时轮次", "每轮秒数")
    assert len(rows) > 60  # a week back (late reports) and two months ahead
    assert rows[1][1:5] == ("08:00", "22:00", 4, 15) and rows[1][6] == package["md5"]
    assert rows[1][9:11] == (f"{SLOT}-{package['item_id']}.mp4", film_md5)
    assert "莞城户外传媒有限公司" in note and package["md5"] in note and film_md5 in note
    again = client.get(_path(package["link"]))  # the video is kept: the same bytes again
    with zipfile.ZipFile(io.BytesIO(again.data)) as bundle:
        assert _md5(bundle.read(f"{SLOT}-{package['item_id']}.mp4")) == film_md5

    forged = _path(package["link"]).replace("sig=", "sig=0")
    assert client.get(forged).status_code == 403
    expired = f"/led/v1/operator-packages/{SLOT}/{package['item_id']}.zip?expires=1&sig=x"
    assert client.get(expired).status_code == 403

    yesterday = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)
    report = ("日期,小时,文件校验,播放次数\n"
              f"{yesterday},9,{package['md5']},4\n"
              f"{yesterday},10,{'0' * 32},4\n"
              f"{yesterday - dt.timedelta(days=30)},10,{package['sha256']},4\n"
              f"{yesterday},11,{package['md5']},很多\n"
              f"{yesterday},13,{film_md5},3\n").encode()
    counted = _report(client, editor, "播放报告.csv", report)
    assert counted.status_code == 200, counted.get_json()
    answer = counted.get_json()
    assert (answer["rows"], answer["matched_rows"], answer["plays"]) == (5, 2, 7)
    assert {p["line"]: p["reason"] for p in answer["problems"]} == {
        3: "校验值不属于该屏的任何投放包", 4: "不在档期内", 5: "播放次数应为正整数"}
    assert _report(client, editor, "播放报告.csv", report).get_json()["duplicate"]
    book = Workbook()
    book.active.append(["日期", "小时", "校验", "次数"])
    book.active.append([yesterday, 12, package["sha256"], 2])
    buffer = io.BytesIO()
    book.save(buffer)
    assert _report(client, editor, "report.xlsx", buffer.getvalue()).get_json()["plays"] == 2
    assert _played(db) == 9

    for name, data in [("report.txt", b"x"), ("empty.csv", b""), ("bad.xlsx", b"PK\x03\x04")]:
        refused = _report(client, editor, name, data)
        assert refused.status_code == 400 and refused.get_json()["message"]
    assert _played(db) == 9

    reviewer = token_for("dg-reviewer")
    client.post(f"/api/v1/posts/{post['id']}/withdraw", headers=reviewer, json={})
    dispatcher.drain()
    gone = client.get(_path(package["link"]))
    assert gone.status_code == 410 and "已撤回" in gone.get_json()["message"]
    listed = client.get(f"/api/v1/led/screens/{SLOT}/packages", headers=editor).get_json()
    assert next(p for p in listed["packages"] if p["item_id"] == package["item_id"])[
        "withdrawn"]

    # The hub's own controller on the same site keeps pulling with its device token.
    assert poll(client, guomao).status_code == 200


def test_only_an_admin_marks_a_screen_operated_and_bad_slots_are_refused(
        client, token_for, led_demo):
    slot = {"operator": "某传媒", "seconds_per_loop": 10, "loops_per_hour": 6,
            "from_date": "2026-12-01", "to_date": "2026-12-31"}
    url = "/api/v1/led/screens/dg-hongfu/operated"
    assert client.put(url, headers=token_for("dg-editor"), json=slot).status_code == 403
    admin = token_for("gd-admin")
    bad = client.put(url, headers=admin, json=slot | {"to_date": "2026-11-01"})
    assert bad.status_code == 400 and "结束日期" in bad.get_json()["message"]
    bad = client.put(url, headers=admin, json=slot | {"webhook_url": "javascript:alert(1)"})
    assert bad.status_code == 400 and "webhook_url" in bad.get_json()["fields"]
    assert client.put(url, headers=admin, json=slot).status_code == 200
    told = client.put(url, headers=admin, json=slot | {"webhook_url": "https://ad.example/h"})
    assert told.get_json()["webhook_secret"]  # what the operator checks signatures with
    listed = client.get("/api/v1/led/screens/dg-hongfu/packages", headers=admin)
    assert listed.status_code == 200 and listed.get_json()["operator"] == "某传媒"


class Receiver:
    """An operator's webhook on 127.0.0.1: answers 503 to the first POST (the hub must try
    again), 200 after; keeps each request's headers and body."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(503 if len(received) == 1 else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/ygh/withdrawn"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


def _operate(app, *extra: str):
    from click.testing import CliRunner

    from adapters.led_screen.cli import screen as screen_cli

    today = dt.datetime.now(SHANGHAI).date()
    return CliRunner().invoke(screen_cli, [
        "operate", "--account", "dongguan", "--code", "dg-dongcheng-ad", "--name", "东城广场屏",
        "--width", "768", "--height", "384", "--operator", "东城传媒", "--seconds", "5",
        "--loops", "6", "--from", str(today - dt.timedelta(days=1)),
        "--to", str(today + dt.timedelta(days=30)), *extra], obj=app, catch_exceptions=False)


def test_an_operated_screen_registered_by_cli_is_told_at_its_webhook_when_a_post_is_withdrawn(
        app, client, db, token_for, dispatcher, led_demo, receiver):
    refused = _operate(app, "--webhook-url", "ftp://example.com/x")
    assert refused.exit_code == 1 and "回调地址" in refused.output
    db.rollback()
    assert db.scalar(select(Screen).where(Screen.code == "dg-dongcheng-ad")) is None

    done = _operate(app, "--webhook-url", receiver.url)
    assert done.exit_code == 0, done.output
    assert "768x384" in done.output and "东城传媒" in done.output
    key = done.output.rsplit("X-Hub-Signature-256): ", 1)[1].strip()

    post = _promotion(client, token_for, dispatcher)
    editor = token_for("dg-editor")
    listed = client.get("/api/v1/led/screens/dg-dongcheng-ad/packages", headers=editor)
    assert listed.status_code == 200 and listed.get_json()["operator"] == "东城传媒"
    ids = {f"dg-dongcheng-ad-{p['item_id']}" for p in listed.get_json()["packages"]
           if p["title"] == "国贸影城 职工观影周"}
    assert ids

    client.post(f"/api/v1/posts/{post['id']}/withdraw", headers=token_for("dg-reviewer"),
                json={})
    dispatcher.drain()
    assert len(receiver.received) >= 2  # the 503 was tried again
    (first_headers, _), (headers, body) = receiver.received[0], receiver.received[-1]
    assert headers["X-Hub-Delivery"] == first_headers["X-Hub-Delivery"]  # drop repeats by it
    expected = hmac.new(key.encode(), headers["X-Hub-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == f"sha256={expected}"
    event = json.loads(body)
    assert event["action"] == "撤下" and event["package_id"] in ids
    assert client.get(_path(event["link"])).status_code == 410  # the link says 已撤回
