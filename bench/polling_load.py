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
import resource
import time
from dataclasses import dataclass, field


@dataclass
class Result:
    name: str
    requests: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    server_us: float = 0.0  # filled in by the caller when it can read the server's CPU

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def generator_cpu(self) -> float:
        """Share of one core the generator itself used."""
        return self.cpu_seconds / self.seconds if self.seconds else 0.0


class _Exchange(asyncio.Protocol):
    def __init__(self, request: bytes, done: asyncio.Future):
        self.request, self.done, self.buffer = request, done, bytearray()
        self.length: int | None = None
        self.header_end = -1

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
            self.length = 0 if marker < 0 else int(
                head[marker + 15:head.find(b"\r\n", marker) if head.find(b"\r\n", marker) > 0
                     else len(head)].strip())
        if len(self.buffer) - self.header_end - 4 >= self.length:
            self._finish()

    def _finish(self):
        if not self.done.done():
            self.done.set_result(int(self.buffer[9:12]))
        self.transport.close()

    def connection_lost(self, exc):
        if not self.done.done():
            if self.header_end >= 0:
                self.done.set_result(int(self.buffer[9:12]))
            else:
                self.done.set_exception(exc or ConnectionError("closed early"))


async def _worker(host, port, requests, deadline, result, record_after):
    loop = asyncio.get_running_loop()
    choose = random.Random().choice
    while True:
        start = time.perf_counter()
        if start >= deadline:
            return
        done = loop.create_future()
        try:
            exchange = _Exchange(choose(requests), done)
            await loop.create_connection(lambda exchange=exchange: exchange, host, port)
            status = await done
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
    cpu_before = _cpu()
    await asyncio.gather(*(_worker(host, port, requests, deadline, result, record_after)
                           for _ in range(connections)))
    result.seconds = time.perf_counter() - record_after
    result.cpu_seconds = (_cpu() - cpu_before) * seconds / (seconds + warmup)
    return result


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _each(host, port, requests, connections) -> int:
    loop = asyncio.get_running_loop()
    queue = list(requests)
    failures = 0

    async def worker():
        nonlocal failures
        while queue:
            done = loop.create_future()
            exchange = _Exchange(queue.pop(), done)
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
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
             "User-Agent: polling-bench"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def run(name: str, host: str, port: int, requests: list[bytes], *, seconds: float = 10.0,
        connections: int = 16, warmup: float = 1.0) -> Result:
    """Send `requests` (chosen at random) for `seconds` after a warm-up; blocks."""
    return asyncio.run(_run(name, host, port, requests, seconds, connections, warmup))
