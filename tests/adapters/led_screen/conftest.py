"""Fixtures for the LED tests: the hub with the LED and splash channels, the demo's screens
and slot bound, device tokens, and uploaded pictures."""

from __future__ import annotations

import pytest
from led_helpers import CHANNELS, forget_process_state


@pytest.fixture
def config(config):
    # Only the channels under test: another adapter's state must not decide these tests.
    config.channels = list(CHANNELS)
    return config


@pytest.fixture
def led_demo(app, db, demo, config):
    """The demo with its screens, groups, LED outlets and the app's splash slot; screens
    may be polled back to back (the 429 test sets its own interval)."""
    from sqlalchemy import update

    from adapters.led_screen.models import Screen
    from hub import channels

    forget_process_state()
    channels.get_channel("led").load_demo(db, config)
    channels.get_channel("splash").load_demo(db, config)
    db.execute(update(Screen).values(min_poll_seconds=0))
    db.commit()
    yield demo
    forget_process_state()


@pytest.fixture
def device_token(db, led_demo):
    """device_token("dg-guomao") -> a fresh bearer token for that screen."""
    from adapters.led_screen import services

    def issue(code: str) -> str:
        token = services.issue_token(db, services.get_screen(db, code))
        db.commit()
        return token

    return issue
