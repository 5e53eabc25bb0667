"""Province simulation: checks docs/scale.md's plan for the "百万红包雨" (1,000,000 packets,
50,000 taps/s at the peak) with per-claim costs measured here on the real parts.

    .venv/bin/python bench/province.py                 # measure, then simulate the plan
    .venv/bin/python bench/province.py --packets 2000 --threads 8    # the measured run's size
    (--database postgresql://postgres@127.0.0.1:5432/postgres; --redis URL: a durable Redis
     of your own instead of one started here; --web-ms: the web's CPU per claim)

1. A scaled-down real run: a scratch PostgreSQL database (hub_bench_province, dropped after)
   with the demo's tree, --packets × 1.2 verified members and a red-packet campaign, loaded
   into a durable Redis (appendfsync always). --threads threads each claim as the lean path
   does, minus HTTP: the claim's one read of PostgreSQL, then the claim script. Then the
   persister writes them all. Measured: Redis's own time per script (INFO commandstats),
   PostgreSQL's CPU per claim read and per claim written (its backends' CPU), and the
   invariants (every claim answered is in the database once, no packet twice).
2. The province, simulated in 10 ms steps with those costs: taps arrive rising to the peak
   and stay there until the packets are gone, then fall away; each claim needs a web core
   (--web-ms, what bench/rush.py measures beyond the network), a read on a PostgreSQL replica
   and one script run on the campaign's Redis node; the persisters drain the stream onto the
   primary in batches. Each stage serves at most its capacity per step, the rest waits in
   order. Printed per configuration: taps answered per second at the peak, the wait a tap
   meets (p50, p99), when the packets ran out, and the persister's greatest lag (claims, and
   the oldest claim's age) and when the last claim reached PostgreSQL.

The machine is shared with other work: the measured costs are CPU time (they hold under
load), the run's own rates are not the point.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchkit  # noqa: E402
import rush  # noqa: E402

from hub import migrate  # noqa: E402
from hub.campaigns import claim_statements as sql  # noqa: E402
from hub.campaigns.models import Campaign, Claim, Slot  # noqa: E402
from hub.campaigns.persister import Persister  # noqa: E402
from hub.campaigns.redis_claims import CLAIMED, RedisClaims  # noqa: E402
from hub.config import DEFAULT_CHANNELS  # noqa: E402
from hub.db import make_engine, make_session_factory, utcnow  # noqa: E402

NAME = "hub_bench_province"


@dataclass
class Costs:
    """What one claim costs each part (ms of CPU; Redis: µs on its one thread)."""

    redis_us: float  # the Redis process's CPU per claim (script, network, append-only file)
    read_ms: float  # PostgreSQL CPU for the claim's read
    write_ms: float  # PostgreSQL CPU per claim the persister writes
    persister_ms: float  # one persister's own CPU per claim (a core each)
    violations: list[str]


# --- 1. the scaled-down real run -------------------------------------------------------------

def measure(args, workdir: Path) -> Costs:
    database, drop = benchkit.scratch_database(args.database, NAME)
    engine = make_engine(database)
    try:
        migrate.upgrade(engine, workdir, migrate.locations_of(DEFAULT_CHANNELS))
        sessions_ = make_session_factory(engine)
        budget = args.packets * 100
        campaign_id, people = rush.seed(sessions_, int(args.packets * 1.2), args.packets,
                                        budget)
        with rush.durable_redis(args.redis, workdir) as redis_url:
            claims = RedisClaims(redis_url)
            claims.forget()
            with sessions_() as db:
                claims.load(db, campaign_id)
                seed = db.get(Campaign, campaign_id).seed
            return _run(args, database, sessions_, claims, campaign_id, seed, people, budget)
    finally:
        engine.dispose()
        drop()


def _run(args, database, sessions_, claims, campaign_id, seed, people, budget) -> Costs:
    import psycopg

    claims.redis.config_resetstat()
    answered: dict[int, int] = {}
    queue = list(people)
    random.Random(7).shuffle(queue)
    lock = threading.Lock()

    connections = [psycopg.connect(database.replace("+psycopg", "", 1), autocommit=True)
                   for _ in range(args.threads)]  # open before measuring: their CPU counts

    def claimer(connection):
        while True:
            with lock:
                if not queue:
                    break
                identity_id, _, member_id = queue.pop()
            connection.execute(sql._SQL["postgresql"][sql.READ_CONTEXT],
                               {"campaign": campaign_id, "identity": identity_id}).fetchall()
            code, entry = claims.claim(campaign_id, seed, member_id, identity_id,
                                       f"prov-{member_id}", 1, utcnow().isoformat())
            if code == CLAIMED:
                with lock:
                    answered[entry.claim_id] = entry.amount_fen

    redis_pid = [int(claims.redis.info("server")["process_id"])]
    pg_before, redis_before = _pg_cpu(), benchkit.cpu_seconds(redis_pid)
    client_before = benchkit.process_cpu()
    workers = [threading.Thread(target=claimer, args=(c,)) for c in connections]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    claimed_in = time.perf_counter() - started
    read_ms = _pg_used(pg_before) * 1000 / len(people)
    redis_us = (benchkit.cpu_seconds(redis_pid) - redis_before) * 1e6 / len(people)
    client_ms = (benchkit.process_cpu() - client_before) * 1000 / len(people)
    for connection in connections:
        connection.close()
    script_us = float(claims.redis.info("commandstats")["cmdstat_evalsha"]["usec_per_call"])
    pg_before, persister_before = _pg_cpu(), benchkit.process_cpu()
    started = time.perf_counter()
    written = Persister(claims, sessions_, "http://bench.invalid").drain()
    drained_in = time.perf_counter() - started
    write_ms = _pg_used(pg_before) * 1000 / max(written, 1)
    persister_ms = (benchkit.process_cpu() - persister_before) * 1000 / max(written, 1)
    print(f"measured: {len(people):,} claims in {claimed_in:.1f} s on {args.threads} threads, "
          f"{len(answered):,} packets given; persisted {written:,} in {drained_in:.1f} s\n"
          f"  client CPU per claim (psycopg read + redis-py EVALSHA): {client_ms:.3f} ms; "
          f"the script's own time in Redis (commandstats, wall): {script_us:.1f} µs; "
          f"the persister's own CPU per claim written: {persister_ms:.3f} ms")
    return Costs(redis_us, read_ms, write_ms, max(persister_ms, 1e-3),
                 _violations(sessions_, campaign_id, answered, budget, claims))


def _pg_cpu() -> dict[int, float]:
    return {pid: benchkit.cpu_seconds([pid]) for pid in benchkit.postgres_backends(NAME)}


def _pg_used(before: dict[int, float]) -> float:
    """PostgreSQL backends' CPU seconds since `before` (one opened since counts in full)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in _pg_cpu().items())


def _violations(sessions_, campaign_id: int, answered: dict[int, int], budget: int,
                claims: RedisClaims) -> list[str]:
    problems = []
    with sessions_() as db:
        saved = dict(db.execute(select(Claim.id, Slot.amount_fen).join(
            Slot, Slot.id == Claim.slot_id).where(Claim.campaign_id == campaign_id)).all())
        taken = db.scalar(select(func.count(func.distinct(Slot.claim_id))).where(
            Slot.campaign_id == campaign_id))
    if saved != answered:
        problems.append(f"{len(answered)} claims answered, {len(saved)} in the database "
                        "(or amounts differ)")
    if taken != len(saved):
        problems.append(f"{taken} slots taken for {len(saved)} claims")
    if sum(saved.values()) > budget:
        problems.append("more given than the budget")
    if claims.lag()["unpersisted"]:
        problems.append("claims left unpersisted")
    return problems


# --- 2. the province, simulated --------------------------------------------------------------

@dataclass
class Plan:
    name: str
    web_cores: int
    web_ms: float
    replica_cores: int
    persisters: int
    primary_cores: int
    redis_nodes: int = 1  # the campaign's stock split over this many (docs/scale.md)


def simulate(plan: Plan, costs: Costs, args) -> dict:
    """Fluid simulation in 10 ms steps; FIFO at each stage, the slowest stage sets the pace."""
    step = 0.01
    stages = {"web": plan.web_cores * 1000 / plan.web_ms,
              "read": plan.replica_cores * 1000 / max(costs.read_ms, 1e-6),
              "Redis": plan.redis_nodes * 1e6 / max(costs.redis_us, 1e-6)}  # claims/s each
    limit = min(stages, key=stages.get)
    capacity = stages[limit]
    drain = min(plan.persisters * 1000 / costs.persister_ms,
                plan.primary_cores * 1000 / max(costs.write_ms, 1e-6))
    rng = random.Random(11)
    backlog = 0.0
    left = float(args.packets)
    waits: list[tuple[float, float]] = []  # (wait seconds, taps)
    stream: deque[list[float]] = deque()  # [second added, claims], oldest first
    lag = lag_peak = age_peak = 0.0
    sold_out_at = persisted_at = None
    second: dict[int, float] = {}  # taps answered in each whole second
    t = 0.0
    while t < 600:
        rate = _taps_per_second(t, sold_out_at, args)
        arrivals = max(0.0, rng.gauss(rate * step, (rate * step) ** 0.5)) if rate else 0.0
        waits.append((backlog / capacity, arrivals))
        served = min(backlog + arrivals, capacity * step)
        backlog += arrivals - served
        second[int(t)] = second.get(int(t), 0.0) + served
        won = min(left, served / args.taps_per_member)
        left -= won
        if left <= 0 and sold_out_at is None:
            sold_out_at = t
        if won:
            stream.append([t, won])
            lag += won
        budget = drain * step
        while stream and budget > 0:
            taken = min(budget, stream[0][1])
            stream[0][1] -= taken
            budget -= taken
            lag -= taken
            if stream[0][1] <= 1e-9:
                stream.popleft()
        lag_peak = max(lag_peak, lag)
        age_peak = max(age_peak, t - stream[0][0] if stream else 0.0)
        if sold_out_at is not None and not stream and backlog < 1 and persisted_at is None:
            persisted_at = t
            break
        t += step
    return {"capacity": capacity, "limit": limit, "drain": drain, "peak": max(second.values()),
            "p50": _percentile(waits, 0.5), "p99": _percentile(waits, 0.99),
            "sold_out": sold_out_at, "lag": lag_peak, "age": age_peak,
            "persisted": persisted_at}


def _taps_per_second(t: float, sold_out_at: float | None, args) -> float:
    """Rising over --ramp seconds to the peak, holding until sold out, then falling away
    over ten seconds (members still tap, and are told it is gone)."""
    if sold_out_at is not None:
        return max(0.0, args.peak * (1 - (t - sold_out_at) / 10))
    return args.peak * min(1.0, t / args.ramp) if args.ramp else args.peak


def _percentile(waits: list[tuple[float, float]], share: float) -> float:
    total = sum(taps for _, taps in waits)
    running = 0.0
    for wait, taps in sorted(waits):
        running += taps
        if running >= share * total:
            return wait
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default=None)
    parser.add_argument("--packets", type=int, default=5000, help="the measured run's")
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--web-ms", type=float, default=0.6,
                        help="web CPU per claim (docs/scale.md: 0.6 ms on a quiet core)")
    parser.add_argument("--peak", type=float, default=50_000)
    parser.add_argument("--ramp", type=float, default=5)
    parser.add_argument("--province-packets", type=int, default=1_000_000)
    parser.add_argument("--taps-per-member", type=float, default=1.3,
                        help="taps per packet given (double taps, retries)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="province-") as tmp:
        costs = measure(args, Path(tmp))
    print(f"per claim: Redis {costs.redis_us:.1f} µs of its thread; PostgreSQL "
          f"{costs.read_ms:.3f} ms CPU to read, {costs.write_ms:.3f} ms CPU to write "
          f"(and {costs.persister_ms:.3f} ms of the persister's own); violations: "
          f"{len(costs.violations)} {costs.violations or ''}")
    args.packets = args.province_packets
    plans = [Plan("1 Redis node, 3 persisters", 64, args.web_ms, 16, 3, 32),
             Plan("stock on 4 Redis nodes, 3 persisters", 64, args.web_ms, 16, 3, 32, 4),
             Plan("stock on 4 Redis nodes, 8 persisters", 64, args.web_ms, 16, 8, 32, 4),
             Plan("  the same, 3 web nodes", 48, args.web_ms, 16, 8, 32, 4),
             Plan("  the same, web at 1.7 ms (loaded here)", 64, 1.7, 16, 8, 32, 4)]
    print(f"\n{args.province_packets:,} packets, peak {args.peak:,.0f} taps/s "
          f"(ramp {args.ramp:.0f} s), {args.taps_per_member} taps per packet given\n")
    print(f"{'configuration':<40}{'path/s (limit)':>17}{'answered/s':>11}{'p50 s':>7}{'p99 s':>7}"
          f"{'sold out':>9}{'lag peak':>10}{'oldest':>8}{'in PG at':>9}")
    for plan in plans:
        found = simulate(plan, costs, args)
        print(f"{plan.name:<40}{found['capacity']:>9,.0f} ({found['limit']:<5})"
              f"{found['peak']:>11,.0f}"
              f"{found['p50']:>7.2f}{found['p99']:>7.2f}{_s(found['sold_out']):>9}"
              f"{found['lag']:>10,.0f}{found['age']:>7.1f}s{_s(found['persisted']):>9}")
    print(f"\nprovince violations={len(costs.violations)}")
    if costs.violations:
        sys.exit(1)


def _s(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}s"


if __name__ == "__main__":
    main()
