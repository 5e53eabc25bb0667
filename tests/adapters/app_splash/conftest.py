"""Fixtures for the splash tests: the hub with the splash channel and the demo's slot."""

from __future__ import annotations

import pytest
from splash_helpers import CHANNELS, forget_process_state


@pytest.fixture
def config(config):
    config.channels = list(CHANNELS)
    return config


@pytest.fixture
def splash_demo(app, db, demo, config):
    from hub import channels

    forget_process_state()
    channels.get_channel("splash").load_demo(db, config)
    db.commit()
    yield demo
    forget_process_state()
