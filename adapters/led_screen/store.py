"""The LED adapter's way to the hub's database outside a request (see hub.pull.store)."""

from __future__ import annotations

from hub.ports import Store

STORE = Store()
