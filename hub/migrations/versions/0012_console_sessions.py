"""console sessions: a session generation and a login epoch per user, so logging out (or an
admin's unlock, or a new password) ends every copy of a session on the server

Revision ID: 0012_console_sessions
Revises: 0011_four_eyes
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012_console_sessions'
down_revision = '0011_four_eyes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no constraint): SQLite alters in place, nothing is rebuilt.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('login_epoch', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('login_epoch')
        batch_op.drop_column('session_generation')
