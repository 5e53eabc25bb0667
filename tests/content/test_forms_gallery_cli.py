"""`hub forms gallery --post ID --out DIR`, run as a real process on the demo's database:
outlets' designed forms of a promotion at their exact sizes (a few canvases, one of each
outlet, chosen with --canvas; the command draws them all without it) and a contact sheet; the
LED slide's QR code leads to the campaign's landing page; an unknown post and a malformed
canvas are refused in Chinese."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from content.layout import checks
from hub.errors import BadRequest, NotFound
from hub.media.gallery import canvas_of, design_for_post

HUB = str(Path(sys.executable).parent / "hub")
CANVASES = (("led", 1920, 1080), ("splash", 1080, 1920), ("wechat", 900, 383))


def _hub(env, *args, check=True):
    return subprocess.run([HUB, *args], env=env, capture_output=True, text=True, timeout=120,
                          check=check)


def test_the_gallery_writes_the_forms_of_a_demo_promotion(demo, db, database_url, tmp_path):
    post_id, campaign_id = db.execute(text(
        "SELECT p.id, c.id FROM posts p JOIN campaigns c ON c.post_id = p.id "
        "JOIN accounts a ON a.id = p.account_id WHERE a.code = 'dongguan' "
        "AND c.state != 'draft' ORDER BY p.id LIMIT 1")).one()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(HUB_VAR_DIR=str(tmp_path), HUB_DATABASE_URL=database_url,
               HUB_PUBLIC_URL="https://hub.example.cn", HUB_DEMO="0")
    out = tmp_path / "gallery"
    canvases = [f"--canvas={outlet}:{width}x{height}" for outlet, width, height in CANVASES]
    done = _hub(env, "forms", "gallery", "--post", str(post_id), "--out", str(out), *canvases)
    assert "gallery.png" in done.stdout
    for outlet, width, height in CANVASES:
        found = list(out.glob(f"{outlet}-{width}x{height}.*"))
        assert len(found) == 1, (outlet, width, height)
        assert Image.open(found[0]).size == (width, height)
    assert len(list(out.glob("*-*x*.*"))) == len(CANVASES)  # only the canvases asked for
    wall = Image.open(next(out.glob("led-1920x1080.*"))).convert("RGB")
    assert checks.decoded_qr(wall) == f"https://hub.example.cn/c/{campaign_id}?src=led"
    assert Image.open(out / "gallery.png").width > 400


def test_an_unknown_post_and_a_malformed_canvas_are_refused_in_chinese(db):
    # In process: a second `hub` process would double the test's time for the same refusal
    # (the command prints a HubError's message and exits 1, as every `hub` command does).
    with pytest.raises(NotFound, match="没有编号为 999999 的稿件"):
        design_for_post(db, 999999, "https://hub.example.cn")
    assert canvas_of("led:768x384") == ("led", 768, 384)
    for wrong in ("led:768", "tv:10x10", "led:0x10", "splash:1080×1920"):
        with pytest.raises(BadRequest, match="led:768x384"):
            canvas_of(wrong)
