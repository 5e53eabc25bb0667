"""The splash adapter's way to the hub's database outside a request (see hub.pull.store)."""

from __future__ import annotations

from hub.pull.store import Store

STORE = Store()
attach_from_app = STORE.attach_from_app  # blueprint hook (`bp.record`)
