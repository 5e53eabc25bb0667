"""The reference controller (`hub led-player`) against a live hub on 127.0.0.1: it pulls and
checks its files, plays on from its cache through an outage, and reports its plays once the
hub is back, each counted once. Also run as a real process from the `hub` command."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from led_helpers import CHANNELS, LiveHub, create_post, publish, upload
from sqlalchemy import func, select, update

from adapters.led_screen.models import LedPlayHour, Screen
from adapters.led_screen.player import Player
from hub.media.models import Blob

NOON = dt.datetime(2026, 11, 24, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai: screens are on


@pytest.fixture
def live(app):
    servers = []

    def start(port: int = 0) -> LiveHub:
        server = LiveHub(app, port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.thread.is_alive():
            server.stop()


def _counted(db) -> int:
    db.rollback()
    return db.scalar(select(func.coalesce(func.sum(LedPlayHour.plays), 0)))


def _published_promotion(client, token_for, dispatcher) -> int:
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    cover = upload(client, author, "dongguan", 1600, 900)
    post = create_post(client, author, kind="promotion", title="职工电影周 半价观影",
                       cover_media_id=cover, channels=["led"])
    assert publish(client, author, reviewer, post["id"]).status_code == 200
    dispatcher.drain()
    return post["id"]


def test_player_plays_through_an_outage_and_reports_after(
        client, db, token_for, device_token, dispatcher, live, tmp_path):
    post_id = _published_promotion(client, token_for, dispatcher)
    hub = live()
    player = Player(hub.url, device_token("dg-guomao"), tmp_path / "cache", timeout=2)

    assert player.sync() == "updated"
    files = player.playlist["files"]
    assert files and all(player.has_file(f) for f in files)
    assert player.sync() == "unchanged"  # If-None-Match: 304
    played = [player.next_item(NOON) for _ in range(3)]
    assert [i["post_id"] for i in played] == [post_id] * 3
    assert player.report() == 3 and _counted(db) == 3

    hub.stop()  # the hub goes away
    assert player.sync() == "offline"
    during = [player.next_item(NOON + dt.timedelta(minutes=n)) for n in range(5)]
    assert all(i is not None and i["post_id"] == post_id for i in during)
    assert player.report() == 0 and player.pending_plays() == 5
    assert _counted(db) == 3

    hub = live(hub.port)  # back, on the same address
    assert player.sync() == "unchanged"
    assert player.report() == 5 and player.pending_plays() == 0
    assert _counted(db) == 8
    heartbeat = player.heartbeat()
    assert heartbeat is not None and heartbeat["playlist_changed"] is False


def test_a_batch_resent_after_a_lost_answer_counts_once(
        client, db, token_for, device_token, dispatcher, live, tmp_path):
    _published_promotion(client, token_for, dispatcher)
    hub = live()
    player = Player(hub.url, device_token("dg-guomao"), tmp_path / "cache")
    player.sync()
    for minute in range(4):
        player.next_item(NOON + dt.timedelta(minutes=minute))
    player._seal_batches()
    (batch,) = player.outbox.glob("*.json")
    kept = batch.read_bytes()
    assert player.report() == 4
    batch.write_bytes(kept)  # as if the hub's answer had been lost: the batch is sent again
    assert player.report() == 0
    assert _counted(db) == 4 and not list(player.outbox.glob("*.json"))


def test_a_file_that_does_not_match_its_hash_is_not_used(
        client, db, token_for, device_token, dispatcher, live, tmp_path):
    _published_promotion(client, token_for, dispatcher)
    token = device_token("dg-guomao")
    hub = live()
    good = Player(hub.url, token, tmp_path / "good")
    assert good.sync() == "updated"
    victim = good.playlist["files"][0]["sha256"]
    db.execute(update(Blob).where(Blob.sha256 == victim).values(data=b"tampered"))
    db.commit()
    fresh = Player(hub.url, token, tmp_path / "fresh")
    assert fresh.sync() == "offline"
    assert fresh.playlist is None  # nothing half-downloaded is played
    assert not (fresh.files / victim).exists()


def test_hub_screen_token_and_hub_led_player_as_processes(
        client, db, config, token_for, led_demo, live, tmp_path):
    env = dict(os.environ, HUB_DATABASE_URL=config.database_url, HUB_VAR_DIR=str(tmp_path),
               HUB_SECRET_KEY="test-secret", HUB_CHANNELS=",".join(CHANNELS))
    env.pop("HUB_TEST_DATABASE_URL", None)
    hub_command = str(Path(sys.executable).parent / "hub")
    printed = subprocess.run([hub_command, "screen", "token", "--screen", "dg-hongfu"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert printed.returncode == 0, printed.stderr
    token = printed.stdout.strip()
    assert token.startswith("led_") and token not in printed.stderr
    unknown = subprocess.run([hub_command, "screen", "token", "--screen", "nowhere"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 1 and "nowhere" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    # Always on, so the run plays whatever the time of day.
    db.execute(update(Screen).where(Screen.code == "dg-hongfu").values(on_time=None,
                                                                      off_time=None))
    db.commit()
    hub = live()
    token_file = tmp_path / "token"
    token_file.write_text(token)
    run = subprocess.run([hub_command, "led-player", "--hub", hub.url, "--token-file",
                          str(token_file), "--cache", str(tmp_path / "player"),
                          "--seconds", "2", "--poll", "1", "--time-scale", "0.01"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    plays = [line for line in run.stdout.splitlines() if line.startswith("play ")]
    assert plays and "东莞市总工会 · 职工之家" in plays[0]
    assert "plays waiting to be reported: 0" in run.stdout
    assert _counted(db) >= len(plays) > 0
    assert shutil.which(hub_command)
