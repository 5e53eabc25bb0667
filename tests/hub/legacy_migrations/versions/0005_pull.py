"""the pull outlets: LED screens, groups, pairing, playlist items and their files, proof of
play per hour; the app's splash slots, items and images, events and daily counts

Revision ID: 0005_pull
Revises: 0004_web
Create Date: 2026-11-24 00:56:48.542089
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0005_pull'
down_revision = '0004_web'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('led_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime_type', sa.String(length=40), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_led_files'))
    )
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

    op.create_table('splash_event_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('received_at', hub.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_splash_event_batches')),
    sa.UniqueConstraint('batch_id', name=op.f('uq_splash_event_batches_batch_id'))
    )
    op.create_table('splash_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime_type', sa.String(length=40), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_splash_files'))
    )
    op.create_table('splash_member_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_hash', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('impressions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_splash_member_days')),
    sa.UniqueConstraint('member_hash', 'day', 'item_id', name=op.f('uq_splash_member_days_member_hash_day_item_id'))
    )
    op.create_table('led_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_led_groups_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_groups')),
    sa.UniqueConstraint('code', name=op.f('uq_led_groups_code'))
    )
    with op.batch_alter_table('led_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_led_groups_account_id'), ['account_id'], unique=False)

    op.create_table('led_screens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('orientation', sa.String(length=16), nullable=False),
    sa.Column('controller', sa.String(length=16), nullable=False),
    sa.Column('draws_text', sa.Boolean(), nullable=False),
    sa.Column('brightness', sa.JSON(), nullable=False),
    sa.Column('on_time', sa.String(length=5), nullable=True),
    sa.Column('off_time', sa.String(length=5), nullable=True),
    sa.Column('poll_seconds', sa.Integer(), nullable=False),
    sa.Column('min_poll_seconds', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('token_issued_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('token_revoked_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('playlist_version', sa.Integer(), nullable=False),
    sa.Column('last_poll_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('last_heartbeat_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('reported_status', sa.JSON(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_led_screens_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_screens')),
    sa.UniqueConstraint('code', name=op.f('uq_led_screens_code')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_led_screens_token_hash'))
    )
    with op.batch_alter_table('led_screens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_led_screens_account_id'), ['account_id'], unique=False)

    op.create_table('splash_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sizes', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_splash_slots_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_splash_slots')),
    sa.UniqueConstraint('code', name=op.f('uq_splash_slots_code'))
    )
    with op.batch_alter_table('splash_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_splash_slots_account_id'), ['account_id'], unique=False)

    op.create_table('led_group_screens',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['led_groups.id'], name=op.f('fk_led_group_screens_group_id_led_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['screen_id'], ['led_screens.id'], name=op.f('fk_led_group_screens_screen_id_led_screens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'screen_id', name=op.f('pk_led_group_screens'))
    )
    with op.batch_alter_table('led_group_screens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_led_group_screens_screen_id'), ['screen_id'], unique=False)

    op.create_table('led_pairings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('claim_hash', sa.String(length=64), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['screen_id'], ['led_screens.id'], name=op.f('fk_led_pairings_screen_id_led_screens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_pairings')),
    sa.UniqueConstraint('claim_hash', name=op.f('uq_led_pairings_claim_hash')),
    sa.UniqueConstraint('code', name=op.f('uq_led_pairings_code'))
    )
    op.create_table('led_play_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('received_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['screen_id'], ['led_screens.id'], name=op.f('fk_led_play_batches_screen_id_led_screens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_play_batches')),
    sa.UniqueConstraint('screen_id', 'batch_id', name=op.f('uq_led_play_batches_screen_id_batch_id'))
    )
    op.create_table('led_play_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('hour', hub.db.UTCDateTime(), nullable=False),
    sa.Column('plays', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['screen_id'], ['led_screens.id'], name=op.f('fk_led_play_hours_screen_id_led_screens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_play_hours')),
    sa.UniqueConstraint('screen_id', 'item_id', 'hour', name=op.f('uq_led_play_hours_screen_id_item_id_hour'))
    )
    with op.batch_alter_table('led_play_hours', schema=None) as batch_op:
        batch_op.create_index('ix_led_play_hours_post', ['post_id', 'hour'], unique=False)

    op.create_table('led_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('post_version', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('form', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('share_of_voice', sa.Integer(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=False),
    sa.Column('valid_from', hub.db.UTCDateTime(), nullable=True),
    sa.Column('valid_until', hub.db.UTCDateTime(), nullable=True),
    sa.Column('text_style', sa.JSON(), nullable=False),
    sa.Column('video', sa.JSON(), nullable=True),
    sa.Column('skipped', sa.JSON(), nullable=False),
    sa.Column('withdrawn_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'], name=op.f('fk_led_items_outlet_id_outlets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_led_items_post_id_posts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_items')),
    sa.UniqueConstraint('outlet_id', 'post_id', name=op.f('uq_led_items_outlet_id_post_id'))
    )
    with op.batch_alter_table('led_items', schema=None) as batch_op:
        batch_op.create_index('ix_led_items_outlet_live', ['outlet_id', 'withdrawn_at'], unique=False)

    op.create_table('led_post_options',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_led_post_options_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_led_post_options'))
    )
    op.create_table('splash_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('post_version', sa.Integer(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('ends_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('daily_cap', sa.Integer(), nullable=True),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('accounts', sa.JSON(), nullable=False),
    sa.Column('link', sa.JSON(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('withdrawn_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'], name=op.f('fk_splash_items_outlet_id_outlets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_splash_items_post_id_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['slot_id'], ['splash_slots.id'], name=op.f('fk_splash_items_slot_id_splash_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_splash_items')),
    sa.UniqueConstraint('outlet_id', 'post_id', name=op.f('uq_splash_items_outlet_id_post_id'))
    )
    with op.batch_alter_table('splash_items', schema=None) as batch_op:
        batch_op.create_index('ix_splash_items_slot_live', ['slot_id', 'withdrawn_at'], unique=False)

    op.create_table('splash_post_options',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_splash_post_options_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_splash_post_options'))
    )
    op.create_table('led_renditions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['file_sha256'], ['led_files.sha256'], name=op.f('fk_led_renditions_file_sha256_led_files')),
    sa.ForeignKeyConstraint(['item_id'], ['led_items.id'], name=op.f('fk_led_renditions_item_id_led_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_renditions')),
    sa.UniqueConstraint('item_id', 'width', 'height', name=op.f('uq_led_renditions_item_id_width_height'))
    )
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


def downgrade() -> None:
    op.drop_table('splash_images')
    op.drop_table('led_renditions')
    op.drop_table('splash_post_options')
    with op.batch_alter_table('splash_items', schema=None) as batch_op:
        batch_op.drop_index('ix_splash_items_slot_live')

    op.drop_table('splash_items')
    op.drop_table('led_post_options')
    with op.batch_alter_table('led_items', schema=None) as batch_op:
        batch_op.drop_index('ix_led_items_outlet_live')

    op.drop_table('led_items')
    with op.batch_alter_table('led_play_hours', schema=None) as batch_op:
        batch_op.drop_index('ix_led_play_hours_post')

    op.drop_table('led_play_hours')
    op.drop_table('led_play_batches')
    op.drop_table('led_pairings')
    with op.batch_alter_table('led_group_screens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_led_group_screens_screen_id'))

    op.drop_table('led_group_screens')
    with op.batch_alter_table('splash_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_splash_slots_account_id'))

    op.drop_table('splash_slots')
    with op.batch_alter_table('led_screens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_led_screens_account_id'))

    op.drop_table('led_screens')
    with op.batch_alter_table('led_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_led_groups_account_id'))

    op.drop_table('led_groups')
    op.drop_table('splash_member_days')
    op.drop_table('splash_files')
    op.drop_table('splash_event_batches')
    with op.batch_alter_table('splash_daily_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_splash_daily_counts_post_id'))
        batch_op.drop_index(batch_op.f('ix_splash_daily_counts_item_id'))

    op.drop_table('splash_daily_counts')
    op.drop_table('led_files')
