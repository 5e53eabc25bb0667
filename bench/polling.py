"""Polling benchmark: LED playlists and the app's splash manifest under gunicorn, against a
bare Flask endpoint served the same way, in one run.

    .venv/bin/python bench/polling.py                     # SQLite, 1,000 screens, 10,000 items
    .venv/bin/python bench/polling.py --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/polling.py --rounds 1 --seconds 3           # quicker look

Seeds a scratch database with 1,000 screens (200 groups of 5, canvases from 1920×1080 down
to 128×64) and 10,000 playlist items (50 per group, a picture at each canvas size), plus
splash items; starts `gunicorn -w 2 'hub:create_app()'` and `gunicorn -w 2` on a bare Flask
app (bench/polling_bare.py), and drives each path with bench/polling_load.py (one connection
per request, as gunicorn's sync workers close them): the playlist's 304 path (If-None-Match
with each screen's ETag) and 200 path (no ETag: the whole playlist, from the per-process
cache once built), the splash manifest's 304 and 200 paths, and the bare endpoint. Prints
requests per second, p50 and p99 for each, the ratios to the bare endpoint (aims: 304 ≥ 0.8,
200 ≥ 0.5), the gunicorn processes' CPU time per request (read from /proc: a cost that does
not move with whatever else runs on the machine) and how much of a core the load generator
itself used: on a 2-core machine it shares the CPU with the two workers. Each round runs
every path once; ratios are taken within a round and their median is shown. A cold
build of one playlist (what a poll costs in a worker that has not built it yet) is timed in
process. On PostgreSQL a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchkit  # noqa: E402
import polling_load  # noqa: E402
from benchkit import HOST  # noqa: E402

from adapters.app_splash.models import SplashImage, SplashItem, SplashSlot  # noqa: E402
from adapters.led_screen import forms, playlist  # noqa: E402
from adapters.led_screen.models import (  # noqa: E402
    LedGroupScreen,
    LedItem,
    LedRendition,
    Screen,
    ScreenGroup,
)
from hub import bootstrap, demo, migrate  # noqa: E402
from hub.accounts.models import Account  # noqa: E402
from hub.config import Config  # noqa: E402
from hub.db import utcnow  # noqa: E402
from hub.media import blobs  # noqa: E402
from hub.outlets.models import Outlet  # noqa: E402

SIZES = [(1920, 1080), (768, 384), (580, 256), (128, 64), (1280, 512)]
GROUP_SIZE = 5
NAME = "hub_bench_polling"


def token_of(number: int) -> str:
    return f"led_bench_{number:05d}_" + hashlib.sha256(str(number).encode()).hexdigest()[:24]


def _files(db) -> dict[tuple[int, int], dict]:
    """One drawn picture per canvas size, shared by every item (drawing 10,000 is not
    what this measures): the rendition columns that name it."""
    files = {}
    for width, height in SIZES:
        data, mime = forms.draw(forms.Card(width, height, "职工运动会报名", "报名截至月底"))
        files[(width, height)] = {"file_sha256": blobs.put(db, data, mime), "mime_type": mime,
                                  "byte_size": len(data)}
    return files


def seed(sessions, config: Config, screens: int, items: int) -> None:
    with sessions() as db:
        demo.load(db, config)
        db.commit()
        towns = list(db.scalars(select(Account).where(Account.level.in_(("town", "street")))))
        files = _files(db)
        now = utcnow()
        db.execute(insert(Screen), [{
            "account_id": towns[n % len(towns)].id, "code": f"bench-s{n:05d}",
            "name": f"测试屏 {n}", "place": "", "width": SIZES[n % len(SIZES)][0],
            "height": SIZES[n % len(SIZES)][1], "orientation": "landscape",
            "controller": "generic", "draws_text": False, "brightness": [], "on_time": None,
            "off_time": None, "poll_seconds": 60, "min_poll_seconds": 0,
            "token_hash": hashlib.sha256(token_of(n).encode()).hexdigest(),
            "token_issued_at": now, "playlist_version": 1, "reported_status": {},
            "created_at": now} for n in range(screens)])
        screen_ids = list(db.scalars(select(Screen.id).where(Screen.code.like("bench-s%"))
                                     .order_by(Screen.code)))
        groups = screens // GROUP_SIZE
        db.execute(insert(ScreenGroup), [{
            "account_id": towns[g % len(towns)].id, "code": f"bench-g{g:04d}",
            "name": f"测试屏组 {g}", "created_at": now} for g in range(groups)])
        group_ids = list(db.scalars(select(ScreenGroup.id).where(
            ScreenGroup.code.like("bench-g%")).order_by(ScreenGroup.code)))
        db.execute(insert(LedGroupScreen), [
            {"group_id": group_ids[n // GROUP_SIZE], "screen_id": screen_ids[n]}
            for n in range(groups * GROUP_SIZE)])
        db.execute(insert(Outlet), [{
            "account_id": towns[g % len(towns)].id, "channel": "led", "key": f"bench-g{g:04d}",
            "name": f"测试屏组 {g}", "config": {}, "enabled": True, "created_at": now}
            for g in range(groups)])
        outlet_ids = list(db.scalars(select(Outlet.id).where(Outlet.key.like("bench-g%"))
                                     .order_by(Outlet.key)))
        per_group = items // groups
        db.execute(insert(LedItem), [{
            "outlet_id": outlet_ids[n // per_group], "post_id": None, "post_version": 1,
            "role": "normal", "form": "auto", "title": f"节目 {n}", "text": "职工之家",
            "duration_seconds": 10 + n % 20, "priority": n % 3, "share_of_voice": 100,
            "schedule": [{"from_date": None, "to_date": None, "weekdays": [1, 2, 3, 4, 5],
                          "start": "07:00", "end": "22:00"}], "text_style": {}, "skipped": {},
            "updated_at": now} for n in range(per_group * groups)])
        item_rows = db.execute(select(LedItem.id, LedItem.outlet_id).where(
            LedItem.outlet_id.in_(outlet_ids))).all()
        db.execute(insert(LedRendition), [
            {"item_id": item_id, "width": w, "height": h} | files[(w, h)]
            for item_id, _ in item_rows for (w, h) in SIZES])
        _seed_splash(db, now)
        db.commit()


def _seed_splash(db, now: dt.datetime) -> None:
    slot = db.scalar(select(SplashSlot).where(SplashSlot.code == "app-launch"))
    default = db.scalar(select(SplashItem).where(SplashItem.slot_id == slot.id))
    files = {(i.width, i.height): (i.file_sha256, i.mime_type, i.byte_size)
             for i in default.images}
    regions = ["441900", "441400", "4419", "440000"]
    for n in range(30):
        item = SplashItem(slot_id=slot.id, outlet_id=None, post_id=None, is_default=False,
                          title=f"开屏 {n}", starts_at=now - dt.timedelta(days=1),
                          ends_at=now + dt.timedelta(days=n % 5 + 1), priority=n % 4,
                          daily_cap=3 if n % 2 else None, regions=[regions[n % 4]],
                          accounts=[], link={"type": "page", "path": "/pages/home/index"},
                          rules={"skip_button": "always", "skip_taps": 1,
                                 "skip_after_seconds": 3, "tap_area": "button",
                                 "shake_trigger": False})
        db.add(item)
        for (width, height), (sha, mime_type, byte_size) in files.items():
            item.images.append(SplashImage(width=width, height=height, file_sha256=sha,
                                           mime_type=mime_type, byte_size=byte_size))
    slot.version += 1


def measure(name: str, port: int, requests: list[bytes], master: subprocess.Popen, args):
    """One timed run, with the server's CPU time per request beside the throughput."""
    processes = benchkit.family(master)
    before = benchkit.cpu_seconds(processes)
    result = polling_load.run(name, HOST, port, requests, seconds=args.seconds,
                              connections=args.connections, warmup=0.5)
    spent = benchkit.cpu_seconds(processes) - before
    # The warm-up's requests were served too: spread the CPU over everything sent.
    served = result.requests * (args.seconds + 0.5) / args.seconds
    result.server_us = spent / served * 1e6 if served else 0.0
    return result


def fetch(port: int, path: str, headers: dict) -> tuple[int, str, bytes]:
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers.get("ETag", ""), response.read()


def cold_build_ms(sessions, screens: int) -> float:
    """One playlist built from the database, as a worker does before its cache has it."""
    samples = []
    with sessions() as db:
        for n in range(0, screens, max(1, screens // 50)):
            screen = db.scalar(select(Screen).where(Screen.code == f"bench-s{n:05d}"))
            started = time.perf_counter()
            playlist.serialise(playlist.build(db, screen, "http://127.0.0.1/", utcnow()))
            samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def scenarios(hub_port: int, bare_port: int, screens: int) -> list[tuple[str, int, list]]:
    auth = [{"Authorization": f"Bearer {token_of(n)}"} for n in range(screens)]
    etags = [fetch(hub_port, "/led/v1/playlist", headers)[1] for headers in auth]
    queries = [f"/splash/v1/manifest?slot=app-launch&region={region}&account={account}"
               for region in ("441900", "441400", "440100", "441901")
               for account in ("dongguan", "dg-humen", "meizhou", "guangdong")]
    manifest_tags = [fetch(hub_port, q, {})[1] for q in queries]
    build = polling_load.request_bytes
    return [
        ("bare Flask", bare_port, [build(HOST, bare_port, "/bare")]),
        ("playlist 304", hub_port, [build(HOST, hub_port, "/led/v1/playlist",
                                          h | {"If-None-Match": tag})
                                    for h, tag in zip(auth, etags, strict=True)]),
        ("playlist 200", hub_port, [build(HOST, hub_port, "/led/v1/playlist", h)
                                    for h in auth]),
        ("manifest 304", hub_port, [build(HOST, hub_port, q, {"If-None-Match": tag})
                                    for q, tag in zip(queries, manifest_tags, strict=True)]),
        ("manifest 200", hub_port, [build(HOST, hub_port, q) for q in queries]),
    ]


def summarise(rounds: list[list]) -> list[dict]:
    """Per path: the median over rounds of req/s, p50, p99 and the ratio to the bare
    endpoint measured in the same round (so a busy moment on the machine hits both)."""
    rows = []
    for index, first in enumerate(rounds[0]):
        runs = [r[index] for r in rounds]
        rows.append({
            "name": first.name,
            "rps": statistics.median(r.rps for r in runs),
            "p50": statistics.median(r.percentile(0.5) for r in runs) * 1000,
            "p99": statistics.median(r.percentile(0.99) for r in runs) * 1000,
            "ratio": statistics.median(r[index].rps / r[0].rps for r in rounds),
            "ratios": [r[index].rps / r[0].rps for r in rounds],
            "odd": sum(n for r in runs for s, n in r.statuses.items() if s >= 400)
            + sum(r.errors for r in runs),
            "generator": statistics.median(r.generator_cpu for r in runs),
            "server_us": statistics.median(r.server_us for r in runs),
        })
    bare_us = rows[0]["server_us"]
    for row in rows:
        row["cpu_ratio"] = bare_us / row["server_us"] if row["server_us"] else 0.0
    return rows


def report(rows, args, database: str, cold_ms: float, playlist_bytes: int,
           manifest_bytes: int) -> None:
    print(f"database {database}; gunicorn -w {args.workers} (sync workers) for the hub and "
          f"for the bare app; {args.screens} screens, {args.items} playlist items; "
          f"{args.connections} connections; {args.rounds} rounds of {args.seconds:.0f} s "
          "per path (medians)")
    print(f"{'path':<16}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'× bare':>8}"
          f"{'  × bare per round':<22}{'server CPU/req':>15}{'× bare':>8}{'errors':>7}"
          f"{'generator CPU':>15}")
    for row in rows:
        per_round = " ".join(f"{ratio:.2f}" for ratio in row["ratios"])
        print(f"{row['name']:<16}{row['rps']:>8.0f}{row['p50']:>8.1f}{row['p99']:>8.1f}"
              f"{row['ratio']:>8.2f}  {per_round:<20}{row['server_us']:>12.0f} µs"
              f"{row['cpu_ratio']:>8.2f}{row['odd']:>7}{row['generator']:>14.0%}")
    print(f"a playlist is {playlist_bytes} bytes (50 items), a manifest {manifest_bytes} bytes; "
          f"building a playlist cold (the first poll after a change, in each worker) takes "
          f"{cold_ms:.1f} ms in process")
    print("aims: 304 ≥ 0.80 × bare, 200 ≥ 0.50 × bare. 'server CPU/req' is the gunicorn "
          "processes' CPU time per request (from /proc), and its '× bare' the throughput "
          "ratio it implies: unlike req/s it does not move with other load on the machine. "
          "The generator shares the 2 cores with the workers; its CPU share is shown.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL admin URL; default SQLite")
    parser.add_argument("--screens", type=int, default=1000)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=5.0, help="per path per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="hub-bench-polling-"))
    url, drop = benchkit.scratch_database(args.database, NAME, workdir / "bench.sqlite3")
    processes = []
    try:
        config = Config(var_dir=workdir, database_url=url, secret_key="bench")
        wiring = bootstrap.build(config)
        engine, sessions = wiring.engine, wiring.sessions
        migrate.upgrade(engine, workdir, migrate.locations_of(config.channels))
        started = time.perf_counter()
        seed(sessions, config, args.screens, args.items)
        if not args.database:
            raw = engine.raw_connection()  # outside a transaction: readers should not wade
            try:                           # through the seeding's write-ahead log
                raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        print(f"seeded in {time.perf_counter() - started:.1f} s")
        cold_ms = cold_build_ms(sessions, args.screens)
        engine.dispose()
        env = benchkit.hub_env(url, "bench", HUB_VAR_DIR=str(workdir))
        hub_port, bare_port = benchkit.free_port(), benchkit.free_port()
        for app, port in (("hub:create_app()", hub_port), ("polling_bare:app", bare_port)):
            processes.append(benchkit.gunicorn(app, port, env, args.workers, cwd=ROOT))
        plans = scenarios(hub_port, bare_port, args.screens)
        playlist_bytes = len(fetch(hub_port, "/led/v1/playlist",
                                   {"Authorization": f"Bearer {token_of(0)}"})[2])
        manifest_bytes = len(fetch(hub_port, "/splash/v1/manifest?slot=app-launch&region="
                                   "441900&account=dongguan", {})[2])
        for _, port, requests in plans:  # every worker builds and caches every body
            polling_load.run_each(HOST, port, requests, passes=8, connections=args.connections)
        masters = {hub_port: processes[0], bare_port: processes[1]}
        rounds = [[measure(name, port, requests, masters[port], args)
                   for name, port, requests in plans] for _ in range(args.rounds)]
        report(summarise(rounds), args, "PostgreSQL" if args.database else "SQLite",
               cold_ms, playlist_bytes, manifest_bytes)
    finally:
        for process in processes:
            benchkit.stop(process)
        drop()


if __name__ == "__main__":
    main()
