"""First start: migrate the database and, when it is empty, load the demo data."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from hub import migrate
from hub.config import Config
from hub.db import make_session_factory

log = logging.getLogger("hub")


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
