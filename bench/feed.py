"""Feed benchmark on PostgreSQL: 1,000,000 posts, 100,000 members following 20 accounts
each, feed reads from 16 concurrent clients under gunicorn (2 workers), beside a bare Flask
endpoint served the same way in the same run.

    .venv/bin/python bench/feed.py --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/feed.py --database … --posts 100000 --members 10000   # smaller
    .venv/bin/python bench/feed.py --database … --keep      # then: --reuse (skip seeding)

Seeding is plain SQL (generate_series, INSERT … SELECT) into a scratch database
(hub_bench_feed): the demo's tree plus --unions grassroots unions under its towns and
counties; --posts posts (2% by the province, 8% by the cities, 30% by towns, 60% by grassroots
unions; 2% withdrawn, 1% drafts; 30 s apart); post_reach rows as publishing writes them (each
post's own account, and push-downs: a fifth of province and city posts to every non-grassroots
account below, a twentieth of town posts to every union below); --members WeChat identities,
each following their union's chain up to the province (4 accounts) and 16 accounts picked
across the province. Then VACUUM ANALYZE.

Three paths are driven in rounds with bench/polling_load.py (one connection per request, as
gunicorn's sync workers close them): the bare endpoint, the first page of a random member's
feed as the mini-program reads it (GET /mp/v1/feed with the member's session token), and a
second page (with the cursor of the first). Prints requests per second, p50 and
p99, the ratio to the bare endpoint, the load generator's own CPU share (it shares the two
cores with the workers and PostgreSQL), and EXPLAIN (ANALYZE, BUFFERS) of one first page.
Aim: feed p99 < 50 ms at 16 clients.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchkit  # noqa: E402
import polling_load  # noqa: E402
from benchkit import HOST  # noqa: E402

from hub import demo, migrate  # noqa: E402
from hub.config import DEFAULT_CHANNELS  # noqa: E402
from hub.db import make_engine, make_session_factory  # noqa: E402
from hub.members import feed, follows, sessions  # noqa: E402

NAME = "hub_bench_feed"
SECRET = "bench"  # HUB_SECRET_KEY of the served hub: member tokens are signed with it

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
FROM accounts AS p WHERE a.parent_id = p.id AND a.path = '';
"""

SEED_POSTS = """
WITH prov AS (SELECT array_agg(id ORDER BY id) AS a FROM accounts WHERE level = 'province'),
     city AS (SELECT array_agg(id ORDER BY id) AS a FROM accounts WHERE level = 'city'),
     town AS (SELECT array_agg(id ORDER BY id) AS a FROM accounts
              WHERE level IN ('town', 'street', 'district')),
     unit AS (SELECT array_agg(id ORDER BY id) AS a FROM accounts WHERE level = 'grassroots'),
     author AS (SELECT min(id) AS id FROM users)
INSERT INTO posts (account_id, kind, state, author_id, title, summary, body, overrides,
                   push_down, revision, version, published_at, created_at, updated_at,
                   review_note)
SELECT CASE WHEN g % 100 < 2 THEN prov.a[1]
            WHEN g % 100 < 10 THEN city.a[1 + g % cardinality(city.a)]
            WHEN g % 100 < 40 THEN town.a[1 + (g / 100) % cardinality(town.a)]
            ELSE unit.a[1 + (g::bigint * 7919) % cardinality(unit.a)] END,
       'article',
       CASE WHEN g % 97 = 3 THEN 'draft' WHEN g % 50 = 7 THEN 'withdrawn'
            ELSE 'published' END,
       author.id, '测试文章 ' || g, '职工服务信息摘要 ' || g, '', '{}',
       CASE WHEN (g % 100 < 10 AND g % 5 = 0) OR (g % 100 BETWEEN 10 AND 39 AND g % 20 = 0)
            THEN '["*"]'::json END,
       1, 1,
       CASE WHEN g % 97 = 3 THEN NULL
            ELSE (now() AT TIME ZONE 'UTC') - make_interval(secs => (:posts - g) * 30) END,
       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', ''
FROM generate_series(1, :posts) AS g, prov, city, town, unit, author;
"""

SEED_REACH = """
INSERT INTO post_reach (post_id, account_id, pushed)
SELECT id, account_id, false FROM posts WHERE state <> 'draft'
ON CONFLICT DO NOTHING;
CREATE TEMPORARY TABLE below AS
SELECT up.id AS ancestor, down.id AS account_id, down.level
FROM accounts AS up JOIN accounts AS down
  ON down.path LIKE up.path || '%' AND down.id <> up.id;
CREATE INDEX ON below (ancestor);
INSERT INTO post_reach (post_id, account_id, pushed)
SELECT p.id, b.account_id, true
FROM posts AS p JOIN accounts AS a ON a.id = p.account_id
JOIN below AS b ON b.ancestor = p.account_id
WHERE p.state <> 'draft' AND p.push_down IS NOT NULL
  AND (a.level IN ('town', 'street', 'district') OR b.level <> 'grassroots')
ON CONFLICT DO NOTHING;
"""

SEED_MEMBERS = """
INSERT INTO member_identities (openid, created_at)
SELECT 'bench-o' || i, now() AT TIME ZONE 'UTC' FROM generate_series(1, :members) AS i;
WITH unit AS (SELECT array_agg(path ORDER BY id) AS paths FROM accounts
              WHERE level = 'grassroots')
INSERT INTO member_follows (identity_id, account_id, own, created_at)
SELECT m.id, chain.id::integer, true, now() AT TIME ZONE 'UTC'
FROM member_identities AS m, unit,
     unnest(string_to_array(trim(both '/' from
                                 unit.paths[1 + (m.id * 31) % cardinality(unit.paths)]),
                            '/')) AS chain(id)
ON CONFLICT DO NOTHING;
WITH everyone AS (SELECT array_agg(id ORDER BY id) AS ids FROM accounts)
INSERT INTO member_follows (identity_id, account_id, own, created_at)
SELECT m.id, everyone.ids[1 + (m.id * 7919 + k * 104729) % cardinality(everyone.ids)], false,
       now() AT TIME ZONE 'UTC'
FROM member_identities AS m, everyone, generate_series(1, :others) AS k
ON CONFLICT DO NOTHING;
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
        _step(connection, f"{args.unions:,} grassroots unions", SEED_UNIONS, unions=args.unions)
        _step(connection, f"{args.posts:,} posts", SEED_POSTS, posts=args.posts)
        _step(connection, "post reach (own accounts and push-downs)", SEED_REACH)
        _step(connection, f"{args.members:,} members and their follows", SEED_MEMBERS,
              members=args.members, others=args.follows - 4)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        started = time.perf_counter()
        connection.exec_driver_sql("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")


COUNTS = {
    "accounts": "SELECT count(*) FROM accounts",
    "posts": "SELECT count(*) FROM posts",
    "published": "SELECT count(*) FROM posts WHERE state = 'published'",
    "reach rows": "SELECT count(*) FROM post_reach",
    "members": "SELECT count(*) FROM member_identities",
    "follows": "SELECT count(*) FROM member_follows",
}


def describe(engine) -> str:
    with engine.connect() as connection:
        return ", ".join(f"{connection.exec_driver_sql(sql).scalar():,} {label}"
                         for label, sql in COUNTS.items())


def explain(engine, identity_id: int) -> str:
    """The plan of one first page, with the parameters the service binds."""
    from sqlalchemy import event

    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "LATERAL" in statement:
            captured.append((statement, parameters))

    with make_session_factory(engine)() as db:
        followed = follows.followed_ids(db, identity_id)
        ancestors = feed.ancestors_only(db, followed)
        event.listen(engine, "before_cursor_execute", capture)
        try:
            feed.feed(db, identity_id)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        raw = db.connection().connection.driver_connection
        lines = [f"identity {identity_id}: follows {len(followed)} accounts, "
                 f"{len(ancestors)} more above them"]
        for statement, parameters in captured:
            plan = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines += [row[0] for row in plan]
        return "\n".join(lines)


def plans(engine, hub_port: int, bare_port: int, members: int) -> list:
    """Requests as the mini-program sends them: GET /mp/v1/feed with a member's session."""
    build = polling_load.request_bytes
    rng = random.Random(7)
    ids = rng.sample(range(1, members + 1), min(5000, members))

    def as_member(i: int, path: str) -> bytes:
        token = sessions.issue(SECRET, i, f"bench-o{i}")
        return build(HOST, hub_port, path, {"Authorization": f"Member {token}"})

    first = [as_member(i, "/mp/v1/feed") for i in ids]
    second = []
    with make_session_factory(engine)() as db:
        for i in ids[:1000]:
            cursor = feed.feed(db, i).next_cursor
            if cursor:
                second.append(as_member(i, f"/mp/v1/feed?cursor={cursor}"))
    return [("bare Flask", bare_port, [build(HOST, bare_port, "/bare")]),
            ("feed page 1", hub_port, first),
            ("feed page 2", hub_port, second)]


def measured(name, port, requests, args, servers) -> polling_load.Result:
    """One path's run, with the CPU the serving processes and PostgreSQL spent on it."""
    watched = benchkit.family(servers[port])
    # Backends are forked per connection: the ones taken now are still there after the run.
    database = benchkit.postgres_backends(NAME)
    before = (benchkit.cpu_seconds(watched), benchkit.cpu_seconds(database))
    result = polling_load.run(name, HOST, port, requests, seconds=args.seconds,
                              connections=args.connections, warmup=0)
    spent = (benchkit.cpu_seconds(watched) - before[0],
             benchkit.cpu_seconds(database) - before[1])
    total = max(1, result.requests)
    result.server_ms, result.database_ms = (1000 * spent[0] / total, 1000 * spent[1] / total)
    return result


def summarise(rounds: list[list]) -> None:
    print(f"{'path':<14}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'× bare':>8}"
          f"{'errors':>8}{'generator CPU':>15}{'app CPU ms/req':>16}{'PG CPU ms/req':>15}")
    for index, first in enumerate(rounds[0]):
        runs = [r[index] for r in rounds]
        server_ms = statistics.median(r.server_ms for r in runs)
        database_ms = statistics.median(r.database_ms for r in runs)
        rps = statistics.median(r.rps for r in runs)
        p50 = statistics.median(r.percentile(0.5) for r in runs) * 1000
        p99 = statistics.median(r.percentile(0.99) for r in runs) * 1000
        ratio = statistics.median(r[index].rps / r[0].rps for r in rounds)
        odd = sum(n for r in runs for s, n in r.statuses.items() if s >= 400) + sum(
            r.errors for r in runs)
        cpu = statistics.median(r.generator_cpu for r in runs)
        print(f"{first.name:<14}{rps:>8.0f}{p50:>8.1f}{p99:>8.1f}{ratio:>8.2f}{odd:>8}"
              f"{cpu:>14.0%}{server_ms:>16.2f}{database_ms:>15.2f}")
    print("app CPU: the gunicorn processes' CPU per request; PG CPU: the PostgreSQL backends "
          "serving them. Other load on the machine shows in req/s and latency, not in these.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="PostgreSQL admin URL")
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--follows", type=int, default=20)
    parser.add_argument("--unions", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per path per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="use the kept database as it is")
    args = parser.parse_args()

    url, drop = benchkit.scratch_database(args.database, NAME, reuse=args.reuse)
    processes = []
    try:
        engine = make_engine(url)
        if not args.reuse:
            migrate.upgrade(engine, Path("/tmp"), migrate.locations_of(DEFAULT_CHANNELS))
            started = time.perf_counter()
            print("seeding:")
            seed(engine, args)
            print(f"seeded in {time.perf_counter() - started:.1f} s")
        print(describe(engine))
        env = benchkit.hub_env(url, SECRET)
        hub_port, bare_port = benchkit.free_port(), benchkit.free_port()
        processes.append(benchkit.gunicorn("feed_app:hub()", hub_port, env, args.workers))
        processes.append(benchkit.gunicorn("feed_app:bare()", bare_port, env, args.workers))
        servers = {hub_port: processes[0], bare_port: processes[1]}
        paths = plans(engine, hub_port, bare_port, args.members)
        print(explain(engine, 4242 % args.members + 1))
        engine.dispose()
        for name, port, requests in paths:  # warm the pools and the prepared statements
            polling_load.run(name, HOST, port, requests, seconds=2, warmup=0,
                             connections=args.connections)
        rounds = [[measured(name, port, requests, args, servers)
                   for name, port, requests in paths] for _ in range(args.rounds)]
        print(f"gunicorn -w {args.workers} (sync) for the hub and for the bare app; "
              f"{args.connections} connections; {args.rounds} rounds of {args.seconds:.0f} s "
              "per path (medians). Aim: feed p99 < 50 ms.")
        summarise(rounds)
    finally:
        for process in processes:
            benchkit.stop(process)
        if not args.keep:
            drop()


if __name__ == "__main__":
    main()
