"""Bringing a database to the newest schema with Alembic, safely from several processes at once.

The hub's own revisions live in hub/migrations/versions; each adapter with tables keeps its
own Alembic branch and names the folder in its channel's `migrations` attribute. The caller
hands over the folders (`version_locations` of the configured channels), so what gets
migrated follows the configuration, never a module-level registry.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import logging
import sys
from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger("hub.migrate")
MIGRATIONS = Path(__file__).parent / "migrations"
HUB_VERSIONS = MIGRATIONS / "versions"
PG_LOCK_KEY = 0x6875620001  # any constant shared by every hub process


class UnknownRevision(RuntimeError):
    """The database was migrated by an adapter that is no longer configured."""


def version_locations(channels: Iterable) -> list[str]:
    """The hub's versions folder, then each channel's own (once, however many channels
    share it). Channels may be instances or their classes. A channel's `migrations` is a
    folder path, relative to its module's folder unless absolute, or None (no tables)."""
    folders = [HUB_VERSIONS]
    for channel in channels:
        folder = channel.migrations  # hub.channels.Channel defaults it to None: no tables
        if folder:
            module_dir = Path(sys.modules[channel.__module__].__file__).parent
            folders.append((module_dir / folder).resolve())
    return [str(folder) for folder in dict.fromkeys(folders)]


def locations_of(specs: Iterable[str]) -> list[str]:
    """`version_locations` of the channels that "module:attribute" specs name (as in
    `Config.channels`): their modules are imported, which registers their tables, but no
    channel is built."""
    found = []
    for spec in specs:
        module_name, _, attribute = spec.partition(":")
        found.append(getattr(importlib.import_module(module_name), attribute))
    return version_locations(found)


def alembic_config(locations: list[str], url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Alembic splits this on the separator it is told; a path never holds a newline.
    cfg.set_main_option("path_separator", "newline")
    cfg.set_main_option("version_locations", "\n".join(locations))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


@contextlib.contextmanager
def _migration_lock(engine: Engine, var_dir: Path):
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                conn.commit()
        return
    var_dir.mkdir(parents=True, exist_ok=True)
    with open(var_dir / "migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def is_current(engine: Engine, locations: list[str]) -> bool:
    """Whether every head (the hub's and one per adapter branch) is applied. Alembic records
    only the heads nothing applied depends on, so a head may be applied as an ancestor.
    Raises UnknownRevision when an upgrade is due but the database holds revisions of an
    adapter no longer configured."""
    script = ScriptDirectory.from_config(alembic_config(locations))
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    unknown = sorted(r for r in current if not _known(script, r))
    if set(script.get_heads()) <= _applied(script, current - set(unknown)):
        return True  # an adapter taken out of HUB_CHANNELS leaves its tables, harmlessly
    if unknown:
        # Alembic cannot upgrade past revisions it cannot find.
        raise UnknownRevision(
            f"the database holds migrations {', '.join(unknown)} that no configured channel "
            "provides: add the adapter that made them back to HUB_CHANNELS to upgrade")
    return False


def _applied(script: ScriptDirectory, current: set[str]) -> set[str]:
    """The recorded revisions and everything they come after or depend on."""
    seen: set[str] = set()
    todo = list(current)
    while todo:
        revision = script.get_revision(todo.pop())
        if revision.revision not in seen:
            seen.add(revision.revision)
            todo += [*_ids(revision.down_revision), *_ids(revision.dependencies)]
    return seen


def _ids(value) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def upgrade(engine: Engine, var_dir: Path, locations: list[str]) -> None:
    """Upgrade every head found in `locations` (see `version_locations`)."""
    with _migration_lock(engine, var_dir):
        if is_current(engine, locations):
            return
        cfg = alembic_config(locations)
        with engine.connect() as conn, _foreign_keys_deferred(conn):
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "heads")
            _check_foreign_keys(conn)


@contextlib.contextmanager
def _foreign_keys_deferred(conn):
    """On SQLite, foreign keys off while migrating: a batch migration rebuilds a table (copy,
    drop, rename), and dropping the old one would cascade-delete every row that refers to it
    (a campaign's slots and claims, say). The pragma only counts outside a transaction."""
    if conn.dialect.name != "sqlite":
        yield
        return
    driver = conn.connection.driver_connection
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(conn) -> None:
    """What the migrations left must still hold together (SQLite checked nothing meanwhile)."""
    if conn.dialect.name != "sqlite":
        return
    with conn.begin():
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:  # said loudly, but the hub still starts: the rows are there to be mended
        log.error("after migrating, %d rows' foreign keys do not resolve (first in table %s)",
                  len(broken), broken[0][0])
