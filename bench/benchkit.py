"""What the benchmarks in bench/ share: a scratch database, gunicorn started and stopped, the
bare Flask app they compare with, CPU seconds read from /proc, and the one HTTP/1.1 exchange
their load generators make on a raw socket."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
from flask import Flask, jsonify
from sqlalchemy.engine import make_url

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


# -- the scratch database ------------------------------------------------------------------

def scratch_database(url: str | None, name: str, sqlite_file: Path | None = None, *,
                     reuse: bool = False):
    """(database URL, drop): a fresh PostgreSQL database `name` beside the one `url` names
    (kept as it is with `reuse`), or with no `url` the SQLite file `sqlite_file`."""
    if not url:
        return f"sqlite:///{sqlite_file}", lambda: None
    admin = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    plain = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    drop_sql = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    if not reuse:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(drop_sql)  # what an interrupted run left behind
            conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(drop_sql)

    return admin.set(database=name).render_as_string(hide_password=False), drop


# -- served apps ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def hub_env(database: str, secret: str, **extra: str) -> dict:
    """The environment of a hub served for a benchmark: no background workers, no demo, no
    migrations (the benchmark has seeded the database), bench/ importable."""
    return dict(os.environ, HUB_DATABASE_URL=database, HUB_SECRET_KEY=secret,
                HUB_RUN_WORKERS="0", HUB_DEMO="0", HUB_AUTO_MIGRATE="0",
                PYTHONPATH=f"{ROOT}{os.pathsep}{BENCH}", **extra)


def gunicorn(app: str, port: int, env: dict, workers: int = 2, threads: int = 1,
             cwd: Path = BENCH) -> subprocess.Popen:
    """`gunicorn -w workers app` on HOST:port (sync workers, or gthread with `threads` > 1),
    once it answers GET /healthz."""
    binary = str(Path(sys.executable).parent / "gunicorn")
    kind = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    process = subprocess.Popen(
        [binary, "-w", str(workers), *kind, "-b", f"{HOST}:{port}", "--log-level", "warning",
         "--backlog", "2048", app], cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=1)
            return process
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error: the server answers
                return process
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"gunicorn {app} did not start on port {port}")


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def bare_app() -> Flask:
    """A Flask app that does next to nothing: what the hub's paths are compared with."""
    app = Flask(__name__)

    @app.get("/bare")
    def bare():
        return jsonify({"ok": True})

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    return app


# -- CPU seconds ---------------------------------------------------------------------------

def cpu_seconds(pids) -> float:
    """User and system CPU seconds the processes `pids` have used so far (from /proc)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def family(master: subprocess.Popen) -> list[int]:
    """A gunicorn master's workers and the master itself."""
    with open(f"/proc/{master.pid}/task/{master.pid}/children") as children:
        return [int(pid) for pid in children.read().split()] + [master.pid]


def postgres_backends(name: str) -> list[int]:
    """The backends serving database `name` (not those of anything else running)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if f" {name} ".encode() in cmdline.read():
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


def process_cpu() -> float:
    """CPU seconds this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the load generators' exchange ---------------------------------------------------------

def request_bytes(method: str, host: str, port: int, path: str, agent: str,
                  headers: dict[str, str] | None = None, body: bytes | None = None) -> bytes:
    """One HTTP/1.1 request that asks the server to close the connection after answering."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
             f"User-Agent: {agent}"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


class Exchange(asyncio.Protocol):
    """Sends one prepared request and sets `done` to (status, body) once the answer is in."""

    def __init__(self, request: bytes, done: asyncio.Future):
        self.request, self.done, self.buffer = request, done, bytearray()
        self.header_end, self.length = -1, 0

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes):
        self.buffer += data
        if self.header_end < 0:
            self.header_end = self.buffer.find(b"\r\n\r\n")
            if self.header_end < 0:
                return
            head = bytes(self.buffer[:self.header_end]).lower()
            marker = head.find(b"content-length:")
            if marker >= 0:
                end = head.find(b"\r\n", marker)
                self.length = int(head[marker + 15:end if end > 0 else len(head)].strip())
        if len(self.buffer) - self.header_end - 4 >= self.length:
            self._finish()

    def _finish(self):
        if not self.done.done():
            self.done.set_result((int(self.buffer[9:12]),
                                  bytes(self.buffer[self.header_end + 4:])))
        self.transport.close()

    def connection_lost(self, exc):
        if not self.done.done():
            if self.header_end >= 0:  # closed after the head: the body is what came
                self._finish()
            else:
                self.done.set_exception(exc or ConnectionError("closed early"))


class Timings:
    """Rates of a load run, for result classes with `requests`, `latencies`, `seconds` and
    `cpu_seconds` (the generator's own)."""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    @property
    def generator_cpu(self) -> float:
        """Share of one core the generator itself used."""
        return self.cpu_seconds / self.seconds if self.seconds else 0.0
