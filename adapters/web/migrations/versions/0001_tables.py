"""web: what each site shows (entries) and partner websites' API keys

Depends on the hub's accounts, outlets and posts (0002 and before), which its tables reference.

Adopting, not re-creating: until this branch existed, the hub's own revisions (0003 to 0005
and 0007, ids now gone from the hub's history) made these same tables, and a database
migrated then is stamped with the hub's 0008_campaigns, which Alembic still knows. For such
a database this revision finds each table already there, exactly as this file would make
it, and leaves it and its rows alone; Alembic then records this branch as applied. On a
fresh database it creates them.

Revision ID: web_0001
Revises:
Depends on: 0002
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.ports

revision = 'web_0001'
down_revision = None
branch_labels = ('web',)
depends_on = ('0002',)


def _create_web_partner_keys() -> None:
    op.create_table('web_partner_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('partner', sa.String(length=100), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', hub.ports.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_web_partner_keys_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_partner_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_web_partner_keys_key_hash'))
    )
    with op.batch_alter_table('web_partner_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_partner_keys_account_id'), ['account_id'], unique=False)


def _create_web_entries() -> None:
    op.create_table('web_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('origin_account_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('delivery_key', sa.String(length=128), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('column_slug', sa.String(length=40), nullable=True),
    sa.Column('cover_url', sa.String(length=1000), nullable=True),
    sa.Column('link_url', sa.String(length=1000), nullable=True),
    sa.Column('valid_from', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('valid_until', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('published_at', hub.ports.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub.ports.UTCDateTime(), nullable=False),
    sa.Column('withdrawn_at', hub.ports.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_web_entries_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['origin_account_id'], ['accounts.id'], name=op.f('fk_web_entries_origin_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'], name=op.f('fk_web_entries_outlet_id_outlets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_web_entries_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_entries')),
    sa.UniqueConstraint('outlet_id', 'post_id', name=op.f('uq_web_entries_outlet_id_post_id'))
    )
    with op.batch_alter_table('web_entries', schema=None) as batch_op:
        batch_op.create_index('ix_web_entries_changes', ['updated_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_entries_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_web_entries_site_listing', ['outlet_id', 'live', 'published_at'], unique=False)


TABLES = [
    ('web_partner_keys', _create_web_partner_keys),
    ('web_entries', _create_web_entries),
]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES:
        if name not in existing:  # made by the hub's old revisions: adopted as it is
            create()


def downgrade() -> None:
    for name, _ in reversed(TABLES):
        op.drop_table(name)
