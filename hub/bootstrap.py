"""Wiring, done once per process from the configuration: the engine, the session factories,
the registry of outlets and the context each adapter gets; then, on first start, the schema
and the demo data.

The app factory, `hub worker` and every CLI command start here, so no module builds an
engine of its own from the environment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub import channels, migrate
from hub.config import Config
from hub.db import make_engine, make_session_factory

log = logging.getLogger("hub")


@dataclass(frozen=True)
class Wiring:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    context: channels.ChannelContext


def build(config: Config) -> Wiring:
    """Everything a hub process needs, built once; every configured adapter is attached."""
    import hub.models  # noqa: F401  (every hub table known before an adapter's refers to it)
    from content.layout import cache as forms

    # Designed forms live on this machine's disk, named by their content: a restart draws
    # nothing again and no process holds them in memory (served at /forms/<name>).
    forms.keep_on_disk(config.var_dir / "forms")
    channels.load_registry(config.channels)
    engine = make_engine(config.database_url)
    sessions = make_session_factory(engine)
    read_sessions = make_session_factory(engine, read_only=True)
    context = channels.ChannelContext(config=config, sessions=sessions,
                                      read_sessions=read_sessions)
    channels.attach(context)
    return Wiring(config, engine, sessions, read_sessions, context)


def prepare_database(engine: Engine, config: Config) -> None:
    """Migrate the hub's tables and those of the configured channels, then load the demo
    when asked and the database is empty."""
    migrate.upgrade(engine, config.var_dir, migrate.locations_of(config.channels))
    if config.load_demo:
        load_demo_if_empty(engine, config)


def load_demo_if_empty(engine: Engine, config: Config) -> bool:
    from hub import demo
    from hub.accounts.models import Account

    sessions = make_session_factory(engine)
    with sessions() as db:
        if db.scalar(select(func.count(Account.id))):
            return False
        demo.load(db, config)
        db.commit()
    log.info("demo data loaded into the empty database")
    return True
