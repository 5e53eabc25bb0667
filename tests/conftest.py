"""Test fixtures: a real database (SQLite file, or PostgreSQL via HUB_TEST_DATABASE_URL),
migrated once with Alembic, emptied after each test; apps built by the real factory."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from hub import migrate
from hub.app import create_app
from hub.config import DEFAULT_CHANNELS, Config, _normalise_database_url
from hub.db import Base, make_engine, make_session_factory
from hub.users import services as user_services

# Property tests are judged by what they find, never by how fast an example runs: the suite
# passes on a loaded machine (Hypothesis's default deadline of 200 ms per example does not).
settings.register_profile("hub", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hub")

# Demo editors are re-created for every test; scrypt's deliberate slowness is not under test.
user_services.PASSWORD_METHOD = "pbkdf2:sha256:1000"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("HUB_TEST_DATABASE_URL")
    if url:
        return _normalise_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _drop_everything(engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def engine(database_url, tmp_path_factory):
    engine = make_engine(database_url)
    _drop_everything(engine)
    migrate.upgrade(engine, tmp_path_factory.mktemp("var"), migrate.locations_of(DEFAULT_CHANNELS))
    yield engine
    engine.dispose()


def empty_tables(engine) -> None:
    """Every table emptied, children first. DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of
    the 66 tables took 0.5 s after every test, DELETE and resetting the sequences 0.02 s."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608  (names from metadata)
        if engine.dialect.name == "postgresql":  # ids start at 1 again, as on a new database
            conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                              "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"))


@pytest.fixture
def config(engine, database_url, tmp_path) -> Config:
    return Config(var_dir=tmp_path / "var", database_url=database_url, secret_key="test-secret",
                  run_workers=False, load_demo=False, auto_migrate=False)


@pytest.fixture
def app(config, engine):
    app = create_app(config)
    yield app
    app.extensions["hub.engine"].dispose()
    empty_tables(engine)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A session on the app's database, for arranging and inspecting rows in a test."""
    # Deferred on SQLite, so an open read here never blocks the app's writes.
    session = make_session_factory(app.extensions["hub.engine"], read_only=True)()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def demo(app, db):
    from hub import demo as demo_data

    demo_data.load(db, history=False)
    db.commit()
    return demo_data


@pytest.fixture
def token_for(app, demo):
    """Bearer headers for a demo editor: token_for('dg-editor')."""
    cache: dict[str, dict] = {}
    # A writer session of its own: on SQLite the read-only `db` session would have to turn a
    # read into a write, which fails at once ("database is locked") when workers wrote since.
    writers = make_session_factory(app.extensions["hub.engine"])

    def headers(username: str) -> dict:
        if username not in cache:
            with writers() as session:
                user = user_services.get_user(session, username)
                token = user_services.issue_token(session, user)
                session.commit()
            cache[username] = {"Authorization": f"Bearer {token}"}
        return cache[username]

    return headers


@pytest.fixture
def publish(client, token_for):
    """publish(user, account, title, push_down=None, reviewer=None, **fields) -> post id,
    through the editor API (the reviewer approves and publishes where review is required)."""

    def go(user: str, account: str, title: str, push_down=None, reviewer: str | None = None,
           **fields):
        headers = token_for(user)
        body = {"account": account, "title": title, "body": "正文"} | fields
        if push_down is not None:
            body["push_down"] = push_down
        post = client.post("/api/v1/posts", headers=headers, json=body).get_json()
        publisher = headers
        if reviewer:
            client.post(f"/api/v1/posts/{post['id']}/submit", headers=headers)
            publisher = token_for(reviewer)
            client.post(f"/api/v1/posts/{post['id']}/approve", headers=publisher)
        done = client.post(f"/api/v1/posts/{post['id']}/publish", headers=publisher)
        assert done.status_code == 200, done.get_json()
        return post["id"]

    return go


@pytest.fixture
def receiver():
    """The test outlet's receiving end, over real HTTP on 127.0.0.1."""
    from adapters.loopback.receiver import Receiver

    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def dispatcher(app, config):
    """An in-process dispatcher on the test database; `drain()` runs it until nothing is due."""
    import time

    from hub.deliveries.worker import Dispatcher

    config.lease_seconds = 30  # far above any send here, even on a loaded machine
    config.retry_base_seconds = 0.05
    config.retry_cap_seconds = 0.2
    config.worker_threads = 8
    running = Dispatcher(config, app.extensions["hub.sessions"], worker_id="test-worker")

    def drain(timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            taken = running.run_once()
            running.wait_idle(timeout)
            if not taken and not _due_soon(app):
                return
            time.sleep(0.02)
        raise AssertionError("deliveries still due after the drain's timeout")

    running.drain = drain
    yield running
    running.stop()


def _due_soon(app) -> bool:
    """True while some delivery is waiting for a retry within the next second."""
    import datetime as dt

    from sqlalchemy import select

    from hub.db import utcnow
    from hub.deliveries.models import Delivery

    with make_session_factory(app.extensions["hub.engine"], read_only=True)() as session:
        soon = utcnow() + dt.timedelta(seconds=1)
        return session.scalar(select(Delivery.id).where(
            Delivery.state.in_(("pending", "retrying")),
            Delivery.next_attempt_at <= soon).limit(1)) is not None
