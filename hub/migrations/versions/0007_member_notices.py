"""Subscribe messages: the allowances members gave

(The table of notices sent was made here too; the adapter that sends them owns it now, in
its own branch.)

Revision ID: 0007_member_notices
Revises: 0006_members
Create Date: 2026-11-24 03:07:21.962338
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0007_member_notices'
down_revision = '0006_members'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_subscriptions',
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(length=32), nullable=False),
    sa.Column('allowances', sa.Integer(), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['identity_id'], ['member_identities.id'], name=op.f('fk_member_subscriptions_identity_id_member_identities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('identity_id', 'template', name=op.f('pk_member_subscriptions'))
    )


def downgrade() -> None:
    op.drop_table('member_subscriptions')
