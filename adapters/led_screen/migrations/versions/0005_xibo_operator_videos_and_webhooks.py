"""led_screen: operators' MP4s kept per item and canvas; an operated slot's webhook URL

An operated screen's package carries the slide as an MP4 at the screen's canvas and the slot's
length; it is made once and kept (a blob and its checksums), so the schedule sheet's checksum
and the operator's play reports keep matching. A slot may name the URL its operator is told
at (a signed POST when a post is withdrawn).

Revision ID: led_screen_0005
Revises: led_screen_0004
Create Date: 2026-12-07 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.ports

revision = 'led_screen_0005'
down_revision = 'led_screen_0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('led_operator_videos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('post_version', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('md5', sa.String(length=32), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['file_sha256'], ['blobs.sha256'], name=op.f('fk_led_operator_videos_file_sha256_blobs')),
    sa.ForeignKeyConstraint(['item_id'], ['led_items.id'], name=op.f('fk_led_operator_videos_item_id_led_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_operator_videos')),
    sa.UniqueConstraint('item_id', 'post_version', 'width', 'height', 'seconds', name="uq_led_operator_videos_version_canvas")
    )
    with op.batch_alter_table('led_operator_videos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_led_operator_videos_item_id'), ['item_id'], unique=False)
    with op.batch_alter_table('led_operated_slots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('webhook_url', sa.String(length=500), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('led_operated_slots', schema=None) as batch_op:
        batch_op.drop_column('webhook_url')
    with op.batch_alter_table('led_operator_videos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_led_operator_videos_item_id'))
    op.drop_table('led_operator_videos')
