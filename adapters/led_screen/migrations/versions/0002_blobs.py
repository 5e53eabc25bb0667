"""led_screen: its files move into the hub's blobs; led_renditions keeps each file's type and size

The bytes of led_files are copied into the hub's content-addressed `blobs` (a row already there,
the same bytes stored by another adapter, is kept as it is: the sha256 names the bytes).
led_renditions gains mime_type and byte_size, copied from its file, so a manifest is built without
reading the blobs; its file_sha256 now references blobs.sha256. Then led_files is dropped: every
row it held is in blobs.

Revision ID: led_screen_0002
Revises: led_screen_0001
Depends on: 0009_blobs
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.ports

revision = 'led_screen_0002'
down_revision = 'led_screen_0001'
branch_labels = None
depends_on = ('0009_blobs',)


def upgrade() -> None:
    op.execute(
        "INSERT INTO blobs (sha256, content_type, byte_size, data, created_at) "
        "SELECT f.sha256, f.mime_type, f.byte_size, f.data, f.created_at FROM led_files f "
        "WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = f.sha256)")
    with op.batch_alter_table('led_renditions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mime_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('byte_size', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE led_renditions SET "
        "mime_type = (SELECT f.mime_type FROM led_files f WHERE f.sha256 = led_renditions.file_sha256), "
        "byte_size = (SELECT f.byte_size FROM led_files f WHERE f.sha256 = led_renditions.file_sha256)")
    with op.batch_alter_table('led_renditions', schema=None) as batch_op:
        batch_op.alter_column('mime_type', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('byte_size', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('fk_led_renditions_file_sha256_led_files', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_led_renditions_file_sha256_blobs'), 'blobs',
                                    ['file_sha256'], ['sha256'])
    op.drop_table('led_files')


def downgrade() -> None:
    op.create_table('led_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime_type', sa.String(length=40), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_led_files'))
    )
    op.execute(
        "INSERT INTO led_files (sha256, mime_type, byte_size, data, created_at) "
        "SELECT b.sha256, b.content_type, b.byte_size, b.data, b.created_at FROM blobs b "
        "WHERE b.sha256 IN (SELECT file_sha256 FROM led_renditions)")
    with op.batch_alter_table('led_renditions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_led_renditions_file_sha256_blobs'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_led_renditions_file_sha256_led_files'), 'led_files', ['file_sha256'], ['sha256'])
        batch_op.drop_column('byte_size')
        batch_op.drop_column('mime_type')
