"""kpis: daily KPI rows rolled up the account tree, the day's set of active members, when each
account was opened; indexes to find what changed on the rolls since a snapshot

Revision ID: 0016_kpis_daily
Revises: 0015_rush_claims_in_redis
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0016_kpis_daily'
down_revision = '0015_rush_claims_in_redis'
branch_labels = None
depends_on = None

COUNTS = ('reads', 'active_members', 'led_plays', 'splash_impressions', 'splash_clicks',
          'welfare_value_fen', 'accounts_opened', 'members_imported', 'members_verified')


def upgrade() -> None:
    op.create_table('kpi_daily',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    *[sa.Column(name, sa.BigInteger(), server_default='0', nullable=False) for name in COUNTS],
    sa.Column('snapshot_at', hub.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                            name=op.f('fk_kpi_daily_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'day', name=op.f('pk_kpi_daily'))
    )
    op.create_table('kpi_refreshes',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', hub.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_kpi_refreshes'))
    )
    op.create_table('kpi_active_members',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'identity_id', name=op.f('pk_kpi_active_members'))
    )
    op.create_table('kpi_account_openings',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('how', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                            name=op.f('fk_kpi_account_openings_account_id_accounts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_kpi_account_openings'))
    )
    op.create_index('ix_members_imported_at', 'members', ['imported_at'], unique=False)
    op.create_index('ix_members_verified_at', 'members', ['verified_at'], unique=False,
                    postgresql_where=sa.text('verified_at IS NOT NULL'),
                    sqlite_where=sa.text('verified_at IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_members_verified_at', table_name='members',
                  postgresql_where=sa.text('verified_at IS NOT NULL'),
                  sqlite_where=sa.text('verified_at IS NOT NULL'))
    op.drop_index('ix_members_imported_at', table_name='members')
    op.drop_table('kpi_account_openings')
    op.drop_table('kpi_active_members')
    op.drop_table('kpi_refreshes')
    op.drop_table('kpi_daily')
