"""The `/mp/v1` part of the OpenAPI document, as the mini-program's tests read it.

The mini-program's jest fakes are checked against this (adapters/wechat/miniprogram/tests/
contract/mp-openapi.json, written by `python -m hub.mp.contract`), and a hub
test fails while that copy differs from what the hub describes now: neither the fakes nor the
copy can drift from the hub unnoticed."""

from __future__ import annotations

import json
from pathlib import Path

PREFIX = "/mp/v1/"
SNAPSHOT = Path(__file__).resolve().parents[2] / (
    "adapters/wechat/miniprogram/tests/contract/mp-openapi.json")


def _refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def mp_document(document: dict) -> dict:
    """The paths under /mp/v1/ and every schema they name, directly or through another."""
    paths = {path: ops for path, ops in document["paths"].items() if path.startswith(PREFIX)}
    schemas = document["components"]["schemas"]
    wanted: set[str] = set()
    _refs(paths, wanted)
    done: set[str] = set()
    while wanted - done:
        name = min(wanted - done)
        done.add(name)
        _refs(schemas[name], wanted)
    return {"paths": paths, "components": {"schemas": {n: schemas[n] for n in sorted(done)}}}


def render(document: dict) -> str:
    return json.dumps(mp_document(document), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write(document: dict, path: Path = SNAPSHOT) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(document), encoding="utf-8")


def main() -> None:
    """Rewrite the mini-program's copy from the routes of an app built here."""
    import secrets
    import tempfile

    from hub.api import openapi_document
    from hub.app import create_app
    from hub.config import Config

    create_app(Config(var_dir=tempfile.mkdtemp(), database_url="sqlite://",
                      secret_key=secrets.token_hex(16),
                      run_workers=False, load_demo=False, auto_migrate=False))
    write(openapi_document())
    print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()
