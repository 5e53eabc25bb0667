"""blobs: content-addressed bytes, one table for the whole hub

Adapters that kept their own table of files move their rows here in their own branches
(which depend on this revision) and drop their tables.

Revision ID: 0009_blobs
Revises: 0008_campaigns
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0009_blobs'
down_revision = '0008_campaigns'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_blobs'))
    )


def downgrade() -> None:
    op.drop_table('blobs')
