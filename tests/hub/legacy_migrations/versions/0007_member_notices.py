"""Subscribe messages: allowances members gave and every notice sent

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
    op.create_table('wechat_subscribe_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(length=32), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('msgid', sa.String(length=32), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_wechat_subscribe_notices_delivery_id_deliveries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['identity_id'], ['member_identities.id'], name=op.f('fk_wechat_subscribe_notices_identity_id_member_identities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_wechat_subscribe_notices_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_subscribe_notices')),
    sa.UniqueConstraint('post_id', 'identity_id', 'template', name=op.f('uq_wechat_subscribe_notices_post_id_identity_id_template'))
    )
    with op.batch_alter_table('wechat_subscribe_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_subscribe_notices_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wechat_subscribe_notices_identity_id'), ['identity_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('wechat_subscribe_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_subscribe_notices_identity_id'))
        batch_op.drop_index(batch_op.f('ix_wechat_subscribe_notices_delivery_id'))

    op.drop_table('wechat_subscribe_notices')
    op.drop_table('member_subscriptions')
