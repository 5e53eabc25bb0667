"""rush: which campaigns have their claims decided in Redis (set when their stock is loaded
there): the database's claim path then stays away from their slots

Revision ID: 0015_rush_claims_in_redis
Revises: 0014_forms_media_focal
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015_rush_claims_in_redis'
down_revision = '0014_forms_media_focal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable ADD COLUMN: SQLite alters in place, nothing is rebuilt.
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_in', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('decided_in')
