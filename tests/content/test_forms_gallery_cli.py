"""`hub forms gallery --post ID --out DIR`, run as a real process on the demo: every outlet's
designed form of a promotion, at its exact size, and a contact sheet; the LED slide's QR code
leads to the campaign's landing page; an unknown post is refused in Chinese."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from content.layout import checks, samples

HUB = str(Path(sys.executable).parent / "hub")


def _hub(env, *args, check=True):
    return subprocess.run([HUB, *args], env=env, capture_output=True, text=True, timeout=120,
                          check=check)


def test_the_gallery_writes_every_form_of_a_demo_promotion(tmp_path):
    env = dict(os.environ)
    env.pop("HUB_TEST_DATABASE_URL", None)
    env.update(HUB_VAR_DIR=str(tmp_path), HUB_DATABASE_URL=f"sqlite:///{tmp_path / 'g.db'}",
               HUB_PUBLIC_URL="https://hub.example.cn")
    _hub(env, "demo")

    from hub.config import Config
    from hub.db import make_engine

    engine = make_engine(Config.from_env(env).database_url)
    with engine.connect() as conn:
        post_id, campaign_id = conn.exec_driver_sql(
            "SELECT p.id, c.id FROM posts p JOIN campaigns c ON c.post_id = p.id "
            "JOIN accounts a ON a.id = p.account_id WHERE a.code = 'dongguan' "
            "AND c.state != 'draft' ORDER BY p.id LIMIT 1").one()
    engine.dispose()
    out = tmp_path / "gallery"
    done = _hub(env, "forms", "gallery", "--post", str(post_id), "--out", str(out))
    assert "gallery.png" in done.stdout
    for outlet, width, height in samples.CANVASES:
        found = list(out.glob(f"{outlet}-{width}x{height}.*"))
        if (outlet, width, height) == ("led", 128, 64) and not found:
            continue  # a long title may not fit the strip: the sheet shows why instead
        assert len(found) == 1, (outlet, width, height)
        assert Image.open(found[0]).size == (width, height)
    wall = Image.open(next(out.glob("led-1920x1080.*"))).convert("RGB")
    assert checks.decoded_qr(wall) == f"https://hub.example.cn/c/{campaign_id}?src=led"
    assert Image.open(out / "gallery.png").width > 1000

    missing = _hub(env, "forms", "gallery", "--post", "999999", "--out", str(out), check=False)
    assert missing.returncode == 1 and "999999" in missing.stderr
