"""Alembic environment for the frozen migrations of commit aa25d27 (head 0008_campaigns).

These scripts build the schema a database had before the adapters owned their tables, so the
upgrade test can start from it. They are never changed; the hub's own scripts are elsewhere.
"""

from __future__ import annotations

from alembic import context


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=None,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


_run(context.config.attributes["connection"])
