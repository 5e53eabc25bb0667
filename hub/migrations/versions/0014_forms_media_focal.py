"""media focal point: where a crop of the picture must stay (fractions of its width and
height), found on upload and movable by an editor; null for pictures uploaded before

Revision ID: 0014_forms_media_focal
Revises: 0013_versions_pending_changes
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014_forms_media_focal'
down_revision = '0013_versions_pending_changes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain nullable ADD COLUMNs: SQLite alters in place, nothing is rebuilt.
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.add_column(sa.Column('focal_x', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('focal_y', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.drop_column('focal_y')
        batch_op.drop_column('focal_x')
