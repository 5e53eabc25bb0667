"""WeChat official accounts: shared access tokens, publications, rationed call counts,
followers per union account, callbacks already handled

Revision ID: 0003_wechat
Revises: 0002
Create Date: 2026-11-24 00:56:18.479518
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0003_wechat'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wechat_access_tokens',
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('token_encrypted', sa.Text(), nullable=True),
    sa.Column('expires_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('holder', sa.String(length=100), nullable=True),
    sa.Column('held_until', hub.db.UTCDateTime(), nullable=True),
    sa.Column('refreshed_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('refreshes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('appid', name=op.f('pk_wechat_access_tokens'))
    )

    op.create_table('wechat_call_usage',
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('api', sa.String(length=40), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('appid', 'day', 'api', name=op.f('pk_wechat_call_usage'))
    )

    op.create_table('wechat_inbound',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('received_at', hub.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_inbound')),
    sa.UniqueConstraint('appid', 'dedupe_key', name=op.f('uq_wechat_inbound_appid_dedupe_key'))
    )

    with op.batch_alter_table('wechat_inbound', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_inbound_received_at'), ['received_at'], unique=False)

    op.create_table('wechat_followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('scene', sa.String(length=64), nullable=True),
    sa.Column('following', sa.Boolean(), nullable=False),
    sa.Column('followed_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('unfollowed_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_wechat_followers_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_followers')),
    sa.UniqueConstraint('appid', 'openid', name=op.f('uq_wechat_followers_appid_openid'))
    )

    with op.batch_alter_table('wechat_followers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_followers_account_id'), ['account_id'], unique=False)

    op.create_table('wechat_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('thumb_media_id', sa.String(length=200), nullable=True),
    sa.Column('draft_media_id', sa.String(length=200), nullable=True),
    sa.Column('publish_id', sa.String(length=64), nullable=True),
    sa.Column('publish_status', sa.Integer(), nullable=True),
    sa.Column('article_id', sa.String(length=200), nullable=True),
    sa.Column('article_url', sa.String(length=1000), nullable=True),
    sa.Column('submit_started_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('mass_draft_media_id', sa.String(length=200), nullable=True),
    sa.Column('mass_msg_id', sa.String(length=64), nullable=True),
    sa.Column('mass_note', sa.Text(), nullable=True),
    sa.Column('published_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('deleted_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_wechat_publications_delivery_id_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_publications')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_wechat_publications_idempotency_key'))
    )

    with op.batch_alter_table('wechat_publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_publications_appid'), ['appid'], unique=False)
        batch_op.create_index(batch_op.f('ix_wechat_publications_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wechat_publications_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wechat_publications_publish_id'), ['publish_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wechat_publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_publications_publish_id'))
        batch_op.drop_index(batch_op.f('ix_wechat_publications_post_id'))
        batch_op.drop_index(batch_op.f('ix_wechat_publications_delivery_id'))
        batch_op.drop_index(batch_op.f('ix_wechat_publications_appid'))

    op.drop_table('wechat_publications')

    with op.batch_alter_table('wechat_followers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_followers_account_id'))

    op.drop_table('wechat_followers')

    with op.batch_alter_table('wechat_inbound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_inbound_received_at'))

    op.drop_table('wechat_inbound')

    op.drop_table('wechat_call_usage')

    op.drop_table('wechat_access_tokens')
