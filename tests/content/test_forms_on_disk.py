"""Designed forms on the hub's disk, not in memory: once the hub has started, every form
cache keeps its forms under var/forms by content hash, so a restarted process draws nothing
again and holds nothing; the files are served at /forms/<name> for good."""

from __future__ import annotations

import dataclasses

from content.layout import FormCache, cache, samples, with_source
from content.layout.video import VideoCache


def _slide():
    design = samples.posts()["campaign"]
    return dataclasses.replace(design, qr_url=with_source(design.qr_url, "led"))


def test_a_restarted_hub_draws_no_form_again_and_serves_them_for_good(app, client):
    folder = app.config["HUB"].var_dir / "forms"
    assert cache.disk_folder() == folder
    slide = _slide()
    first = FormCache(entries=128)  # as the outlets make theirs, with no folder of their own
    name = first.name(slide, "led", 768, 384)
    assert first.drawn == 1 and len(list(folder.rglob("*.jpg"))) == 1
    restarted = FormCache(entries=128)  # a new process: nothing in memory
    again = restarted.get(slide, "led", 768, 384)
    assert restarted.drawn == 0 and not restarted._memory
    assert again.data == first.get(slide, "led", 768, 384).data
    assert again.plan.qr_box is not None  # laid out again only when asked

    served = client.get(f"/forms/{name}")
    assert served.status_code == 200 and served.data == again.data
    assert served.mimetype == "image/jpeg"
    assert "immutable" in served.headers["Cache-Control"]
    moved = dataclasses.replace(slide, focal=(0.1, 0.5))  # a moved focal point: a new file
    assert restarted.name(moved, "led", 768, 384) != name
    for wrong in ("0" * 64 + ".jpg", "../secret.jpg", name.replace(".jpg", ".exe")):
        assert client.get(f"/forms/{wrong}").status_code == 404, wrong


def test_slide_videos_are_kept_beside_the_forms(app, client):
    slide = _slide()
    name = VideoCache().name(slide, 128, 64, seconds=1)
    assert name.endswith(".mp4")
    served = client.get(f"/forms/{name}")
    assert served.status_code == 200 and served.mimetype == "video/mp4"
    assert served.data[4:8] == b"ftyp"
