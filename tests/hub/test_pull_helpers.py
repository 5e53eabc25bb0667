"""hub.pull on its own: lean reads on the real database, the 304 shortcut and view answers,
the store pull adapters reach the database through, and idempotent report batches."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from pydantic import ValidationError
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    select,
    text,
)
from sqlalchemy.orm import registry
from werkzeug.test import Client
from werkzeug.wrappers import Response as WerkzeugResponse

from hub import channels
from hub.accounts.models import Account
from hub.channels import ChannelContext
from hub.db import make_engine, utcnow
from hub.errors import BadRequest, NotFound
from hub.pull import batches, conditional
from hub.pull.lean import Unavailable, lean, raw_query
from hub.pull.store import Store

BY_CODE = select(Account.id, Account.name).where(Account.code == bindparam("code"))


# -- lean reads -----------------------------------------------------------------------------

def test_a_raw_query_reads_one_row_and_is_compiled_once_per_engine(app, demo):
    engine = app.extensions["hub.engine"]
    query = raw_query(engine, "test-pull-account", BY_CODE)
    row = query.first(code="dongguan")
    assert row is not None and row[1] == "东莞市总工会"
    assert query.first(code="no-such-account") is None
    assert raw_query(engine, "test-pull-account", BY_CODE) is query


def _in_transaction(connection) -> bool:
    if hasattr(connection, "in_transaction"):  # sqlite3
        return connection.in_transaction
    from psycopg.pq import TransactionStatus

    return connection.info.transaction_status != TransactionStatus.IDLE


def test_a_kept_connection_holds_no_transaction_between_reads(app, demo):
    """A read left open would hold a snapshot (SQLite: the WAL) or sit idle in transaction."""
    engine = app.extensions["hub.engine"]
    raw_query(engine, "test-pull-account", BY_CODE).first(code="meizhou")
    kept = lean(engine)._idle[-1]
    assert not _in_transaction(kept.fairy.dbapi_connection)


def _break(engine, connection) -> None:
    """As when the database restarted: PostgreSQL ends the backend, SQLite's is closed."""
    if engine.dialect.name != "postgresql":
        connection.close()
        return
    with engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"),
                      {"pid": connection.info.backend_pid})


def test_a_broken_kept_connection_is_dropped_and_the_read_tried_again(app, demo):
    engine = app.extensions["hub.engine"]
    query = raw_query(engine, "test-pull-account", BY_CODE)
    query.first(code="dongguan")
    broken = lean(engine)._idle[-1]
    _break(engine, broken.fairy.dbapi_connection)
    assert query.first(code="dongguan")[1] == "东莞市总工会"
    assert broken not in lean(engine)._idle


def test_a_database_that_cannot_be_reached_raises_unavailable(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'hub.sqlite3'}")
    try:
        with pytest.raises(Unavailable):
            raw_query(engine, "test-pull-account", BY_CODE).first(code="dongguan")
    finally:
        engine.dispose()


# -- conditional answers --------------------------------------------------------------------

@pytest.mark.parametrize(("header", "expected"), [
    ('"a"', True), ('"b", "a"', True), ("*", True), ('W/"a"', True), ('"b", W/"a"', True),
    ('W/"b"', False), ('"b"', False), ('W/"ab"', False), ("", False), (None, False)])
def test_if_none_match_names_the_tag_by_weak_comparison(header, expected):
    assert conditional.matches(header, '"a"') is expected
    assert conditional.matches(header, 'W/"a"') is expected


def test_the_root_is_the_address_the_client_used():
    environ = {"wsgi.url_scheme": "https", "HTTP_HOST": "screens.example.cn:8443",
               "SERVER_NAME": "ignored", "SERVER_PORT": "80", "SCRIPT_NAME": "/hub"}
    assert conditional.root_of(environ) == "https://screens.example.cn:8443/hub/"


def test_the_cache_drops_the_least_recently_used_first():
    cache = conditional.LruCache(2)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"  # now "b" is the oldest
    cache.put("c", b"3")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1", None, b"3")
    cache.clear()
    assert cache.get("a") is None


def _shortcut_client(answer) -> tuple[Client, list]:
    reached = []

    def behind(environ, start_response):
        reached.append(environ["PATH_INFO"])
        return WerkzeugResponse("from the app")(environ, start_response)

    return Client(conditional.ConditionalShortcut(behind, "/poll", answer)), reached


def test_the_shortcut_answers_a_304_before_the_app():
    bodies = conditional.LruCache(4)
    client, reached = _shortcut_client(lambda e: conditional.early_answer(e, '"t1"', bodies))
    response = client.get("/poll", headers={"If-None-Match": '"t1"'})
    assert response.status_code == 304 and response.headers["ETag"] == '"t1"'
    assert response.headers["Cache-Control"] == "private, no-cache" and reached == []


def test_the_shortcut_serves_a_built_body_and_leaves_the_rest_to_the_app():
    bodies = conditional.LruCache(4)
    client, reached = _shortcut_client(lambda e: conditional.early_answer(e, '"t1"', bodies))
    assert client.get("/poll").get_data() == b"from the app"  # not built yet
    bodies.put('"t1"', "{\"名\":1}".encode())
    response = client.get("/poll")
    assert response.status_code == 200 and response.get_data() == "{\"名\":1}".encode()
    assert response.headers["Content-Length"] == str(len("{\"名\":1}".encode()))
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    client.post("/poll")
    client.get("/other")
    assert reached == ["/poll", "/poll", "/other"]


def test_an_error_in_the_shortcut_is_left_to_the_app():
    def broken(environ):
        raise Unavailable("OperationalError")

    client, reached = _shortcut_client(broken)
    assert client.get("/poll").get_data() == b"from the app" and reached == ["/poll"]


def test_install_shortcut_puts_it_in_front_of_each_app_with_its_engine():
    from flask import Blueprint

    bp = Blueprint("test_pull_shortcut", __name__)
    seen = []

    def answer(environ, engine):
        seen.append(engine)
        return "304 NOT MODIFIED", [("ETag", '"x"')], b""

    conditional.install_shortcut(bp, "/poll", answer)
    flask_app = Flask(__name__)
    flask_app.extensions["hub.engine"] = "the-engine"
    flask_app.register_blueprint(bp)
    assert flask_app.test_client().get("/poll").status_code == 304
    assert seen == ["the-engine"]


def test_the_view_answer_builds_once_then_serves_and_304s():
    bodies, built = conditional.LruCache(4), []

    def build() -> bytes:
        built.append(1)
        return b'{"v":1}'

    flask_app = Flask(__name__)
    with flask_app.test_request_context("/poll"):
        first = conditional.answer('"t2"', bodies, build)
        second = conditional.answer('"t2"', bodies, build)
    assert first.status_code == second.status_code == 200 and built == [1]
    assert second.get_data() == b'{"v":1}' and second.headers["ETag"] == '"t2"'
    with flask_app.test_request_context("/poll", headers={"If-None-Match": '"t2"'}):
        again = conditional.answer('"t2"', bodies, build)
    assert again.status_code == 304 and again.get_data() == b"" and built == [1]


def test_retry_later_names_the_error_and_when_to_come_back():
    with Flask(__name__).app_context():
        response = conditional.retry_later("轮询过于频繁，请 7 秒后再试", 7, 429,
                                           "too_many_requests")
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.get_json() == {"error": "too_many_requests",
                                   "message": "轮询过于频繁，请 7 秒后再试"}


def test_a_file_named_by_its_hash_is_immutable_and_a_missing_one_is_404():
    response = conditional.immutable_file("ab" * 32, (b"\xff\xd8", "image/jpeg"))
    assert response.get_data() == b"\xff\xd8" and response.mimetype == "image/jpeg"
    assert response.headers["ETag"] == f'"{"ab" * 32}"'
    assert "immutable" in response.headers["Cache-Control"]
    with pytest.raises(NotFound) as raised:
        conditional.immutable_file("ab" * 32, None)
    assert raised.value.fields == {"file": "没有这个文件"}


# -- the store ------------------------------------------------------------------------------

def _context(app, config):
    return ChannelContext(config=config, sessions=app.extensions["hub.sessions"],
                          read_sessions=app.extensions["hub.read_sessions"])


def test_the_store_writes_and_reads_through_the_sessions_it_was_given(app, config):
    store = Store()
    store.attach(_context(app, config))
    with store.session() as db:
        db.add(Account(code="test-pull", name="测试工会", level="town", path="/"))
        db.commit()
    with store.reading() as db:
        assert db.scalar(select(Account.name).where(Account.code == "test-pull")) == "测试工会"
    assert store.config is config


def test_every_adapter_store_is_attached_by_the_bootstrap(app, config):
    for channel in channels.all_channels():
        assert channel.context is not None and channel.context.config is config


def test_an_unattached_store_says_so_rather_than_build_an_engine(monkeypatch, database_url):
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    store = Store()
    with pytest.raises(RuntimeError, match="bootstrap"), store.reading():
        pass


# -- batches --------------------------------------------------------------------------------

class _Out(batches.BatchOut):
    pass


def test_a_batch_id_is_short_and_plain_and_nothing_unknown_comes_with_it():
    assert batches.BatchIn(batch_id="ctl-7:2026-11-24.1").batch_id == "ctl-7:2026-11-24.1"
    for bad in ("", "有中文", "a" * 65, "a b"):
        with pytest.raises(ValidationError):
            batches.BatchIn(batch_id=bad)
    with pytest.raises(ValidationError):
        batches.BatchIn(batch_id="b-1", secret="x")


def test_times_more_than_a_day_ahead_are_refused_by_index():
    now = utcnow()
    batches.refuse_future([now, now + dt.timedelta(hours=23)], "plays.{}.started_at", "未来")
    with pytest.raises(BadRequest) as raised:
        batches.refuse_future([now, now + dt.timedelta(days=2)], "plays.{}.started_at",
                              "播放时间在未来")
    assert list(raised.value.fields) == ["plays.1.started_at"]


@pytest.fixture
def tallies(app):
    """A batch table and a totals table of the test's own, dropped afterwards."""
    engine = app.extensions["hub.engine"]
    mapper, metadata = registry(), MetaData()
    seen = Table("test_pull_batches", metadata, Column("id", Integer, primary_key=True),
                 Column("batch_id", String(64), unique=True, nullable=False))
    totals = Table("test_pull_totals", metadata, Column("key", String(20), primary_key=True),
                   Column("count", Integer, nullable=False))

    class Seen:
        def __init__(self, batch_id: str):
            self.batch_id = batch_id

    mapper.map_imperatively(Seen, seen)
    metadata.create_all(engine)
    yield Seen, totals
    metadata.drop_all(engine)


def _report(app, tallies, batch_id: str, keys: list[str]) -> batches.BatchOut:
    seen, totals = tallies

    def count() -> None:
        insert = batches.upsert_insert(db)
        for key in keys:
            statement = insert(totals).values(key=key, count=1)
            db.execute(statement.on_conflict_do_update(
                index_elements=["key"], set_={"count": totals.c.count + statement.excluded.count}))

    with app.extensions["hub.sessions"]() as db:
        out = batches.count_once(db, seen(batch_id), batch_id, len(keys), count, _Out)
        db.commit()
    return out


def test_a_batch_is_counted_once_however_often_it_is_sent(app, tallies):
    assert _report(app, tallies, "b-1", ["x", "x", "y"]) == _Out(
        batch_id="b-1", accepted=3, duplicate=False)
    assert _report(app, tallies, "b-1", ["x", "x", "y"]) == _Out(
        batch_id="b-1", accepted=0, duplicate=True)
    assert _report(app, tallies, "b-2", ["y"]).accepted == 1
    with app.extensions["hub.read_sessions"]() as db:
        counts = dict(db.execute(select(tallies[1].c.key, tallies[1].c.count)).all())
    assert counts == {"x": 2, "y": 2}
