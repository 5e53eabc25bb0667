"""led_screen: screens, groups, pairing, playlist items, their renditions and files, proof of play per hour

Depends on the hub's accounts, outlets and posts (0002 and before), which its tables reference. The files table moves into the hub's blobs in the next revision.

Adopting, not re-creating: until this branch existed, the hub's own revisions (0003 to 0005
and 0007, ids now gone from the hub's history) made these same tables, and a database
migrated then is stamped with the hub's 0008_campaigns, which Alembic still knows. For such
a database this revision finds each table already there, exactly as this file would make
it, and leaves it and its rows alone; Alembic then records this branch as applied. On a
fresh database it creates them.

Revision ID: led_screen_0001
Revises:
Depends on: 0002
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.ports

revision = 'led_screen_0001'
down_revision = None
branch_labels = ('led_screen',)
depends_on = ('0002',)


def _create_led_files() -> None:
    op.create_table('led_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime_type', sa.String(length=40), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_led_files'))
    )


def _create_led_groups() -> None:
    op.create_table('led_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_led_groups_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_groups')),
    sa.UniqueConstraint('code', name=op.f('uq_led_groups_code'))
    )
    with op.batch_alter_table('led_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_led_groups_account_id'), ['account_id'], unique=False)


def _create_led_screens() -> None:
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
    sa.Column('token_issued_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('token_revoked_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('playlist_version', sa.Integer(), nullable=False),
    sa.Column('last_poll_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('last_heartbeat_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('reported_status', sa.JSON(), nullable=False),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_led_screens_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_screens')),
    sa.UniqueConstraint('code', name=op.f('uq_led_screens_code')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_led_screens_token_hash'))
    )
    with op.batch_alter_table('led_screens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_led_screens_account_id'), ['account_id'], unique=False)


def _create_led_group_screens() -> None:
    op.create_table('led_group_screens',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['led_groups.id'], name=op.f('fk_led_group_screens_group_id_led_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['screen_id'], ['led_screens.id'], name=op.f('fk_led_group_screens_screen_id_led_screens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'screen_id', name=op.f('pk_led_group_screens'))
    )
    with op.batch_alter_table('led_group_screens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_led_group_screens_screen_id'), ['screen_id'], unique=False)


def _create_led_pairings() -> None:
    op.create_table('led_pairings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('claim_hash', sa.String(length=64), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', hub.ports.UTCDateTime(), nullable=False),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['screen_id'], ['led_screens.id'], name=op.f('fk_led_pairings_screen_id_led_screens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_pairings')),
    sa.UniqueConstraint('claim_hash', name=op.f('uq_led_pairings_claim_hash')),
    sa.UniqueConstraint('code', name=op.f('uq_led_pairings_code'))
    )


def _create_led_play_batches() -> None:
    op.create_table('led_play_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('received_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['screen_id'], ['led_screens.id'], name=op.f('fk_led_play_batches_screen_id_led_screens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_play_batches')),
    sa.UniqueConstraint('screen_id', 'batch_id', name=op.f('uq_led_play_batches_screen_id_batch_id'))
    )


def _create_led_play_hours() -> None:
    op.create_table('led_play_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('hour', hub.ports.UTCDateTime(), nullable=False),
    sa.Column('plays', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['screen_id'], ['led_screens.id'], name=op.f('fk_led_play_hours_screen_id_led_screens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_play_hours')),
    sa.UniqueConstraint('screen_id', 'item_id', 'hour', name=op.f('uq_led_play_hours_screen_id_item_id_hour'))
    )
    with op.batch_alter_table('led_play_hours', schema=None) as batch_op:
        batch_op.create_index('ix_led_play_hours_post', ['post_id', 'hour'], unique=False)


def _create_led_items() -> None:
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
    sa.Column('valid_from', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('valid_until', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('text_style', sa.JSON(), nullable=False),
    sa.Column('video', sa.JSON(), nullable=True),
    sa.Column('skipped', sa.JSON(), nullable=False),
    sa.Column('withdrawn_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('updated_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'], name=op.f('fk_led_items_outlet_id_outlets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_led_items_post_id_posts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_items')),
    sa.UniqueConstraint('outlet_id', 'post_id', name=op.f('uq_led_items_outlet_id_post_id'))
    )
    with op.batch_alter_table('led_items', schema=None) as batch_op:
        batch_op.create_index('ix_led_items_outlet_live', ['outlet_id', 'withdrawn_at'], unique=False)


def _create_led_post_options() -> None:
    op.create_table('led_post_options',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('updated_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_led_post_options_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_led_post_options'))
    )


def _create_led_renditions() -> None:
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


TABLES = [
    ('led_files', _create_led_files),
    ('led_groups', _create_led_groups),
    ('led_screens', _create_led_screens),
    ('led_group_screens', _create_led_group_screens),
    ('led_pairings', _create_led_pairings),
    ('led_play_batches', _create_led_play_batches),
    ('led_play_hours', _create_led_play_hours),
    ('led_items', _create_led_items),
    ('led_post_options', _create_led_post_options),
    ('led_renditions', _create_led_renditions),
]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES:
        if name not in existing:  # made by the hub's old revisions: adopted as it is
            create()


def downgrade() -> None:
    for name, _ in reversed(TABLES):
        op.drop_table(name)
