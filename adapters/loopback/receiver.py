"""The receiving end of the test outlet: an HTTP server that keeps what it was sent.

Each target holds items by key; a repeat with the same key overwrites (and is counted), so a
test can tell "delivered once" from "delivered twice". It can be slowed down, made to fail,
and asked what it holds. Listens on 127.0.0.1 only. Written on asyncio with HTTP/1.1
keep-alive so that, as a stand-in for an outlet taking L ms per send, it answers a thousand
concurrent sends in about L ms rather than being the bottleneck of a benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import defaultdict
from http import HTTPStatus


class Store:
    def __init__(self, latency: float = 0.0):
        self.latency = latency
        self.lock = threading.Lock()
        self.items: dict[str, dict[str, dict]] = defaultdict(dict)  # target -> key -> body
        self.puts: dict[str, int] = defaultdict(int)  # "target/key" -> how many PUTs
        self.deletes: list[str] = []
        self.in_flight: dict[str, int] = defaultdict(int)
        self.overlaps: list[str] = []  # keys sent twice at the same time
        self.fail_next: list[int] = []  # HTTP statuses to answer, in order, before succeeding

    def snapshot(self) -> dict:
        with self.lock:
            return {"items": {t: dict(v) for t, v in self.items.items()},
                    "puts": dict(self.puts), "deletes": list(self.deletes),
                    "overlaps": list(self.overlaps)}

    def take_failure(self) -> int | None:
        with self.lock:
            return self.fail_next.pop(0) if self.fail_next else None

    async def handle(self, method: str, path: str, body: bytes, host: str) -> tuple[int, dict]:
        if method == "GET":
            return 200, self.snapshot()
        target, _, key = path.strip("/").partition("/")
        name = f"{target}/{key}"
        if method == "PUT":
            return await self._put(target, key, name, body, host)
        if method == "DELETE":
            await asyncio.sleep(self.latency)
            status = self.take_failure()
            if status:
                return status, {"error": "injected"}
            with self.lock:
                self.items[target].pop(key, None)
                self.deletes.append(name)
            return 200, {"deleted": key}
        return 405, {"error": "method"}

    async def _put(self, target, key, name, body, host) -> tuple[int, dict]:
        with self.lock:
            self.in_flight[name] += 1
            if self.in_flight[name] > 1:
                self.overlaps.append(name)
        try:
            await asyncio.sleep(self.latency)
            status = self.take_failure()
            if status:
                return status, {"error": "injected", "message": f"注入的故障 {status}"}
            with self.lock:
                self.items[target][key] = json.loads(body or b"{}")
                self.puts[name] += 1
            return 200, {"url": f"http://{host}/{name}"}
        finally:
            with self.lock:
                self.in_flight[name] -= 1


async def _serve_connection(store: Store, reader, writer) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (line.partition(":") for line in lines[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", 0)))
            status, answer = await store.handle(method, path, body, headers.get("host", ""))
            data = json.dumps(answer, ensure_ascii=False).encode()
            writer.write(f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                         f"Content-Type: application/json; charset=utf-8\r\n"
                         f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.CancelledError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


class Receiver:
    """A running receiver in a background thread: `.url`, `.store`, `.stop()`."""

    def __init__(self, latency: float = 0.0, port: int = 0):
        self.store = Store(latency)
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(port, ready), daemon=True)
        self.thread.start()
        ready.wait(10)
        self.url = f"http://127.0.0.1:{self.port}"

    def _run(self, port: int, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def start():
            server = await asyncio.start_server(
                lambda r, w: _serve_connection(self.store, r, w), "127.0.0.1", port,
                backlog=1024)
            self.server = server
            self.port = server.sockets[0].getsockname()[1]
            ready.set()

        self.loop.run_until_complete(start())
        self.loop.run_forever()
        self.loop.run_until_complete(self._shutdown())
        self.loop.close()

    async def _shutdown(self) -> None:
        """Close the listener and every open connection before the loop goes away."""
        self.server.close()
        tasks = [t for t in asyncio.all_tasks(self.loop) if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.server.wait_closed()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


def main() -> None:  # pragma: no cover - run by the benchmark and by hand
    import argparse

    parser = argparse.ArgumentParser(description="Run the test outlet's receiver.")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    receiver = Receiver(args.latency, args.port)
    print(f"receiver at {receiver.url}", flush=True)
    receiver.thread.join()


if __name__ == "__main__":  # pragma: no cover
    main()
