"""app_splash: slots, items and images, their files, event batches and daily counts

Depends on the hub's accounts, outlets and posts (0002 and before), which its tables reference. The files table moves into the hub's blobs in the next revision.

Adopting, not re-creating: until this branch existed, the hub's own revisions (0003 to 0005
and 0007, ids now gone from the hub's history) made these same tables, and a database
migrated then is stamped with the hub's 0008_campaigns, which Alembic still knows. For such
a database this revision finds each table already there, exactly as this file would make
it, and leaves it and its rows alone; Alembic then records this branch as applied. On a
fresh database it creates them.

Revision ID: app_splash_0001
Revises:
Depends on: 0002
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.ports

revision = 'app_splash_0001'
down_revision = None
branch_labels = ('app_splash',)
depends_on = ('0002',)


def _create_splash_files() -> None:
    op.create_table('splash_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime_type', sa.String(length=40), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_splash_files'))
    )


def _create_splash_daily_counts() -> None:
    op.create_table('splash_daily_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('impressions', sa.Integer(), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.Column('skips', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_splash_daily_counts')),
    sa.UniqueConstraint('item_id', 'day', name=op.f('uq_splash_daily_counts_item_id_day'))
    )
    with op.batch_alter_table('splash_daily_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_splash_daily_counts_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_splash_daily_counts_post_id'), ['post_id'], unique=False)


def _create_splash_event_batches() -> None:
    op.create_table('splash_event_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('received_at', hub.ports.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_splash_event_batches')),
    sa.UniqueConstraint('batch_id', name=op.f('uq_splash_event_batches_batch_id'))
    )


def _create_splash_member_days() -> None:
    op.create_table('splash_member_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_hash', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('impressions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_splash_member_days')),
    sa.UniqueConstraint('member_hash', 'day', 'item_id', name=op.f('uq_splash_member_days_member_hash_day_item_id'))
    )


def _create_splash_slots() -> None:
    op.create_table('splash_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sizes', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_splash_slots_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_splash_slots')),
    sa.UniqueConstraint('code', name=op.f('uq_splash_slots_code'))
    )
    with op.batch_alter_table('splash_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_splash_slots_account_id'), ['account_id'], unique=False)


def _create_splash_items() -> None:
    op.create_table('splash_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('post_version', sa.Integer(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('ends_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('daily_cap', sa.Integer(), nullable=True),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('accounts', sa.JSON(), nullable=False),
    sa.Column('link', sa.JSON(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('withdrawn_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('updated_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'], name=op.f('fk_splash_items_outlet_id_outlets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_splash_items_post_id_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['slot_id'], ['splash_slots.id'], name=op.f('fk_splash_items_slot_id_splash_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_splash_items')),
    sa.UniqueConstraint('outlet_id', 'post_id', name=op.f('uq_splash_items_outlet_id_post_id'))
    )
    with op.batch_alter_table('splash_items', schema=None) as batch_op:
        batch_op.create_index('ix_splash_items_slot_live', ['slot_id', 'withdrawn_at'], unique=False)


def _create_splash_post_options() -> None:
    op.create_table('splash_post_options',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('updated_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_splash_post_options_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_splash_post_options'))
    )


def _create_splash_images() -> None:
    op.create_table('splash_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['file_sha256'], ['splash_files.sha256'], name=op.f('fk_splash_images_file_sha256_splash_files')),
    sa.ForeignKeyConstraint(['item_id'], ['splash_items.id'], name=op.f('fk_splash_images_item_id_splash_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_splash_images')),
    sa.UniqueConstraint('item_id', 'width', 'height', name=op.f('uq_splash_images_item_id_width_height'))
    )


TABLES = [
    ('splash_files', _create_splash_files),
    ('splash_daily_counts', _create_splash_daily_counts),
    ('splash_event_batches', _create_splash_event_batches),
    ('splash_member_days', _create_splash_member_days),
    ('splash_slots', _create_splash_slots),
    ('splash_items', _create_splash_items),
    ('splash_post_options', _create_splash_post_options),
    ('splash_images', _create_splash_images),
]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES:
        if name not in existing:  # made by the hub's old revisions: adopted as it is
            create()


def downgrade() -> None:
    for name, _ in reversed(TABLES):
        op.drop_table(name)
