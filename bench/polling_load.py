"""A small HTTP/1.1 load generator for the polling benchmark (wrk is not installed here).

asyncio protocols on raw sockets, one connection per request (gunicorn's sync workers close
each connection anyway), a fixed number in flight. Each request is chosen from a list of
prepared byte strings, so the generator does no formatting while it runs. It reports
requests per second, latency percentiles, status counts and its own CPU use, so a run can
tell whether the generator, not the server, was the limit.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import benchkit
from benchkit import Exchange, Timings, process_cpu


@dataclass
class Result(Timings):
    name: str
    requests: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    server_us: float = 0.0  # filled in by the caller when it can read the server's CPU


async def _worker(host, port, requests, deadline, result, record_after):
    loop = asyncio.get_running_loop()
    choose = random.Random().choice
    while True:
        start = time.perf_counter()
        if start >= deadline:
            return
        done = loop.create_future()
        try:
            exchange = Exchange(choose(requests), done)
            await loop.create_connection(lambda exchange=exchange: exchange, host, port)
            status, _ = await done
        except OSError:
            result.errors += 1
            continue
        end = time.perf_counter()
        if start >= record_after:
            result.requests += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.latencies.append(end - start)


async def _run(name, host, port, requests, seconds, connections, warmup) -> Result:
    result = Result(name)
    begin = time.perf_counter()
    record_after = begin + warmup
    deadline = record_after + seconds
    cpu_before = process_cpu()
    await asyncio.gather(*(_worker(host, port, requests, deadline, result, record_after)
                           for _ in range(connections)))
    result.seconds = time.perf_counter() - record_after
    result.cpu_seconds = (process_cpu() - cpu_before) * seconds / (seconds + warmup)
    return result


async def _each(host, port, requests, connections) -> int:
    loop = asyncio.get_running_loop()
    queue = list(requests)
    failures = 0

    async def worker():
        nonlocal failures
        while queue:
            done = loop.create_future()
            exchange = Exchange(queue.pop(), done)
            try:
                await loop.create_connection(lambda exchange=exchange: exchange, host, port)
                await done
            except OSError:
                failures += 1

    await asyncio.gather(*(worker() for _ in range(connections)))
    return failures


def run_each(host: str, port: int, requests: list[bytes], *, passes: int = 1,
             connections: int = 16) -> int:
    """Send every request `passes` times in a random order (a warm-up that reaches every
    variant in every worker with high probability); returns how many failed."""
    batch = [request for _ in range(passes) for request in requests]
    random.shuffle(batch)
    return asyncio.run(_each(host, port, batch, connections))


def request_bytes(host: str, port: int, path: str, headers: dict[str, str] | None = None
                  ) -> bytes:
    return benchkit.request_bytes("GET", host, port, path, "polling-bench", headers)


def run(name: str, host: str, port: int, requests: list[bytes], *, seconds: float = 10.0,
        connections: int = 16, warmup: float = 1.0) -> Result:
    """Send `requests` (chosen at random) for `seconds` after a warm-up; blocks."""
    return asyncio.run(_run(name, host, port, requests, seconds, connections, warmup))
