"""Alembic environment: runs migrations on the connection hub.migrate hands over (or the URL).

The hub's models are imported here; an adapter's join `Base.metadata` when the registry
imports its channel. Run from the alembic command line (autogenerate), the configured
channels are loaded so their tables are compared too.
"""

from __future__ import annotations

from alembic import context

import hub.models  # noqa: F401  (registers every hub table on Base.metadata)
from hub.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from hub import channels
    from hub.config import Config

    channels.load_registry(Config.from_env().channels)
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
