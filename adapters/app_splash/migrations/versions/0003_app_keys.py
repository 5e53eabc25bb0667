"""app keys: each splash slot's app key (stored hashed) authenticates its impression and click
reports

Revision ID: app_splash_0003
Revises: app_splash_0002
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'app_splash_0003'
down_revision = 'app_splash_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('splash_slots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('app_key_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_splash_slots_app_key_hash', ['app_key_hash'])


def downgrade() -> None:
    with op.batch_alter_table('splash_slots', schema=None) as batch_op:
        batch_op.drop_constraint('uq_splash_slots_app_key_hash', type_='unique')
        batch_op.drop_column('app_key_hash')
