"""WeChat fan-out benchmark: one 东莞 post pushed down to its 34 official accounts, through
wechatpy, against the sandbox with a fixed latency on every WeChat call.

    .venv/bin/python bench/wechat_fanout.py                  # 80 ms per call, concurrency 16
    .venv/bin/python bench/wechat_fanout.py --concurrency 34 --latency-ms 80
    .venv/bin/python bench/wechat_fanout.py --database postgresql://postgres@127.0.0.1:5432/postgres

The sandbox runs in its own process (`python -m adapters.wechat.sandbox`), the hub's app is
served on a real port for the PUBLISHJOBFINISH callbacks, and the dispatcher runs in this
process as in `hub run`. Each delivery makes four WeChat calls (stable_token once per app,
the thumb, draft/add, freepublish/submit), then waits for the publish event. Prints the time
until every delivery was submitted and until every one was confirmed, against the ideal for
the concurrency: ceil(34 / concurrency) rounds x 4 calls x latency (+ the sandbox's publish
delay for the confirmation). On PostgreSQL a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from benchkit import free_port, scratch_database
from sqlalchemy import event, func, select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.wechat import demo as wechat_demo  # noqa: E402
from adapters.wechat.credentials import parse  # noqa: E402
from adapters.wechat.settings import WeChatSettings  # noqa: E402
from hub import channels, crypto  # noqa: E402
from hub import demo as hub_demo  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.config import Config  # noqa: E402
from hub.deliveries.models import Delivery  # noqa: E402
from hub.deliveries.worker import Dispatcher  # noqa: E402
from hub.outlets.models import Outlet  # noqa: E402
from hub.posts import services as posts  # noqa: E402
from hub.posts.workflow import Action  # noqa: E402
from hub.users.models import User  # noqa: E402

CALLS_PER_DELIVERY = 4


def start_sandbox(latency_ms: int, publish_delay: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.wechat.sandbox", "--port", str(port),
         "--latency-ms", str(latency_ms), "--publish-delay", str(publish_delay)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(f"{url}/sandbox/apps", timeout=1)
            return process, url
        except requests.RequestException:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the sandbox did not start")


def prepare(app, config, sandbox_url: str) -> None:
    sessions = app.extensions["hub.sessions"]
    with sessions() as db:
        hub_demo.load_accounts(db)
        hub_demo.load_editors(db)
        db.flush()
        wechat_demo.load_demo(db, config)
        db.commit()
        for outlet in db.scalars(select(Outlet).where(Outlet.channel == "wechat")):
            creds = parse(crypto.decrypt(config.secret(), outlet.secret_encrypted), outlet.key)
            requests.post(f"{sandbox_url}/sandbox/apps", timeout=10, json={
                "appid": creds.appid, "secret": creds.secret, "token": creds.token,
                "encoding_aes_key": creds.encoding_aes_key,
                "callback_url": f"{config.public_url}/wechat/callback/{creds.appid}",
            }).raise_for_status()


def publish(sessions) -> int:
    with sessions() as db:
        user = lambda name: db.scalar(select(User).where(User.username == name))  # noqa: E731
        from hub.accounts.services import get_account

        post = posts.create_post(db, user("dg-editor"), get_account(db, "dongguan"), {
            "title": "全市职工运动会报名开始", "body": "各镇街工会：全市职工运动会即日起报名。",
            "push_down": "all"})
        posts.act(db, user("dg-editor"), post, Action.submit)
        posts.act(db, user("dg-reviewer"), post, Action.approve)
        posts.act(db, user("dg-reviewer"), post, Action.publish)
        db.commit()
        return post.id


def count(sessions, post_id: int, *, delivered: bool) -> int:
    with sessions() as db:
        query = select(func.count()).where(Delivery.post_id == post_id)
        if delivered:
            return db.scalar(query.where(Delivery.state == "delivered"))
        # Submitted: confirmed already, or waiting for WeChat with no worker holding it.
        return db.scalar(query.where((Delivery.state == "delivered") | (
            (Delivery.state == "sending") & Delivery.lease_owner.is_(None))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=80)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--publish-delay", type=float, default=0.2)
    parser.add_argument("--database", default=None, help="PostgreSQL admin URL (default SQLite)")
    args = parser.parse_args()

    sandbox, sandbox_url = start_sandbox(args.latency_ms, args.publish_delay)
    workdir = Path(tempfile.mkdtemp())
    url, drop = scratch_database(args.database, f"wechat_bench_{int(time.time())}",
                                 workdir / "bench.sqlite3")
    port = free_port()
    config = Config(var_dir=workdir, database_url=url, secret_key="bench",
                    run_workers=False, load_demo=False, public_url=f"http://127.0.0.1:{port}",
                    channels=["adapters.wechat:WeChatChannel"], worker_threads=64,
                    channel_concurrency={"wechat": args.concurrency}, poll_seconds=0.02)
    try:
        app = create_app(config)
        channels.get_channel("wechat").settings = WeChatSettings(api_base=sandbox_url)
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        prepare(app, config, sandbox_url)
        sessions = app.extensions["hub.sessions"]
        dispatcher = Dispatcher(config, sessions, worker_id="bench")
        post_id = publish(sessions)
        commits = [0]  # every transaction committed from here on (dispatcher, adapter)
        event.listen(app.extensions["hub.engine"], "commit",
                     lambda _connection: commits.__setitem__(0, commits[0] + 1))
        started = time.perf_counter()
        threading.Thread(target=dispatcher.run_forever, daemon=True).start()
        submitted = confirmed = None
        while confirmed is None:
            if submitted is None and count(sessions, post_id, delivered=False) == 34:
                submitted = time.perf_counter() - started
            if count(sessions, post_id, delivered=True) == 34:
                confirmed = time.perf_counter() - started
                submitted = submitted or confirmed
            time.sleep(0.01)
        dispatcher.stop()
        server.shutdown()
        rounds = math.ceil(34 / min(args.concurrency, 34))
        ideal = rounds * CALLS_PER_DELIVERY * args.latency_ms / 1000
        database = "PostgreSQL" if args.database else "SQLite"
        print(f"database           {database}")
        print(f"official accounts  34, WeChat latency {args.latency_ms} ms per call, "
              f"concurrency {args.concurrency}, {CALLS_PER_DELIVERY} calls per delivery")
        print(f"all submitted      {submitted:.2f} s   ideal {ideal:.2f} s   "
              f"ratio {submitted / ideal:.2f}x")
        print(f"all confirmed      {confirmed:.2f} s   ideal {ideal + args.publish_delay:.2f} s "
              f"  ratio {confirmed / (ideal + args.publish_delay):.2f}x   (PUBLISHJOBFINISH)")
        print(f"commits            {commits[0] / 34:.1f} per delivery (the database's "
              "fsyncs: what a loaded machine cannot hide)")
        app.extensions["hub.engine"].dispose()
    finally:
        sandbox.kill()
        sandbox.wait()
        drop()


if __name__ == "__main__":
    main()
