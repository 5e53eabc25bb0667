"""A database as commit aa25d27 left it (schema head 0008_campaigns, the demo loaded), for the
upgrade test: the frozen migrations build the schema, and the rows come from a JSON dump the
old code wrote (`legacy_demo.json.gz`), so no old Python has to run in the test.

Rebuilding the dump (only ever needed if the fixture is lost):

    git worktree add /tmp/old aa25d27
    PYTHONPATH=/tmp/old .venv/bin/python tests/hub/legacy.py tests/hub/legacy_demo.json.gz

Values are dialect-neutral: bytes, datetimes and dates are tagged objects; JSON columns stay
as JSON.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import MetaData, insert, select, text
from sqlalchemy.engine import Engine

HERE = Path(__file__).parent
LEGACY_MIGRATIONS = HERE / "legacy_migrations"
DUMP = HERE / "legacy_demo.json.gz"
LEGACY_HEAD = "0008_campaigns"


def build_legacy_schema(engine: Engine) -> None:
    """The schema exactly as today's (aa25d27's) migrations made it, alembic_version included."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(LEGACY_MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def _encode(value):
    if isinstance(value, bytes | memoryview):
        return {"__bytes__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dt.datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, dt.date):
        return {"__date__": value.isoformat()}
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        (tag, raw), = value.items()
        if tag == "__bytes__":
            return base64.b64decode(raw)
        if tag == "__datetime__":
            return dt.datetime.fromisoformat(raw)
        if tag == "__date__":
            return dt.date.fromisoformat(raw)
    return value


def dump_rows(engine: Engine) -> dict[str, list[dict]]:
    """Every table's rows (alembic_version included), ordered by their primary key."""
    metadata = MetaData()
    metadata.reflect(engine)
    dump = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).mappings()
            dump[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
    return dump


def load_rows(engine: Engine, dump: dict[str, list[dict]]) -> None:
    """Insert the dumped rows into a database built by `build_legacy_schema`."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            rows = [{k: _decode(v) for k, v in row.items()} for row in dump.get(table.name, [])]
            if table.name == "alembic_version" or not rows:
                continue
            conn.execute(insert(table), rows)
        if engine.dialect.name == "postgresql":
            _advance_sequences(conn, metadata)


def _advance_sequences(conn, metadata: MetaData) -> None:
    """Rows came with their ids: move each serial past them, as the old database had it."""
    for table in metadata.sorted_tables:
        if "id" not in table.columns or table.name == "alembic_version":
            continue
        sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                               {"t": table.name})
        if sequence:
            conn.execute(text(f"SELECT setval('{sequence}', "  # noqa: S608  (names from reflection)
                              f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def read_dump() -> dict[str, list[dict]]:
    with gzip.open(DUMP, "rt", encoding="utf-8") as f:
        return json.load(f)


def _build_dump_with_the_code_on_the_path(target: Path) -> None:
    """Run the demo loader of whatever hub is importable (aa25d27's) into a fresh SQLite
    database made by the frozen migrations, and write its rows to `target`."""
    import tempfile

    from hub import channels, demo
    from hub.config import Config
    from hub.db import make_engine, make_session_factory

    with tempfile.TemporaryDirectory() as workdir:
        config = Config(var_dir=Path(workdir) / "var", secret_key="legacy-fixture",
                        database_url=f"sqlite:///{workdir}/legacy.sqlite3", run_workers=False,
                        load_demo=False, auto_migrate=False)
        engine = make_engine(config.database_url)
        build_legacy_schema(engine)
        channels.load_registry(config.channels)
        with make_session_factory(engine)() as db:
            demo.load(db, config)
            db.commit()
        dump = dump_rows(engine)
    with gzip.open(target, "wt", encoding="utf-8") as f:
        json.dump(dump, f, ensure_ascii=False, sort_keys=True)


if __name__ == "__main__":
    import sys

    _build_dump_with_the_code_on_the_path(Path(sys.argv[1]))
