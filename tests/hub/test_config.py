"""The configuration: HUB_* variables read once, defaults derived where they depend on others,
and a value that does not parse named by its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import DEFAULT_CHANNELS, Config, ConfigError


def test_the_environment_describes_the_hub():
    config = Config.from_env({
        "HUB_VAR_DIR": "/srv/hub", "HUB_PORT": "6001", "HUB_DEMO": "0",
        "HUB_CHANNELS": "adapters.web:WebChannel, adapters.loopback:LoopbackChannel",
        "HUB_CHANNEL_CONCURRENCY": "wechat=8,loopback=50", "HUB_RUN_WORKERS": "no",
        "HUB_DATABASE_URL": "postgresql://hub@db/hub", "HUB_REDIS_URL": ""})
    assert config.var_dir == Path("/srv/hub") and config.port == 6001
    assert not config.load_demo and not config.run_workers and config.auto_migrate
    assert config.channels == ["adapters.web:WebChannel", "adapters.loopback:LoopbackChannel"]
    assert config.concurrency_for("wechat", 1) == 8 and config.concurrency_for("web", 3) == 3
    assert config.database_url == "postgresql+psycopg://hub@db/hub" and not config.is_sqlite
    assert config.redis_url is None
    assert config.public_url == "http://127.0.0.1:6001"


def test_defaults_follow_the_settings_they_depend_on():
    config = Config.from_env({"HUB_VAR_DIR": "/srv/hub", "HUB_PUBLIC_URL": "https://hub.example/"})
    assert config.database_url == "sqlite:////srv/hub/hub.sqlite3" and config.is_sqlite
    assert config.public_url == "https://hub.example"
    assert config.channels == list(DEFAULT_CHANNELS) and config.load_demo


def test_keyword_construction_takes_only_what_it_is_given(monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_PORT", "7000")
    config = Config(var_dir=tmp_path, secret_key="s", load_demo=False)
    assert config.port == 5000 and not config.load_demo and config.secret() == "s"
    assert Config.from_env().port == 7000


@pytest.mark.parametrize("name, value", [("HUB_PORT", "abc"), ("HUB_DEMO", "maybe"),
                                         ("HUB_CHANNEL_CONCURRENCY", "wechat=many")])
def test_a_bad_value_names_its_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        Config.from_env({name: value})
