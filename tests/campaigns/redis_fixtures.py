"""Fixtures for the tests of claims decided in Redis: a durable Redis of their own
(appendfsync always, on a random port), the hub configured to use it, and its claims engine,
and a persister on it, idle_ms=0 (writing what is pending at once). Import them into a test
module: `from redis_fixtures import config, durable_redis, persister, rush`."""

from __future__ import annotations

import pytest
from campaign_helpers import start_redis, stop_redis

from hub.campaigns import redis_claims
from hub.campaigns.persister import Persister


@pytest.fixture(scope="module")
def durable_redis(tmp_path_factory):
    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    stop_redis(process)


@pytest.fixture
def config(config, durable_redis):
    return config.model_copy(update={"redis_url": durable_redis})


@pytest.fixture
def rush(app, durable_redis):
    made = redis_claims.for_config(app.config["HUB"].model_copy(
        update={"redis_url": durable_redis}))
    assert made is not None, "a Redis with appendfsync always decides claims"
    _forget_rates(made)
    yield made
    made.forget()
    made.redis.delete(made.stream)
    _forget_rates(made)


def _forget_rates(made) -> None:
    """The Redis lives for the module, the members for one test: the next test's members get
    the same ids, and must not inherit this one's rate-limit counts."""
    for key in made.redis.scan_iter(f"{redis_claims.RATE_PREFIX}:*"):
        made.redis.delete(key)


@pytest.fixture
def persister(app, rush, config):
    return Persister(rush, app.extensions["hub.sessions"], config.public_url, idle_ms=0)
