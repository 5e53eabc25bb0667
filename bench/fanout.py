"""Fan-out benchmark: one post to N targets through an outlet that takes L seconds per send.

    .venv/bin/python bench/fanout.py          # SQLite: 1,000 targets, 50 ms each, 50 at once
    .venv/bin/python bench/fanout.py --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/fanout.py --workers 2  # two `hub worker` processes share the work

With --workers 0 (the default) the dispatcher runs in this process, as in `hub run`; with
--workers N, N `hub worker` processes split the concurrency between them, as in scale-out.
Prints the wall time of the fan-out against the ideal (N x L / concurrency) and, in the same
run, the bookkeeping's own rate: the same fan-out through an outlet that answers at once
(in process, no HTTP), i.e. deliveries claimed, built and recorded per second. The receiver
runs in its own process (adapters/loopback/receiver.py) so it never competes with the
dispatcher for the GIL. On PostgreSQL a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchkit import scratch_database
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub import channels, demo, migrate  # noqa: E402
from hub.accounts.services import get_account  # noqa: E402
from hub.channels import Channel, Receipt  # noqa: E402
from hub.config import Config  # noqa: E402
from hub.db import make_engine, make_session_factory  # noqa: E402
from hub.deliveries.models import Delivery  # noqa: E402
from hub.deliveries.worker import Dispatcher  # noqa: E402
from hub.outlets.services import bind_outlet  # noqa: E402
from hub.posts import services as posts  # noqa: E402
from hub.posts.workflow import Action  # noqa: E402
from hub.users.services import get_user  # noqa: E402


class InstantChannel(Channel):
    """An outlet that answers at once: what is left is the pipeline's own bookkeeping."""

    name, label, max_concurrency, updates_in_place = "instant", "即时终端", 64, True

    def render(self, post, outlet):
        return {}

    def deliver(self, job):
        return Receipt(external_id=job.idempotency_key)

    def withdraw(self, job):
        return None


def prepare(config: Config, sessions, channel: str, targets: int, receiver_url: str) -> None:
    with sessions() as db:
        if get_user_safe(db) is None:
            demo.load(db)
        meizhou = get_account(db, "meizhou")
        for number in range(targets):
            bind_outlet(db, meizhou, channel=channel, key=f"{channel}-{number:05d}",
                        name=f"屏 {number}", config={"url": receiver_url},
                        hub_secret=config.secret())
        db.commit()


def get_user_safe(db):
    try:
        return get_user(db, "mz-editor")
    except Exception:
        return None


def publish_to(sessions, channel: str) -> tuple[int, float]:
    with sessions() as db:
        editor = get_user(db, "mz-editor")
        post = posts.create_post(db, editor, get_account(db, "meizhou"),
                                 {"title": f"扇出测试 {channel}", "body": "正文",
                                  "channels": [channel]})
        started = time.perf_counter()
        posts.act(db, editor, post, Action.publish)
        db.commit()
        return post.id, time.perf_counter() - started


def run_until_delivered(sessions, post_id: int, total: int) -> tuple[float, float]:
    """Wall time until every delivery is recorded, and this process's CPU time meanwhile."""
    started, cpu = time.perf_counter(), time.process_time()
    while True:
        with sessions() as db:
            done = db.scalar(select(func.count()).where(Delivery.post_id == post_id,
                                                        Delivery.state == "delivered"))
        if done == total:
            return time.perf_counter() - started, time.process_time() - cpu
        time.sleep(0.02)


def start_dispatchers(args, config: Config, sessions, url: str, workdir: Path):
    """The dispatcher in this process, or N `hub worker` processes; returns a stopper."""
    if not args.workers:
        dispatcher = Dispatcher(config, sessions, worker_id="bench")
        threading.Thread(target=dispatcher.run_forever, daemon=True).start()
        return dispatcher.stop
    env = dict(os.environ, HUB_DATABASE_URL=url, HUB_SECRET_KEY="bench",
               HUB_VAR_DIR=str(workdir), HUB_POLL_SECONDS="0.05",
               HUB_WORKER_THREADS=str(args.concurrency // args.workers),
               HUB_CHANNELS="adapters.loopback:LoopbackChannel,fanout:InstantChannel",
               PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'bench'}")
    hub = str(Path(sys.executable).parent / "hub")
    processes = [subprocess.Popen([hub, "worker", "--id", f"bench-{n}"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for n in range(args.workers)]
    time.sleep(3)  # let every worker start polling before the post appears

    def stop():
        for process in processes:
            process.terminate()
            process.wait(timeout=30)

    return stop


def report(args, runs: dict) -> None:
    ideal = args.targets * args.latency / args.concurrency
    mode = f"{args.workers} hub worker processes" if args.workers else "in-process"
    print(f"database            {'PostgreSQL' if args.database else 'SQLite'}; "
          f"dispatcher {mode}")
    print(f"targets             {args.targets}, outlet latency {args.latency * 1000:.0f} ms, "
          f"concurrency {args.concurrency}, {args.runs} runs")
    walls = sorted(run[0] for run in runs["loopback"])
    wall = statistics.median(walls)
    print(f"publish (rows written in the publication's transaction): "
          f"{statistics.median(r[1] for r in runs['loopback']) * 1000:.0f} ms")
    print(f"fan-out wall time   median {wall:.2f} s (runs: "
          f"{', '.join(f'{w:.2f}' for w in walls)})   ideal {ideal:.2f} s   "
          f"ratio {wall / ideal:.2f}x")
    instant = statistics.median(run[0] for run in runs["instant"])
    print(f"bookkeeping alone   {args.targets / instant:.0f} deliveries/s "
          f"(claim + build + record; median {instant:.2f} s for {args.targets})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL admin URL; default SQLite")
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3, help="fan-outs measured; median shown")
    parser.add_argument("--workers", type=int, default=0,
                        help="hub worker processes (0: dispatcher in this process)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    url, drop = scratch_database(args.database, "hub_bench_fanout", workdir / "bench.sqlite3")
    port = 5098
    receiver = subprocess.Popen([sys.executable, "-m", "adapters.loopback.receiver",
                                 "--port", str(port), "--latency", str(args.latency)],
                                cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        config = Config(var_dir=workdir, database_url=url, secret_key="bench",
                        worker_threads=args.concurrency, lane_concurrency=4, poll_seconds=0.05,
                        channel_concurrency={"loopback": args.concurrency,
                                             "instant": args.concurrency})
        channels.load_registry(["adapters.loopback:LoopbackChannel"])
        channels.register(InstantChannel())
        engine = make_engine(url)
        migrate.upgrade(engine, workdir, migrate.locations_of(config.channels))
        sessions = make_session_factory(engine)
        for channel in ("instant", "loopback"):
            prepare(config, sessions, channel, args.targets, f"http://127.0.0.1:{port}")
        stop = start_dispatchers(args, config, sessions, url, workdir)
        runs = {"instant": [], "loopback": []}
        for _ in range(args.runs):
            for channel in ("instant", "loopback"):
                post_id, publish_seconds = publish_to(sessions, channel)
                wall, cpu = run_until_delivered(sessions, post_id, args.targets)
                runs[channel].append((wall, publish_seconds, cpu))
        stop()
        report(args, runs)
        engine.dispose()
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
        drop()


if __name__ == "__main__":
    main()
