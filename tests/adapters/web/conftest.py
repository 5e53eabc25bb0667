"""Web-site fixtures: a fixed set of channels (these tests do not depend on the other outlets)
and a site for every demo account."""

from __future__ import annotations

import pytest

WEB_CHANNELS = ["adapters.web:WebChannel", "adapters.loopback:LoopbackChannel",
                "adapters.webhook:WebhookChannel"]


@pytest.fixture
def config(config):
    config.channels = list(WEB_CHANNELS)
    return config


@pytest.fixture
def sites(app, db, config, demo):
    """A web outlet for every demo account, bound the way `hub demo` binds them."""
    from hub import channels

    channels.get_channel("web").load_demo(db, config)
    db.commit()
