"""editors' e-mail addresses: where a reviewer is told that something waits for review (sent
only where HUB_SMTP_URL is configured)

Revision ID: 0018_wb1_user_email
Revises: 0017_console2_roll_jobs
Create Date: 2026-12-07 20:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018_wb1_user_email'
down_revision = '0017_console2_roll_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('email')
