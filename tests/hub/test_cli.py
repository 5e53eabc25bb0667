"""The `hub` command, run as a real process against a real database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HUB = str(Path(sys.executable).parent / "hub")


@pytest.fixture
def hub_env(tmp_path):
    env = dict(os.environ)
    env.pop("HUB_TEST_DATABASE_URL", None)
    env.update(HUB_VAR_DIR=str(tmp_path), HUB_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")
    return env


def _hub(env, *args, check=True):
    return subprocess.run([HUB, *args], env=env, capture_output=True, text=True, timeout=120,
                          check=check)


def test_db_upgrade_demo_twice_and_token_issue(hub_env):
    _hub(hub_env, "db", "upgrade")
    _hub(hub_env, "demo")
    _hub(hub_env, "demo")
    token = _hub(hub_env, "token", "issue", "--user", "dg-editor").stdout.strip()
    assert token.startswith("hub_") and len(token) > 30

    from hub.config import Config
    from hub.db import make_engine

    engine = make_engine(Config.from_env(hub_env).database_url)
    with engine.connect() as conn:
        towns = conn.exec_driver_sql(
            "SELECT count(*) FROM accounts a JOIN accounts p ON a.parent_id = p.id "
            "WHERE p.code = 'dongguan'").scalar()
        users = conn.exec_driver_sql("SELECT count(*) FROM users").scalar()
    engine.dispose()
    assert towns == 33
    assert users == 5


def test_user_create_with_grant_and_errors(hub_env):
    _hub(hub_env, "demo")
    out = _hub(hub_env, "user", "create", "humen-new", "--password", "long-enough-pw",
               "--grant", "author@dg-humen")
    assert "created" in out.stdout
    duplicate = _hub(hub_env, "user", "create", "humen-new", "--password", "long-enough-pw",
                     check=False)
    assert duplicate.returncode == 1 and "已存在" in duplicate.stderr
    unknown = _hub(hub_env, "token", "issue", "--user", "nobody", check=False)
    assert unknown.returncode == 1 and "nobody" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_subscribe_outlets_for_every_account_new_ones_included(hub_env):
    _hub(hub_env, "db", "upgrade")
    _hub(hub_env, "demo")
    assert _hub(hub_env, "wechat", "subscribe-all").stdout.strip() == "bound 0 account(s)"
    import hub.models  # noqa: F401
    from hub.accounts.services import create_account, get_account
    from hub.config import Config
    from hub.db import make_engine, make_session_factory

    engine = make_engine(Config.from_env(hub_env).database_url)
    with make_session_factory(engine)() as db:  # an account made after the demo
        create_account(db, code="dg-humen-new", name="虎门新工会", level="grassroots",
                       parent=get_account(db, "dg-humen"))
        db.commit()
    engine.dispose()
    assert _hub(hub_env, "wechat", "subscribe-all").stdout.strip() == \
        "bound 1 account(s): dg-humen-new"
