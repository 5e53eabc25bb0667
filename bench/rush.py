"""Rush benchmark: a red-packet rain claimed by a crowd through the mini-program's claim
endpoint under gunicorn (2 workers), on SQLite, on PostgreSQL, and on PostgreSQL with Redis
deciding the claims (a Redis of its own with `appendfsync always`, and a persister process
writing the claims behind), beside a bare Flask endpoint in the same run; then checks the
invariants from the database (the Redis run once the persister has drained the stream).

    .venv/bin/python bench/rush.py                      # all three, PostgreSQL at the default URL
    .venv/bin/python bench/rush.py --only sqlite        # one of: sqlite, postgresql, redis
    .venv/bin/python bench/rush.py --packets 2000 --connections 200        # quicker look
    (--database postgresql://postgres@127.0.0.1:5432/postgres; --redis URL: use that Redis
     instead of starting one, which must be durable or HUB_REDIS_DURABILITY=everysec set)

Each run seeds a scratch database (SQLite file, or PostgreSQL database hub_bench_rush, dropped
after) with the demo's tree and --members verified members (1.2 × the packets) on a 东莞
grassroots union, and a red-packet campaign of --packets packets (--budget-yuan, split at
publication). The crowd: every member taps once; a fifth tap twice with the same request id
(a double tap), a tenth tap again with a new one; all in random order, --connections (500)
at once, one connection per request (gunicorn's sync workers close them). The bare endpoint
gets the same number of requests with the same bodies. Prints claims per second, p50 and p99
for both, the ratio (aim: ≥ 0.5), the generator's own CPU share (it shares the two cores), and
then verifies against the database: packets given == budget, no packet twice, no member
beyond the limit, every double tap answered the same, every claim answered is in the
database with the amount answered (once), no 5xx. The last lines, one per run:
`rush <run> ratio=<x> violations=<n>`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchkit  # noqa: E402
import rush_load  # noqa: E402
from benchkit import HOST  # noqa: E402

from hub import demo, migrate  # noqa: E402
from hub.accounts.models import Account  # noqa: E402
from hub.campaigns import approval  # noqa: E402
from hub.campaigns import services as campaigns  # noqa: E402
from hub.campaigns.gate import Gate  # noqa: E402
from hub.campaigns.models import Claim, Slot  # noqa: E402
from hub.campaigns.redis_claims import RedisClaims  # noqa: E402
from hub.campaigns.schemas import CampaignCreate  # noqa: E402
from hub.config import DEFAULT_CHANNELS  # noqa: E402
from hub.db import make_engine, make_session_factory, utcnow  # noqa: E402
from hub.members import sessions  # noqa: E402
from hub.members.models import Member, MemberIdentity  # noqa: E402
from hub.posts import services as posts  # noqa: E402
from hub.posts.workflow import Action  # noqa: E402
from hub.users.models import User  # noqa: E402

NAME = "hub_bench_rush"
SECRET = "bench-rush"  # HUB_SECRET_KEY of the served hub: member tokens are signed with it
UNION = "dg-humen-garment"


def seed(sessions_, members: int, packets: int, budget_fen: int) -> tuple[int, list[tuple]]:
    """The demo tree, `members` verified members with identities, and an open red-packet
    campaign; returns (campaign id, [(identity id, openid, member id)])."""
    now = utcnow()
    with sessions_() as db:
        demo.load(db)
        db.flush()
        union = db.scalar(select(Account.id).where(Account.code == UNION))
        db.execute(insert(Member), [{
            "account_id": union, "name": "压测会员", "id_hash": f"{n:064x}",
            "id_encrypted": "-", "state": "verified", "openid": f"rush-o{n}",
            "imported_at": now, "registered_at": now, "verified_at": now, "updated_at": now}
            for n in range(members)])
        ids = dict(db.execute(select(Member.openid, Member.id).where(
            Member.openid.like("rush-o%"))).all())
        db.execute(insert(MemberIdentity), [{
            "openid": openid, "member_id": member_id, "created_at": now}
            for openid, member_id in ids.items()])
        people = db.execute(select(MemberIdentity.id, MemberIdentity.openid,
                                   MemberIdentity.member_id).where(
            MemberIdentity.openid.like("rush-o%"))).all()
        editor = db.scalar(select(User).where(User.username == "dg-editor"))
        reviewer = db.scalar(select(User).where(User.username == "dg-reviewer"))
        dongguan = db.scalar(select(Account).where(Account.code == "dongguan"))
        post = posts.create_post(db, editor, dongguan, {
            "title": "压测红包雨", "body": "压测", "kind": "promotion"})
        posts.act(db, editor, post, Action.submit)
        posts.act(db, reviewer, post, Action.approve)
        posts.act(db, reviewer, post, Action.publish)
        campaign = campaigns.create_campaign(db, editor, CampaignCreate(
            account="dongguan", post_id=post.id, kind="red_packet", title="压测红包雨",
            starts_at=now, ends_at=now.replace(year=now.year + 1), budget_fen=budget_fen,
            count=packets))
        # Money opens only with a second person's approval (hub.campaigns.approval).
        approval.approve(db, reviewer, campaign, dongguan, "压测")
        db.commit()
        return campaign.id, [tuple(p) for p in people]


def crowd(campaign_id: int, people: list[tuple], port: int, path: str | None = None,
          seed_: int = 7) -> tuple[list[bytes], list[tuple[int, str]]]:
    """Requests in random order, and for each (member id, request id)."""
    rng = random.Random(seed_)
    taps = []
    for identity_id, openid, member_id in people:
        token = sessions.issue(SECRET, identity_id, openid)
        first = f"rid-{member_id}-{rng.getrandbits(40):x}"
        taps.append((member_id, first, token))
        if rng.random() < 0.2:
            taps.append((member_id, first, token))  # double tap: the same request id
        if rng.random() < 0.1:
            taps.append((member_id, f"rid-{member_id}-again", token))
    rng.shuffle(taps)
    target = path or f"/mp/v1/campaigns/{campaign_id}/claim"
    requests = [rush_load.post_json(HOST, port, target,
                                    json.dumps({"request_id": rid}).encode(),
                                    {"Authorization": f"Member {token}"})
                for _, rid, token in taps]
    return requests, [(member_id, rid) for member_id, rid, _ in taps]


def measured(name: str, server: subprocess.Popen, port: int, requests: list[bytes],
             connections: int, keep_bodies: bool = False) -> rush_load.Result:
    """A run, with the CPU its gunicorn processes (and PostgreSQL's backends) used per request:
    a cost that does not move with whatever else shares the machine."""
    pids = benchkit.family(server)
    before, pg_before = benchkit.cpu_seconds(pids), {
        pid: benchkit.cpu_seconds([pid]) for pid in benchkit.postgres_backends(NAME)}
    result = rush_load.run(name, HOST, port, requests, connections=connections,
                           keep_bodies=keep_bodies)
    result.app_ms = (benchkit.cpu_seconds(pids) - before) * 1000 / max(result.requests, 1)
    pg_after = {pid: benchkit.cpu_seconds([pid]) for pid in benchkit.postgres_backends(NAME)}
    result.db_ms = sum(after - pg_before.get(pid, 0) for pid, after in pg_after.items()
                       ) * 1000 / max(result.requests, 1)
    return result


def verify(sessions_, campaign_id: int, budget_fen: int, packets: int, taps, result) -> list:
    """The invariants; returns the violations found (empty when all hold)."""
    problems = []
    with sessions_() as db:
        taken, given, distinct = db.execute(select(
            func.count(Slot.claim_id), func.coalesce(func.sum(Slot.amount_fen), 0),
            func.count(func.distinct(Slot.claim_id))).where(
            Slot.campaign_id == campaign_id, Slot.claim_id.is_not(None))).one()
        total = db.scalar(select(func.sum(Slot.amount_fen)).where(
            Slot.campaign_id == campaign_id))
        claims = db.scalar(select(func.count()).select_from(Claim).where(
            Claim.campaign_id == campaign_id))
        beyond = db.scalar(select(func.count()).select_from(
            select(Claim.member_id).where(Claim.campaign_id == campaign_id)
            .group_by(Claim.member_id).having(func.count() > 1).subquery()))
        saved = dict(db.execute(select(Claim.id, Slot.amount_fen).join(
            Slot, Slot.id == Claim.slot_id).where(Claim.campaign_id == campaign_id)).all())
    if total != budget_fen:
        problems.append(f"the split adds up to {total}, not the budget {budget_fen}")
    if taken != packets or given != budget_fen:
        problems.append(f"{taken} packets given ({given} fen) of {packets} ({budget_fen} fen)")
    if distinct != taken or claims != taken:
        problems.append(f"{taken} packets taken, {distinct} distinct claims, {claims} claims")
    if beyond:
        problems.append(f"{beyond} members hold more than one packet")
    answers = defaultdict(set)
    for index, status, body in result.bodies:
        member_id, rid = taps[index]
        if status >= 500:
            problems.append(f"{status} answered to member {member_id}")
        if status == 200:
            answers[(member_id, rid)].add(body)
    if any(len(seen) > 1 for seen in answers.values()):
        problems.append("a repeated request id got two different answers")
    won = {member_id: json.loads(next(iter(seen)))["amount_fen"]
           for (member_id, _), seen in answers.items()}
    if sum(won.values()) != budget_fen:
        problems.append(f"answers acknowledged {sum(won.values())} fen, not {budget_fen}")
    acknowledged = {body["claim_id"]: body["amount_fen"] for body in (
        json.loads(next(iter(seen))) for seen in answers.values())}
    if acknowledged != saved:
        missing = len(set(acknowledged) - set(saved))
        problems.append(f"{missing} acknowledged claims not in the database, "
                        f"{len(set(saved) - set(acknowledged))} in it never acknowledged")
    if result.errors:
        problems.append(f"{result.errors} requests got no answer")
    return problems


def scenario(key: str, name: str, url: str | None, redis_url: str | None, args, workdir: Path,
             bare_server: subprocess.Popen, bare_port: int) -> dict:
    database, drop = benchkit.scratch_database(url, NAME, workdir / "rush.sqlite3")
    engine = make_engine(database)
    try:
        migrate.upgrade(engine, workdir, migrate.locations_of(DEFAULT_CHANNELS))
        sessions_ = make_session_factory(engine)
        campaign_id, people = seed(sessions_, args.members or int(args.packets * 1.2),
                                   args.packets, args.budget_yuan * 100)
        if redis_url:
            _forget(redis_url)  # a fresh Redis for a fresh database
            with sessions_() as db:  # as the persister's round would within seconds
                RedisClaims(redis_url).load(db, campaign_id)
        port = benchkit.free_port()
        env = benchkit.hub_env(database, SECRET, HUB_VAR_DIR=str(workdir / "var"))
        env.pop("HUB_REDIS_URL", None)
        if redis_url:
            env["HUB_REDIS_URL"] = redis_url
        hub = benchkit.gunicorn("rush_app:hub()", port, env, threads=args.threads)
        persister = _persister(env) if redis_url else None
        problems = []
        try:
            requests, taps = crowd(campaign_id, people, port)
            bare_requests, _ = crowd(campaign_id, people, bare_port, "/bare/claim")
            bare = measured("bare", bare_server, bare_port, bare_requests, args.connections)
            rush = measured(name, hub, port, requests, args.connections, keep_bodies=True)
            if persister is not None:
                problems += _drained(redis_url, database)
        finally:
            benchkit.stop(hub, timeout=20)
            if persister is not None:
                benchkit.stop(persister, timeout=20)
        problems += verify(sessions_, campaign_id, args.budget_yuan * 100, args.packets, taps,
                           rush)
        if redis_url:
            _forget(redis_url)
        return {"name": name, "key": key, "rush": rush, "bare": bare, "problems": problems}
    finally:
        engine.dispose()
        drop()


def _forget(redis_url: str) -> None:
    Gate(redis_url).forget()
    RedisClaims(redis_url).forget()


def _persister(env: dict) -> subprocess.Popen:
    """`hub campaigns persist`: the claims persister, a process of its own."""
    return subprocess.Popen([sys.executable, "-c", "from hub.cli import main; main()",
                             "campaigns", "persist"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _drained(redis_url: str, database: str, seconds: float = 120) -> list[str]:
    """Wait for the persister to write every claim; a problem when it does not in time."""
    claims = RedisClaims(redis_url)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if claims.lag()["unpersisted"] == 0:
            return []
        time.sleep(0.1)
    return [f"{claims.lag()['unpersisted']} claims not persisted after {seconds:.0f} s"]


@contextlib.contextmanager
def durable_redis(url: str | None, workdir: Path):
    """The Redis the run uses: `url` as given, else one of its own (appendfsync always)."""
    if url:
        yield url
        return
    port = benchkit.free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", HOST, "--dir", str(workdir),
         "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"redis://{HOST}:{port}/0"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                RedisClaims(url).redis.ping()
                break
            except Exception:  # noqa: BLE001  (not up yet)
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def report(rows: list[dict], args) -> None:
    workers = f"gthread, {args.threads} threads each" if args.threads > 1 else "sync"
    print(f"\n{args.packets:,} red packets, {args.budget_yuan:,} yuan; "
          f"{args.connections} concurrent connections; gunicorn -w 2 ({workers}) for both "
          "apps\n")
    print(f"{'run':<24}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'bare/s':>8}{'bare p99':>9}"
          f"{'ratio':>6}{'app ms':>8}{'bare ms':>8}{'db ms':>7}{'gen':>5}  statuses")
    for row in rows:
        rush, bare = row["rush"], row["bare"]
        statuses = ", ".join(f"{code}×{n}" for code, n in sorted(rush.statuses.items()))
        print(f"{row['name']:<24}{rush.rps:>7.0f}{rush.percentile(0.5) * 1000:>8.1f}"
              f"{rush.percentile(0.99) * 1000:>8.1f}{bare.rps:>8.0f}"
              f"{bare.percentile(0.99) * 1000:>9.1f}{rush.rps / bare.rps:>6.2f}"
              f"{rush.app_ms:>8.2f}{bare.app_ms:>8.2f}{rush.db_ms:>7.2f}"
              f"{rush.generator_cpu:>5.0%}  {statuses}")
    print("\napp ms / bare ms: CPU of the gunicorn processes per request; db ms: CPU of the "
          "PostgreSQL backends per request; gen: the load generator's share of one core.")
    print()
    for row in rows:
        verdict = "all invariants hold" if not row["problems"] else "; ".join(row["problems"])
        print(f"{row['name']}: {verdict}")
    print()
    for row in rows:
        ratio = row["rush"].rps / row["bare"].rps
        print(f"rush {row['key']} ratio={ratio:.2f} violations={len(row['problems'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default=None,
                        help="a durable Redis to use (default: start one of its own)")
    parser.add_argument("--only", choices=("sqlite", "postgresql", "redis"), action="append")
    parser.add_argument("--packets", type=int, default=10_000)
    parser.add_argument("--budget-yuan", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=0, help="default 1.2 × packets")
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1,
                        help="gthread threads per worker for both apps (1: sync workers)")
    args = parser.parse_args()
    wanted = args.only or ["sqlite", "postgresql", "redis"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="rush-") as tmp, \
            durable_redis(args.redis, Path(tmp)) as redis_url:
        plans = {"sqlite": ("SQLite", None, None),
                 "postgresql": ("PostgreSQL", args.database, None),
                 "redis": ("PostgreSQL + Redis", args.database, redis_url)}
        bare_port = benchkit.free_port()
        bare = benchkit.gunicorn("rush_app:bare()", bare_port,
                                 {**os.environ, "PYTHONPATH": str(ROOT)}, threads=args.threads)
        try:
            for key in wanted:
                label, url, redis = plans[key]
                print(f"running {label} …", flush=True)
                workdir = Path(tmp) / key
                workdir.mkdir()
                rows.append(scenario(key, label, url, redis, args, workdir, bare, bare_port))
        finally:
            benchkit.stop(bare, timeout=20)
    report(rows, args)
    if any(row["problems"] for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
