"""Fixtures for the KPI tests: the hub with every outlet, the demo with its members, screens,
splash slot and sites, and members signing in through the WeChat sandbox (as in tests/mp)."""

from __future__ import annotations

import pytest

from tests.adapters.led_screen.led_helpers import forget_process_state
from tests.mp.conftest import login_code, members, mini_app, sandbox, sign_in  # noqa: F401


@pytest.fixture
def outlets_demo(app, db, demo, config):
    """The demo's screens (polled back to back), the app's splash slot and a site for every
    account, bound as `hub demo` binds them."""
    from sqlalchemy import update

    from adapters.led_screen.models import Screen
    from hub import channels

    forget_process_state()
    for name in ("led", "splash", "web"):
        channels.get_channel(name).load_demo(db, config)
    db.execute(update(Screen).values(min_poll_seconds=0))
    db.commit()
    yield demo
    forget_process_state()
