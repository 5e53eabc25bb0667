"""A database made by the migrations of commit aa25d27 (head 0008_campaigns), with the demo in
it, upgrades to the adapters' own branches and the one blobs table without losing a row, and
ends with exactly the schema the models declare.

Runs on the test database's dialect: a scratch SQLite file, or a scratch schema on the
PostgreSQL server of HUB_TEST_DATABASE_URL.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import legacy
import pytest
from sqlalchemy import MetaData, func, select, text
from test_schema_matches_migrations import schema_differences

from hub import migrate
from hub.config import DEFAULT_CHANNELS
from hub.db import make_engine

SCHEMA = "legacy_upgrade"
NOW = dt.datetime(2026, 11, 30, 8, 0, 0)
# Moved, not kept under their names: their rows live on in blobs, and in posts' own
# outlet_options (an outlet's settings for a post are part of its words now).
MOVED = {"led_files", "splash_files", "led_post_options", "splash_post_options"}
LED_OPTIONS = {"role": "interrupt", "share_of_voice": 50, "duration_seconds": 15}
SPLASH_OPTIONS = {"priority": 7}


@pytest.fixture
def old_database(database_url, tmp_path):
    """An empty database of the test's dialect, dropped afterwards."""
    if database_url.startswith("postgresql"):
        admin = make_engine(database_url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        engine = make_engine(database_url,
                             connect_args={"options": f"-csearch_path={SCHEMA}"})
        yield engine
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        admin.dispose()
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'legacy.sqlite3'}")
    yield engine
    engine.dispose()


def _rows_for_empty_adapter_tables(dump: dict) -> dict[str, list[dict]]:
    """The demo leaves the WeChat and web tables empty: a few rows there too, and one splash
    file holding the same bytes as an LED file (stored once afterwards)."""
    delivery = dump["deliveries"][0]
    account_id, outlet_id = delivery["account_id"], delivery["outlet_id"]
    identity_id = dump["member_identities"][0]["id"]
    shared = dump["led_files"][0]
    at = {"__datetime__": NOW.isoformat()}
    return {
        "wechat_access_tokens": [{"appid": "wx-legacy", "token_encrypted": "x", "expires_at": at,
                                  "holder": None, "held_until": None, "refreshed_at": at,
                                  "refreshes": 3}],
        "wechat_call_usage": [{"appid": "wx-legacy", "day": "2026-11-30", "api": "publish",
                               "used": 7}],
        "wechat_inbound": [{"id": 1, "appid": "wx-legacy", "dedupe_key": "evt-1",
                            "kind": "subscribe", "received_at": at}],
        "wechat_followers": [{"id": 1, "appid": "wx-legacy", "openid": "o-legacy",
                              "account_id": account_id, "scene": "qr", "following": True,
                              "followed_at": at, "unfollowed_at": None, "updated_at": at}],
        "wechat_publications": [{
            "id": 1, "idempotency_key": "legacy-key", "delivery_id": delivery["id"],
            "appid": "wx-legacy", "post_id": delivery["post_id"], "title": "旧库里的文章",
            "status": "published", "thumb_media_id": None, "draft_media_id": "d1",
            "publish_id": "p-legacy", "publish_status": 0, "article_id": "a1",
            "article_url": "https://mp.example/a1", "submit_started_at": at, "checks": 2,
            "mass_draft_media_id": None, "mass_msg_id": None, "mass_note": None,
            "published_at": at, "deleted_at": None, "created_at": at, "updated_at": at}],
        "wechat_subscribe_notices": [{
            "id": 1, "post_id": delivery["post_id"], "template": "news",
            "identity_id": identity_id, "delivery_id": delivery["id"], "state": "sent",
            "msgid": "m1", "error": None, "at": at}],
        "web_partner_keys": [{"id": 1, "account_id": account_id, "partner": "职工之家网",
                              "key_hash": "0" * 64, "hint": "wk_0000", "created_at": at,
                              "revoked_at": None}],
        "web_entries": [{
            "id": 1, "outlet_id": outlet_id, "account_id": account_id,
            "post_id": delivery["post_id"], "origin_account_id": account_id, "version": 1,
            "delivery_key": "legacy-web", "live": True, "kind": "article", "title": "网站文章",
            "summary": "", "body_html": "<p>正文</p>", "column_slug": None, "cover_url": None,
            "link_url": None, "valid_from": None, "valid_until": None, "published_at": at,
            "updated_at": at, "withdrawn_at": None}],
        "splash_files": [shared | {"mime_type": "image/png"}],
        "led_post_options": [{"post_id": delivery["post_id"], "settings": LED_OPTIONS,
                              "updated_at": at}],
        "splash_post_options": [{"post_id": delivery["post_id"], "settings": SPLASH_OPTIONS,
                                 "updated_at": at}],
    }


def _count(conn, table) -> int:
    return conn.scalar(select(func.count()).select_from(table))


def test_a_database_of_the_old_head_with_the_demo_upgrades_keeping_every_row(old_database,
                                                                           tmp_path):
    engine = old_database
    dump = legacy.read_dump()
    extra = _rows_for_empty_adapter_tables(dump)
    for name, rows in extra.items():
        dump[name] = dump.get(name, []) + rows
    legacy.build_legacy_schema(engine)
    legacy.load_rows(engine, dump)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == legacy.LEGACY_HEAD

    assert not migrate.is_current(engine, migrate.locations_of(DEFAULT_CHANNELS))
    migrate.upgrade(engine, tmp_path, migrate.locations_of(DEFAULT_CHANNELS))

    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        for name, rows in dump.items():
            if name == "alembic_version":
                continue
            if name in MOVED:
                assert name not in metadata.tables
                continue
            assert _count(conn, metadata.tables[name]) == len(rows), name
        _assert_contents_kept(conn, metadata, dump)
        heads = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    # The hub's revisions are applied too: the LED and splash branches' latest revisions
    # depend on 0013_versions_pending_changes; the hub's own head follows it.
    assert heads == {"0018_kpi_outlet_reads", "wechat_0001", "web_0001", "led_screen_0005",
                     "app_splash_0004"}
    assert schema_differences(engine) == []
    # Upgrading again finds nothing to do.
    assert migrate.is_current(engine, migrate.locations_of(DEFAULT_CHANNELS))


def _assert_contents_kept(conn, metadata: MetaData, dump: dict) -> None:
    tables = metadata.tables
    decoded = {name: [{k: legacy._decode(v) for k, v in row.items()} for row in rows]
               for name, rows in dump.items()}
    # Every file's bytes are in blobs, once, under the hash of those very bytes.
    files = {f["sha256"]: f for f in decoded["led_files"] + decoded["splash_files"]}
    blobs = {row.sha256: row for row in conn.execute(select(tables["blobs"]))}
    assert set(blobs) == set(files)
    for sha256, blob in blobs.items():
        assert bytes(blob.data) == files[sha256]["data"]
        assert hashlib.sha256(bytes(blob.data)).hexdigest() == sha256
        assert blob.byte_size == files[sha256]["byte_size"]
    # Renditions and splash images keep their file, now with its type and size.
    led_file = {f["sha256"]: f for f in decoded["led_files"]}
    for rendition in conn.execute(select(tables["led_renditions"])):
        assert rendition.mime_type == led_file[rendition.file_sha256]["mime_type"]
        assert rendition.byte_size == led_file[rendition.file_sha256]["byte_size"]
    splash_file = {f["sha256"]: f for f in decoded["splash_files"]}
    images = list(conn.execute(select(tables["splash_images"])))
    assert images and all(i.byte_size == splash_file[i.file_sha256]["byte_size"]
                          for i in images)
    # Each outlet's settings for a post are in the post now, under the outlet's name.
    post_id = decoded["led_post_options"][0]["post_id"]
    options = conn.scalar(select(tables["posts"].c.outlet_options)
                          .where(tables["posts"].c.id == post_id))
    assert options == {"led": LED_OPTIONS, "splash": SPLASH_OPTIONS}
    # A few rows, column by column: an account, a member, an outlet, the adopted tables.
    for name, key in [("accounts", "id"), ("members", "id"), ("outlets", "id"),
                      ("led_screens", "id"), ("wechat_publications", "id"),
                      ("web_entries", "id"), ("wechat_subscribe_notices", "id"),
                      ("campaign_slots", "id")]:
        for before in (decoded[name][0], decoded[name][-1]):
            table = tables[name]
            after = conn.execute(select(table).where(table.c[key] == before[key])).mappings().one()
            assert dict(after) == before, name


def test_a_fresh_database_gets_the_hub_and_every_adapter_branch(old_database, tmp_path):
    migrate.upgrade(old_database, tmp_path, migrate.locations_of(DEFAULT_CHANNELS))
    assert schema_differences(old_database) == []
    metadata = MetaData()
    metadata.reflect(old_database)
    assert {"blobs", "led_renditions", "splash_images", "wechat_publications",
            "web_entries"} <= set(metadata.tables)
    assert not MOVED & set(metadata.tables)


def test_an_adapter_no_longer_configured_keeps_its_tables_and_blocks_only_upgrades(
        old_database, tmp_path):
    migrate.upgrade(old_database, tmp_path, migrate.locations_of(DEFAULT_CHANNELS))
    without_wechat = migrate.locations_of(
        [spec for spec in DEFAULT_CHANNELS if not spec.startswith("adapters.wechat")])
    assert migrate.is_current(old_database, without_wechat)
    migrate.upgrade(old_database, tmp_path, without_wechat)  # nothing to do: no error
    with old_database.begin() as conn:  # as if the web branch were new since
        conn.execute(text("DELETE FROM alembic_version WHERE version_num = 'web_0001'"))
    with pytest.raises(migrate.UnknownRevision, match="wechat_0001"):
        migrate.upgrade(old_database, tmp_path, without_wechat)
