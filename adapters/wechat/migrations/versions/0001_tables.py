"""wechat: the adapter's tables (access tokens, publications, rationed calls, followers, callbacks handled, subscribe notices sent)

Depends on the hub's deliveries, posts and accounts (0002 and before) and on the members' identities (0006_members), which its tables reference.

Adopting, not re-creating: until this branch existed, the hub's own revisions (0003 to 0005
and 0007, ids now gone from the hub's history) made these same tables, and a database
migrated then is stamped with the hub's 0008_campaigns, which Alembic still knows. For such
a database this revision finds each table already there, exactly as this file would make
it, and leaves it and its rows alone; Alembic then records this branch as applied. On a
fresh database it creates them.

Revision ID: wechat_0001
Revises:
Depends on: 0002, 0006_members
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.ports

revision = 'wechat_0001'
down_revision = None
branch_labels = ('wechat',)
depends_on = ('0002', '0006_members')


def _create_wechat_access_tokens() -> None:
    op.create_table('wechat_access_tokens',
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('token_encrypted', sa.Text(), nullable=True),
    sa.Column('expires_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('holder', sa.String(length=100), nullable=True),
    sa.Column('held_until', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('refreshed_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('refreshes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('appid', name=op.f('pk_wechat_access_tokens'))
    )


def _create_wechat_call_usage() -> None:
    op.create_table('wechat_call_usage',
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('api', sa.String(length=40), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('appid', 'day', 'api', name=op.f('pk_wechat_call_usage'))
    )


def _create_wechat_inbound() -> None:
    op.create_table('wechat_inbound',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('received_at', hub.ports.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_inbound')),
    sa.UniqueConstraint('appid', 'dedupe_key', name=op.f('uq_wechat_inbound_appid_dedupe_key'))
    )

    with op.batch_alter_table('wechat_inbound', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_inbound_received_at'), ['received_at'], unique=False)


def _create_wechat_followers() -> None:
    op.create_table('wechat_followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('scene', sa.String(length=64), nullable=True),
    sa.Column('following', sa.Boolean(), nullable=False),
    sa.Column('followed_at', hub.ports.UTCDateTime(), nullable=False),
    sa.Column('unfollowed_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('updated_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_wechat_followers_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_followers')),
    sa.UniqueConstraint('appid', 'openid', name=op.f('uq_wechat_followers_appid_openid'))
    )

    with op.batch_alter_table('wechat_followers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_followers_account_id'), ['account_id'], unique=False)


def _create_wechat_publications() -> None:
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
    sa.Column('submit_started_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('mass_draft_media_id', sa.String(length=200), nullable=True),
    sa.Column('mass_msg_id', sa.String(length=64), nullable=True),
    sa.Column('mass_note', sa.Text(), nullable=True),
    sa.Column('published_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('deleted_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_wechat_publications_delivery_id_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_publications')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_wechat_publications_idempotency_key'))
    )

    with op.batch_alter_table('wechat_publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_publications_appid'), ['appid'], unique=False)
        batch_op.create_index(batch_op.f('ix_wechat_publications_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wechat_publications_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wechat_publications_publish_id'), ['publish_id'], unique=False)


def _create_wechat_subscribe_notices() -> None:
    op.create_table('wechat_subscribe_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(length=32), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('msgid', sa.String(length=32), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_wechat_subscribe_notices_delivery_id_deliveries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['identity_id'], ['member_identities.id'], name=op.f('fk_wechat_subscribe_notices_identity_id_member_identities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_wechat_subscribe_notices_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_subscribe_notices')),
    sa.UniqueConstraint('post_id', 'identity_id', 'template', name=op.f('uq_wechat_subscribe_notices_post_id_identity_id_template'))
    )
    with op.batch_alter_table('wechat_subscribe_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_subscribe_notices_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wechat_subscribe_notices_identity_id'), ['identity_id'], unique=False)


TABLES = [
    ('wechat_access_tokens', _create_wechat_access_tokens),
    ('wechat_call_usage', _create_wechat_call_usage),
    ('wechat_inbound', _create_wechat_inbound),
    ('wechat_followers', _create_wechat_followers),
    ('wechat_publications', _create_wechat_publications),
    ('wechat_subscribe_notices', _create_wechat_subscribe_notices),
]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES:
        if name not in existing:  # made by the hub's old revisions: adopted as it is
            create()


def downgrade() -> None:
    for name, _ in reversed(TABLES):
        op.drop_table(name)
