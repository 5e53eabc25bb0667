"""Serve the WeChat API sandbox on its own: `python -m adapters.wechat.sandbox --port 8601`."""

from __future__ import annotations

import argparse
import logging
import threading

from .server import serve
from .settings import SandboxSettings


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8601)
    parser.add_argument("--public-base-url", default=None,
                        help="base of the image and article URLs (default: where it listens)")
    parser.add_argument("--publish-delay", type=float, default=0.2)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--state-file", default=None,
                        help="SQLite file to keep the state in across restarts (default: memory)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = SandboxSettings(public_base_url=args.public_base_url,
                               publish_delay=args.publish_delay, latency_ms=args.latency_ms,
                               state_file=args.state_file)
    server = serve(args.host, args.port, settings)
    print(f"WeChat API sandbox at {server.url} (Ctrl-C stops it)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
