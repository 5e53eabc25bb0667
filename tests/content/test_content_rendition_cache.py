"""The on-disk rendition cache: hits skip rendering, and concurrent writers leave one whole file."""

from __future__ import annotations

import io
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from PIL import Image

import content.images
from content.images import RenditionCache


def jpeg(width: int, height: int, colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def size_and_format(path) -> tuple[tuple[int, int], str]:
    with Image.open(path) as image:
        image.load()
        return image.size, image.format


def stored_files(directory) -> list:
    return sorted(path for path in directory.rglob("*") if path.is_file())


@pytest.fixture
def render_calls(monkeypatch):
    """Counts real renders while still rendering."""
    calls = []
    real_render = content.images.render

    def counting_render(*args, **kwargs):
        calls.append((args[1:], kwargs))
        return real_render(*args, **kwargs)

    monkeypatch.setattr(content.images, "render", counting_render)
    return calls


def test_miss_renders_and_stores_under_two_hex_directory(tmp_path, render_calls):
    rendition = RenditionCache(tmp_path).get(jpeg(64, 48), 32, 16)
    assert len(render_calls) == 1
    [stored] = stored_files(tmp_path)
    assert stored.read_bytes() == rendition
    assert stored.suffix == ".jpg"
    assert stored.parent.name == stored.stem[:2]
    assert len(stored.stem) == 64
    assert size_and_format(stored) == ((32, 16), "JPEG")


def test_hit_returns_identical_bytes_without_rendering_again(tmp_path, render_calls):
    source = jpeg(64, 48)
    first = RenditionCache(tmp_path).get(source, 32, 16, mode="fit")
    # A fresh instance on the same directory, as another process would have.
    second = RenditionCache(tmp_path).get(source, 32, 16, mode="fit")
    assert second == first
    assert len(render_calls) == 1


def test_hit_reads_the_stored_file(tmp_path):
    cache = RenditionCache(tmp_path)
    source = jpeg(64, 48)
    cache.get(source, 32, 16)
    [stored] = stored_files(tmp_path)
    stored.write_bytes(b"marker")
    assert cache.get(source, 32, 16) == b"marker"


@pytest.mark.parametrize(
    "changed",
    [
        {"width": 33},
        {"height": 17},
        {"mode": "fit"},
        {"format": "PNG"},
        {"background": "#ffffff"},
        {"max_bytes": 50_000},
    ],
)
def test_each_parameter_is_part_of_the_key(tmp_path, render_calls, changed):
    cache = RenditionCache(tmp_path)
    source = jpeg(64, 48)
    baseline = {"width": 32, "height": 16}
    cache.get(source, **baseline)
    cache.get(source, **(baseline | changed))
    assert len(render_calls) == 2
    assert len(stored_files(tmp_path)) == 2


def test_different_sources_do_not_share_a_rendition(tmp_path):
    cache = RenditionCache(tmp_path)
    red = cache.get(jpeg(64, 48, (255, 0, 0)), 8, 8)
    blue = cache.get(jpeg(64, 48, (0, 0, 255)), 8, 8)
    assert red != blue
    assert len(stored_files(tmp_path)) == 2


def test_png_renditions_use_png_extension(tmp_path):
    RenditionCache(tmp_path).get(jpeg(20, 20), 10, 10, format="PNG")
    [stored] = stored_files(tmp_path)
    assert stored.suffix == ".png"
    assert size_and_format(stored) == ((10, 10), "PNG")


def test_failed_render_leaves_nothing_behind(tmp_path):
    with pytest.raises(content.images.ImageRejected):
        RenditionCache(tmp_path).get(b"not an image", 10, 10)
    assert stored_files(tmp_path) == []


def test_concurrent_writers_leave_one_valid_file(tmp_path, render_calls):
    source = jpeg(800, 600)
    writers = 8
    start_together = threading.Barrier(writers)

    def write_then_read_repeatedly():
        start_together.wait()
        # Later rounds read while slower threads are still replacing the file,
        # which is where a non-atomic write would hand back half an image.
        return [RenditionCache(tmp_path).get(source, 400, 300) for _ in range(10)]

    with ThreadPoolExecutor(max_workers=writers) as pool:
        rounds = list(pool.map(lambda _: write_then_read_repeatedly(), range(writers)))

    results = [result for one_thread in rounds for result in one_thread]
    assert len(set(results)) == 1
    [stored] = stored_files(tmp_path)  # no temporary files left over
    assert stored.read_bytes() == results[0]
    assert size_and_format(stored) == ((400, 300), "JPEG")
    assert 1 <= len(render_calls) <= writers


def get_in_own_process(directory: str, source: bytes) -> bytes:
    return RenditionCache(directory).get(source, 300, 200, mode="fit")


def test_concurrent_processes_leave_one_valid_file(tmp_path):
    source = jpeg(900, 700)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=spawn) as pool:
        futures = [pool.submit(get_in_own_process, str(tmp_path), source) for _ in range(8)]
        results = [future.result(timeout=60) for future in futures]

    assert len(set(results)) == 1
    [stored] = stored_files(tmp_path)
    assert stored.read_bytes() == results[0]
    assert size_and_format(stored) == ((300, 200), "JPEG")
