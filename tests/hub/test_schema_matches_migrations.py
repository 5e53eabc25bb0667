"""Every schema change is an Alembic migration: the database the migrations build holds
exactly what the models describe (the test database is built by the migrations alone)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import adapters.models  # noqa: F401  (every adapter's tables join the metadata)
import hub.models  # noqa: F401
from hub.db import Base


def test_the_models_and_the_migrated_schema_agree(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "a model changed without a migration (alembic revision " \
                              "--autogenerate) or a migration without its model"
