"""kpis: the reads each outlet's own figures gave per day (WeChat's datacube), so a repeated
pull replaces its figure instead of counting it twice

Revision ID: 0018_kpi_outlet_reads
Revises: 0018_attr_member_sources
Create Date: 2026-12-07 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0018_kpi_outlet_reads'
down_revision = '0018_attr_member_sources'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kpi_outlet_reads',
    sa.Column('outlet_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reads', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('pulled_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'],
                            name=op.f('fk_kpi_outlet_reads_outlet_id_outlets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outlet_id', 'day', name=op.f('pk_kpi_outlet_reads'))
    )


def downgrade() -> None:
    op.drop_table('kpi_outlet_reads')
