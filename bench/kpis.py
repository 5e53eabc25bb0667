"""KPI benchmark on PostgreSQL: a generated province of 100,000 accounts and 10,000,000 members
with 30 days of KPI history; the time `GET /api/v1/kpis` takes to answer for the province, a
city and a town, served by gunicorn, beside the scheduler's quarter-hourly refresh.

    .venv/bin/python bench/kpis.py --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/kpis.py --database … --accounts 10000 --members 1000000  # smaller
    .venv/bin/python bench/kpis.py --database … --keep      # then: --reuse (skip seeding)

Seeding goes into a scratch database (hub_bench_kpis, or $HUB_BENCH_KPIS_DB): in plain SQL
(generate_series), the demo's tree (province, 东莞 and its 33 towns, 梅州 and its 8 counties)
widened to 21 cities with --towns towns and streets each, and grassroots unions under the
towns up to --accounts accounts in all; by COPY, --members members on their rolls (imported
over the last 90 days, 55% verified over the last 40), with foreign-key checks off for the load
and the secondary indexes built after it (ten million in minutes); in SQL again, KPI rows
for 30 days as the counting writes them: every union's own reads, active members, plays,
impressions and clicks, rolled up to each ancestor.
Then the scheduler's refresh runs once (the member figures' snapshot, accounts opened, levels:
its time is printed), and --late members are verified after it, so every answer also counts
what changed since the snapshot, as it does between two runs.

Each account's answer is asked --requests times over HTTP (one connection per request, gunicorn
with 2 sync workers) with a province admin's token; prints p50, p95 and the slowest, and the
answer's database time alone. Aim: the province's answer in under 200 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchkit  # noqa: E402
from benchkit import HOST  # noqa: E402

from hub import demo, migrate  # noqa: E402
from hub.accounts.services import get_account  # noqa: E402
from hub.config import DEFAULT_CHANNELS  # noqa: E402
from hub.db import make_engine, make_session_factory  # noqa: E402
from hub.kpis import refresh, services  # noqa: E402
from hub.users import services as users  # noqa: E402

NAME = os.environ.get("HUB_BENCH_KPIS_DB", "hub_bench_kpis")
SECRET = "bench"

SEED_CITIES = """
INSERT INTO accounts (code, name, level, region_code, parent_id, path, theme_color, intro,
                      requires_review, created_at)
SELECT 'bench-c' || g, '测试市总工会 ' || g, 'city', '44' || lpad(g::text, 4, '0'), p.id, '',
       '#C8102E', '', false, now() AT TIME ZONE 'UTC'
FROM generate_series(1, 19) AS g, accounts AS p WHERE p.code = 'guangdong';
UPDATE accounts AS a SET path = p.path || a.id || '/'
FROM accounts AS p WHERE a.parent_id = p.id AND a.path = '';
INSERT INTO accounts (code, name, level, region_code, parent_id, path, theme_color, intro,
                      requires_review, created_at)
SELECT c.code || '-t' || g, '测试镇总工会 ' || c.id || '-' || g, 'town', c.region_code, c.id,
       '', '#C8102E', '', false, now() AT TIME ZONE 'UTC'
FROM accounts AS c, generate_series(1, :towns) AS g
WHERE c.level = 'city' AND c.code LIKE 'bench-c%';
UPDATE accounts AS a SET path = p.path || a.id || '/'
FROM accounts AS p WHERE a.parent_id = p.id AND a.path = ''
"""

SEED_UNIONS = """
INSERT INTO accounts (code, name, level, region_code, parent_id, path, theme_color, intro,
                      requires_review, created_at)
SELECT 'bench-u' || g, '测试基层工会 ' || g, 'grassroots', t.region_code, t.id, '',
       '#C8102E', '', false, now() AT TIME ZONE 'UTC'
FROM generate_series(0, :unions - 1) AS g
JOIN (SELECT id, region_code, row_number() OVER (ORDER BY id) - 1 AS n,
             count(*) OVER () AS total
      FROM accounts WHERE level IN ('town', 'street', 'district')) AS t
  ON t.n = g % t.total;
UPDATE accounts AS a SET path = p.path || a.id || '/'
FROM accounts AS p WHERE a.parent_id = p.id AND a.path = ''
"""

MEMBER_COLUMNS = ("account_id", "name", "id_hash", "id_encrypted", "state", "imported_at",
                  "verified_at", "updated_at")
# The secondary indexes are built once after the load (a sorted build), not row by row.
MEMBER_INDEXES = """
SELECT indexdef FROM pg_indexes
WHERE tablename = 'members' AND indexname NOT IN ('pk_members', 'uq_members_id_hash')
"""
DAY = 86400


def member_lines(unions: list[int], members: int, now: float, batch: int = 20_000):
    """The rolls as COPY text, `batch` lines at a time: members spread over the unions,
    imported over 90 days, 55% verified over the last 40 (as the SQL seeding did)."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now))
    n = len(unions)
    lines = []
    for g in range(1, members + 1):
        imported = time.strftime("%Y-%m-%d %H:%M:%S",
                                 time.gmtime(now - 60 - (g * 7919) % (90 * DAY)))
        verified = g % 100 < 55
        verified_at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(
            now - 60 - (g * 104729) % (40 * DAY))) if verified else "\\N"
        id_hash = hashlib.sha256(g.to_bytes(8, "little")).hexdigest()
        lines.append(f"{unions[(g * 31) % n]}\t会员{g}\t{id_hash}\tx\t"
                     f"{'verified' if verified else 'imported'}\t{imported}\t{verified_at}\t"
                     f"{stamp}\n")
        if len(lines) == batch:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


def copy_members(url: str, members: int) -> None:
    """The rolls by COPY, with foreign-key checks off for the load (replica role) and the
    secondary indexes dropped and built afterwards: minutes for ten million, not an hour."""
    started = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET maintenance_work_mem = '1GB'")
        unions = [row[0] for row in conn.execute(
            "SELECT id FROM accounts WHERE level = 'grassroots' ORDER BY id")]
        indexes = [row[0] for row in conn.execute(MEMBER_INDEXES)]
        for definition in indexes:
            conn.execute(f"DROP INDEX {definition.split()[2 + ('UNIQUE' in definition)]}")
        conn.execute("ALTER TABLE members DROP CONSTRAINT uq_members_id_hash")
        copy_sql = f"COPY members ({', '.join(MEMBER_COLUMNS)}) FROM STDIN"
        with conn.cursor().copy(copy_sql) as copy:
            for block in member_lines(unions, members, time.time()):
                copy.write(block)
        print(f"  {members:,} members (COPY): {time.perf_counter() - started:.1f} s",
              flush=True)
        started = time.perf_counter()
        for definition in indexes:
            conn.execute(definition)
        conn.execute("ALTER TABLE members ADD CONSTRAINT uq_members_id_hash UNIQUE (id_hash)")
        conn.commit()
    print(f"  their {len(indexes) + 1} indexes built: {time.perf_counter() - started:.1f} s",
          flush=True)


# Every union's own flows for 30 days, then each level's rows summed from the level below.
SEED_KPIS = """
INSERT INTO kpi_daily (account_id, day, reads, active_members, led_plays, splash_impressions,
                       splash_clicks)
SELECT a.id, (now() AT TIME ZONE 'Asia/Shanghai')::date - d,
       (a.id * 13 + d * 7) % 40, (a.id * 7 + d * 3) % 25,
       CASE WHEN a.id % 50 = 0 THEN 600 + (a.id + d) % 300 ELSE 0 END,
       CASE WHEN a.id % 20 = 0 THEN 300 + (a.id * d) % 200 ELSE 0 END,
       CASE WHEN a.id % 20 = 0 THEN 9 + (a.id + d) % 7 ELSE 0 END
FROM accounts AS a, generate_series(0, 29) AS d
WHERE a.level = 'grassroots';
INSERT INTO kpi_daily (account_id, day, reads, active_members, led_plays, splash_impressions,
                       splash_clicks)
SELECT a.parent_id, k.day, sum(k.reads) + 150, sum(k.active_members), sum(k.led_plays),
       sum(k.splash_impressions), sum(k.splash_clicks)
FROM kpi_daily AS k JOIN accounts AS a ON a.id = k.account_id
WHERE a.level = 'grassroots' GROUP BY a.parent_id, k.day;
INSERT INTO kpi_daily (account_id, day, reads, active_members, led_plays, splash_impressions,
                       splash_clicks)
SELECT a.parent_id, k.day, sum(k.reads) + 900, sum(k.active_members), sum(k.led_plays),
       sum(k.splash_impressions), sum(k.splash_clicks)
FROM kpi_daily AS k JOIN accounts AS a ON a.id = k.account_id
WHERE a.level IN ('town', 'street', 'district') GROUP BY a.parent_id, k.day;
INSERT INTO kpi_daily (account_id, day, reads, active_members, led_plays, splash_impressions,
                       splash_clicks)
SELECT a.parent_id, k.day, sum(k.reads) + 1800, sum(k.active_members), sum(k.led_plays),
       sum(k.splash_impressions), sum(k.splash_clicks)
FROM kpi_daily AS k JOIN accounts AS a ON a.id = k.account_id
WHERE a.level = 'city' GROUP BY a.parent_id, k.day
"""

VERIFY_LATE = """
UPDATE members SET state = 'verified', verified_at = now() AT TIME ZONE 'UTC'
WHERE id IN (SELECT id FROM members WHERE verified_at IS NULL ORDER BY id LIMIT :late)
"""


def _step(connection, label: str, sql: str, **params) -> None:
    started = time.perf_counter()
    for statement in (s.strip() for s in sql.split(";")):
        if statement:
            connection.execute(text(statement), params)
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def seed(engine, args) -> None:
    with make_session_factory(engine)() as db:
        demo.load_accounts(db)
        demo.load_editors(db)
        db.commit()
    with engine.begin() as connection:
        _step(connection, f"19 more cities, {args.towns} towns each", SEED_CITIES,
              towns=args.towns)
        have = connection.execute(text("SELECT count(*) FROM accounts")).scalar()
        _step(connection, f"{args.accounts - have:,} grassroots unions", SEED_UNIONS,
              unions=max(0, args.accounts - have))
    copy_members(str(engine.url.render_as_string(hide_password=False)), args.members)
    with engine.begin() as connection:
        connection.exec_driver_sql("SET session_replication_role = replica")  # no FK checks
        _step(connection, "30 days of KPI rows, rolled up", SEED_KPIS)
    _vacuum(engine)
    with make_session_factory(engine)() as db:
        started = time.perf_counter()
        accounts = refresh.refresh(db)
        db.commit()
        print(f"  the scheduler's refresh (snapshot of {accounts:,} accounts): "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    with engine.begin() as connection:
        _step(connection, f"{args.late:,} members verified after the snapshot", VERIFY_LATE,
              late=args.late)
    _vacuum(engine)


def _vacuum(engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        started = time.perf_counter()
        connection.exec_driver_sql("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE: {time.perf_counter() - started:.1f} s", flush=True)


COUNTS = {
    "accounts": "SELECT count(*) FROM accounts",
    "members": "SELECT count(*) FROM members",
    "verified": "SELECT count(*) FROM members WHERE verified_at IS NOT NULL",
    "KPI rows": "SELECT count(*) FROM kpi_daily",
}


def describe(engine) -> str:
    with engine.connect() as connection:
        return ", ".join(f"{connection.exec_driver_sql(sql).scalar():,} {label}"
                         for label, sql in COUNTS.items())


def timed_answers(port: int, token: str, path: str, requests: int) -> list[float]:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        answer = connection.getresponse()
        body = answer.read()
        connection.close()
        times.append(time.perf_counter() - started)
        if answer.status != 200:
            raise SystemExit(f"{path}: HTTP {answer.status} {body[:200]!r}")
    return times


def in_process(engine, code: str, requests: int) -> float:
    """The answer's own time (database and Python), without HTTP: the median."""
    times = []
    with make_session_factory(engine)() as db:
        account = get_account(db, code)
        for _ in range(requests):
            started = time.perf_counter()
            services.kpis(db, account, 30)
            times.append(time.perf_counter() - started)
            db.rollback()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="PostgreSQL admin URL")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--towns", type=int, default=80, help="towns per generated city")
    parser.add_argument("--members", type=int, default=10_000_000)
    parser.add_argument("--late", type=int, default=5_000,
                        help="members verified after the snapshot")
    parser.add_argument("--requests", type=int, default=30, help="per account")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="use the kept database as it is")
    args = parser.parse_args()

    url, drop = benchkit.scratch_database(args.database, NAME, reuse=args.reuse)
    server = None
    try:
        engine = make_engine(url)
        if not args.reuse:
            migrate.upgrade(engine, Path("/tmp"), migrate.locations_of(DEFAULT_CHANNELS))
            started = time.perf_counter()
            print("seeding:")
            seed(engine, args)
            print(f"seeded in {time.perf_counter() - started:.1f} s")
        print(describe(engine))
        with make_session_factory(engine)() as db:
            token = users.issue_token(db, users.get_user(db, "gd-admin"))
            db.commit()
        port = benchkit.free_port()
        server = benchkit.gunicorn("feed_app:hub()", port, benchkit.hub_env(url, SECRET))
        town = "dg-humen"
        print(f"{'account':<12}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'in process ms':>15}")
        worst = 0.0
        for code in ("guangdong", "dongguan", town):
            path = f"/api/v1/kpis?account={code}&days=30"
            timed_answers(port, token, path, 3)  # warm the pool and the caches
            times = sorted(timed_answers(port, token, path, args.requests))
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            worst = max(worst, p95)
            print(f"{code:<12}{statistics.median(times) * 1000:>9.1f}{p95 * 1000:>9.1f}"
                  f"{times[-1] * 1000:>9.1f}{in_process(engine, code, 10) * 1000:>15.1f}")
        engine.dispose()
        print(f"gunicorn -w 2 (sync), one connection per request, {args.requests} requests per "
              f"account, days=30. Aim: under 200 ms — {'met' if worst < 0.2 else 'NOT met'} "
              f"(worst p95 {worst * 1000:.1f} ms).")
    finally:
        if server is not None:
            benchkit.stop(server)
        if not args.keep:
            drop()


if __name__ == "__main__":
    main()
