"""lock-outs and sessions: console session generation and login epoch per user, an app key
per splash slot

Revision ID: 0010_lockouts_sessions
Revises: 0009_rendered_bodies
Create Date: 2026-12-01 10:00:00.000000

The splash slot's column belongs to the app_splash adapter; it is here because adapters had
no migrations of their own in this branch.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_lockouts_sessions'
down_revision = '0009_rendered_bodies'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('login_epoch', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('splash_slots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('app_key_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_splash_slots_app_key_hash', ['app_key_hash'])


def downgrade() -> None:
    with op.batch_alter_table('splash_slots', schema=None) as batch_op:
        batch_op.drop_constraint('uq_splash_slots_app_key_hash', type_='unique')
        batch_op.drop_column('app_key_hash')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('login_epoch')
        batch_op.drop_column('session_generation')
