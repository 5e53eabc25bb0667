"""The rush benchmark's load generator: a fixed list of HTTP/1.1 requests sent by N
concurrent connections (asyncio on raw sockets, one connection per request, as gunicorn's
sync workers close them), recording each answer's status, latency and body.

Unlike bench/polling_load.py (which runs for a duration), a rush is a fixed crowd: every
request is sent exactly once, in the order given, and the run ends when the last is answered.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from benchkit import Exchange, Timings, process_cpu, request_bytes


@dataclass
class Result(Timings):
    name: str
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    bodies: list[tuple[int, int, bytes]] = field(default_factory=list)  # (index, status, body)
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    app_ms: float = 0.0  # filled in by the caller: the server's CPU per request
    db_ms: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies)


async def _run(name, host, port, requests, connections, keep_bodies) -> Result:
    loop = asyncio.get_running_loop()
    result = Result(name)
    queue = list(enumerate(requests))
    queue.reverse()  # pop() from the end keeps the given order

    async def worker():
        while queue:
            index, request = queue.pop()
            start = time.perf_counter()
            for _ in range(3):  # a refused connection (backlog full) is retried, not lost
                done = loop.create_future()
                try:
                    await loop.create_connection(
                        lambda r=request, d=done: Exchange(r, d), host, port)
                    status, body = await done
                    break
                except OSError:
                    await asyncio.sleep(0.05)
            else:
                result.errors += 1
                continue
            result.latencies.append(time.perf_counter() - start)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if keep_bodies:
                result.bodies.append((index, status, body))

    cpu = process_cpu()
    begin = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    result.seconds = time.perf_counter() - begin
    result.cpu_seconds = process_cpu() - cpu
    return result


def post_json(host: str, port: int, path: str, body: bytes,
              headers: dict[str, str] | None = None) -> bytes:
    return request_bytes("POST", host, port, path, "rush-bench", headers, body)


def run(name: str, host: str, port: int, requests: list[bytes], *, connections: int = 500,
        keep_bodies: bool = False) -> Result:
    """Send every request once over `connections` concurrent connections; blocks."""
    return asyncio.run(_run(name, host, port, requests, connections, keep_bodies))
