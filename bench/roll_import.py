"""Roll import benchmark: a 1,000,000-row member roll, generated as a CSV file on disk, then
imported through the same code as an upload (hub.members.rolls.import_file), streamed in
chunks. Prints rows per second and the process's memory at every 100,000 rows, to show the
memory flat as the file grows.

    .venv/bin/python bench/roll_import.py                    # SQLite, 1,000,000 rows
    .venv/bin/python bench/roll_import.py --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/roll_import.py --rows 200000 --reimport    # smaller; then again

CPU per row of this process and of the PostgreSQL backend is printed too: the machine's
other load changes rows/s, not those.

Memory: peak RSS (getrusage ru_maxrss, the high-water mark of the whole process: it can only
grow, so equal figures at 100k and 1M rows mean nothing grew) and current RSS (/proc). The
file is generated first (valid check digits, 40 grassroots unions under Dongguan's towns, one
row in 500 wrong on purpose: a bad check digit or a duplicate) and is not part of the timing.
With --reimport the same file is imported a second time (every row an update). On PostgreSQL
a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchkit import cpu_seconds, process_cpu, scratch_database
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub import demo, migrate  # noqa: E402
from hub.accounts.models import Account  # noqa: E402
from hub.accounts.services import create_account, get_account  # noqa: E402
from hub.config import Config  # noqa: E402
from hub.db import make_engine, make_session_factory  # noqa: E402
from hub.members import identity, rolls  # noqa: E402
from hub.members.models import Member  # noqa: E402

UNIONS = 40
EVERY = 100_000


def seed_unions(sessions) -> list[str]:
    """The demo's account tree plus 40 grassroots unions spread over Dongguan's towns."""
    with sessions() as db:
        demo.load_accounts(db)
        towns = list(db.scalars(select(Account).where(Account.parent_id == get_account(
            db, "dongguan").id).order_by(Account.path)))
        codes = []
        for n in range(UNIONS):
            town = towns[n % len(towns)]
            code = f"bench-union-{n:02d}"
            create_account(db, code=code, name=f"测试基层工会 {n}", level="grassroots",
                           parent=town, region_code=town.region_code)
            codes.append(code)
        db.commit()
    return codes


def number(serial: int) -> str:
    born = 19700101 + (serial // 1000) % 28 * 10000 + (serial // 28000) % 12 * 100 \
        + (serial // 336000) % 28
    first17 = f"441900{born}{serial % 1000:03d}"
    return first17 + identity.check_char(first17)


def generate(path: Path, rows: int, unions: list[str]) -> int:
    """Write the roll; returns how many rows are wrong on purpose."""
    wrong = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["姓名", "身份证号", "手机号", "基层工会代码", "入会日期"])
        for n in range(rows):
            value = number(n)
            if n % 500 == 499:
                wrong += 1
                value = number(n - 1) if n % 1000 == 999 else value[:-1] + (
                    "0" if value[-1] != "0" else "1")
            writer.writerow([f"会员{n}", value, f"139{n:08d}", unions[n % len(unions)],
                             "2020-01-01"])
    return wrong


def rss_mb() -> tuple[float, float]:
    """(peak, current) resident memory of this process in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open("/proc/self/statm") as statm:
        current = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return peak, current


def checkpoints(rows, started: float, marks: list):
    """Pass the rows through, noting time and memory every EVERY rows."""
    for count, row in enumerate(rows):
        if count and count % EVERY == 0:
            marks.append((count, time.perf_counter() - started, *rss_mb()))
        yield row


def backend_cpu(db) -> float:
    """CPU seconds of the PostgreSQL backend serving `db` (0 on SQLite: it runs in process)."""
    if db.bind.dialect.name != "postgresql":
        return 0.0
    return cpu_seconds([db.connection().connection.driver_connection.info.backend_pid])


def run_import(sessions, config: Config, path: Path, label: str) -> None:
    keys = identity.IdKeys.from_config(config)
    marks: list = []
    with sessions() as db, path.open("rb") as stream:
        account = get_account(db, "dongguan")
        cpu_before = (process_cpu(), backend_cpu(db))
        started = time.perf_counter()
        fmt, rows = rolls.open_roll(stream, path.name)
        report = rolls.import_roll(db, account, checkpoints(rows, started, marks), keys=keys,
                                   filename=path.name, fmt=fmt)
        elapsed = time.perf_counter() - started
        cpu = (process_cpu() - cpu_before[0], backend_cpu(db) - cpu_before[1])
        record = report.record
        total = db.scalar(select(func.count()).select_from(Member))
    per_row = [1e6 * spent / max(1, record.rows_total) for spent in cpu]
    print(f"\n{label}: {record.rows_total:,} rows in {elapsed:.1f} s = "
          f"{record.rows_total / elapsed:,.0f} rows/s  (accepted {record.rows_accepted:,}, "
          f"inserted {record.inserted:,}, updated {record.updated:,}, "
          f"rejected {record.rows_rejected:,}; members in the table {total:,})")
    print(f"  CPU per row: {per_row[0]:.1f} µs in this process (parsing, hashing, encrypting, "
          f"the driver; SQLite's work too), {per_row[1]:.1f} µs in the PostgreSQL backend "
          f"(they take turns: {1e6 / sum(per_row):,.0f} rows/s on an otherwise idle machine)")
    print(f"  {'rows':>9}  {'seconds':>8}  {'rows/s':>8}  {'peak RSS MB':>11}  {'RSS MB':>7}")
    marks.append((record.rows_total, elapsed, *rss_mb()))
    for count, seconds, peak, current in marks:
        print(f"  {count:>9,}  {seconds:>8.1f}  {count / seconds:>8,.0f}  {peak:>11.1f}  "
              f"{current:>7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", help="PostgreSQL URL (a scratch database is made)")
    parser.add_argument("--reimport", action="store_true", help="import the same file again")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-roll-bench-") as tmp:
        workdir = Path(tmp)
        url, drop = scratch_database(args.database, "hub_bench_roll", workdir / "bench.sqlite3")
        try:
            config = Config(var_dir=workdir / "var", database_url=url,
                            secret_key="bench-secret", load_demo=False)
            engine = make_engine(url)
            migrate.upgrade(engine, config.var_dir, migrate.locations_of(config.channels))
            sessions = make_session_factory(engine)
            unions = seed_unions(sessions)
            path = workdir / "roll.csv"
            started = time.perf_counter()
            wrong = generate(path, args.rows, unions)
            print(f"database: {engine.dialect.name}; roll: {args.rows:,} rows, "
                  f"{path.stat().st_size / 2**20:.0f} MB, {wrong:,} wrong on purpose "
                  f"(written in {time.perf_counter() - started:.1f} s, not timed below); "
                  f"before importing: peak RSS {rss_mb()[0]:.1f} MB")
            run_import(sessions, config, path, "first import")
            if args.reimport:
                run_import(sessions, config, path, "same roll again")
            engine.dispose()
        finally:
            drop()


if __name__ == "__main__":
    main()
