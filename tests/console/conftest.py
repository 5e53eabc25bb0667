"""Console fixtures: a fixed set of channels (so these tests do not depend on WeChat or screens
being reachable), a screen test double with a pixel size, logged-in Flask clients, and a live
hub (werkzeug server + dispatcher threads on 127.0.0.1) for the browser."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from console_support import ScreenDouble, login

CONSOLE_CHANNELS = ["adapters.web:WebChannel", "adapters.loopback:LoopbackChannel",
                    "adapters.webhook:WebhookChannel"]


@pytest.fixture
def config(config, request):
    """Console tests run on a fixed set of channels, unless marked to use the defaults."""
    if request.node.get_closest_marker("default_channels") is None:
        config.channels = list(CONSOLE_CHANNELS)
    return config


def pytest_configure(config):
    config.addinivalue_line("markers", "default_channels: run with the hub's DEFAULT_CHANNELS")


@pytest.fixture
def screens(app):
    from hub import channels

    double = ScreenDouble()
    channels.register(double)
    return double


@pytest.fixture
def sites(app, db, config, demo):
    """A web outlet for every demo account, bound the way `hub demo` binds them."""
    from hub import channels

    channels.get_channel("web").load_demo(db, config)
    db.commit()


@pytest.fixture
def console_as(app, demo):
    """console_as('dg-editor') -> a Flask test client logged in to the console."""

    def logged_in(username: str):
        client = app.test_client()
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return logged_in


@pytest.fixture
def live_hub(app, config):
    """The hub served over real HTTP on 127.0.0.1 with a dispatcher delivering in the
    background, and the demo loaded with its outlets; stops by itself."""
    from werkzeug.serving import make_server

    from hub import demo as demo_data
    from hub.deliveries.worker import Dispatcher

    server = make_server("127.0.0.1", 0, app, threaded=True)
    config.public_url = f"http://127.0.0.1:{server.server_port}"
    config.poll_seconds = 0.1
    config.retry_base_seconds, config.retry_cap_seconds = 0.1, 0.5
    with app.extensions["hub.sessions"]() as db:
        demo_data.load(db, config, history=False)
        db.commit()
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    dispatcher = Dispatcher(config, app.extensions["hub.sessions"], worker_id="browser-test")
    delivering = threading.Thread(target=dispatcher.run_forever, daemon=True)
    delivering.start()
    yield SimpleNamespace(url=config.public_url, dispatcher=dispatcher)
    dispatcher.stop(wait=True)
    delivering.join(timeout=10)
    server.shutdown()
    server.server_close()
