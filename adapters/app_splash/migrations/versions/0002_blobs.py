"""app_splash: its files move into the hub's blobs; splash_images keeps each file's type and size

The bytes of splash_files are copied into the hub's content-addressed `blobs` (a row already there,
the same bytes stored by another adapter, is kept as it is: the sha256 names the bytes).
splash_images gains mime_type and byte_size, copied from its file, so a manifest is built without
reading the blobs; its file_sha256 now references blobs.sha256. Then splash_files is dropped: every
row it held is in blobs.

Revision ID: app_splash_0002
Revises: app_splash_0001
Depends on: 0009_blobs
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.ports

revision = 'app_splash_0002'
down_revision = 'app_splash_0001'
branch_labels = None
depends_on = ('0009_blobs',)


def upgrade() -> None:
    op.execute(
        "INSERT INTO blobs (sha256, content_type, byte_size, data, created_at) "
        "SELECT f.sha256, f.mime_type, f.byte_size, f.data, f.created_at FROM splash_files f "
        "WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = f.sha256)")
    with op.batch_alter_table('splash_images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mime_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('byte_size', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE splash_images SET "
        "mime_type = (SELECT f.mime_type FROM splash_files f WHERE f.sha256 = splash_images.file_sha256), "
        "byte_size = (SELECT f.byte_size FROM splash_files f WHERE f.sha256 = splash_images.file_sha256)")
    with op.batch_alter_table('splash_images', schema=None) as batch_op:
        batch_op.alter_column('mime_type', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('byte_size', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('fk_splash_images_file_sha256_splash_files', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_splash_images_file_sha256_blobs'), 'blobs',
                                    ['file_sha256'], ['sha256'])
    op.drop_table('splash_files')


def downgrade() -> None:
    op.create_table('splash_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime_type', sa.String(length=40), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_splash_files'))
    )
    op.execute(
        "INSERT INTO splash_files (sha256, mime_type, byte_size, data, created_at) "
        "SELECT b.sha256, b.content_type, b.byte_size, b.data, b.created_at FROM blobs b "
        "WHERE b.sha256 IN (SELECT file_sha256 FROM splash_images)")
    with op.batch_alter_table('splash_images', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_splash_images_file_sha256_blobs'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_splash_images_file_sha256_splash_files'), 'splash_files', ['file_sha256'], ['sha256'])
        batch_op.drop_column('byte_size')
        batch_op.drop_column('mime_type')
