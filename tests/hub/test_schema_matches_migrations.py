"""Every schema change is an Alembic migration: the database the migrations build holds
exactly what the models describe (the test database is built by the migrations alone)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import hub.models  # noqa: F401
from hub import migrate
from hub.config import DEFAULT_CHANNELS
from hub.db import Base


def schema_differences(engine) -> list:
    """What differs between the database and the models of the hub and its default
    channels (whose modules, imported, register their tables)."""
    migrate.locations_of(DEFAULT_CHANNELS)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_the_models_and_the_migrated_schema_agree(engine):
    assert schema_differences(engine) == [], "a model changed without a migration " \
        "(alembic revision --autogenerate) or a migration without its model"


def test_each_adapter_with_tables_has_its_own_branch():
    locations = migrate.locations_of(DEFAULT_CHANNELS)
    # wechat's two channels share one folder; loopback and webhook have no tables.
    assert [loc.split("/")[-3] for loc in locations[1:]] == [
        "web", "led_screen", "app_splash", "wechat"]
    script = migrate.ScriptDirectory.from_config(migrate.alembic_config(locations))
    labels = {label for revision in script.walk_revisions() for label in revision.branch_labels}
    assert labels == {"hub", "wechat", "web", "led_screen", "app_splash"}
    assert len(script.get_heads()) == 5  # the hub's and one per adapter
