"""roll imports as background jobs: the uploaded file waits in parts for a worker, the import
records who runs it and whether it was asked to stop, and rejected rows keep their cells (ID
masked) for the rejection report

Revision ID: 0017_console2_roll_jobs
Revises: 0016_kpis_daily
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0017_console2_roll_jobs'
down_revision = '0016_kpis_daily'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_import_parts',
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['member_imports.id'],
                            name=op.f('fk_member_import_parts_import_id_member_imports'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'seq', name=op.f('pk_member_import_parts'))
    )
    # Plain ADD COLUMNs (no constraint): SQLite alters in place, nothing is rebuilt.
    with op.batch_alter_table('member_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('running_at', hub.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', hub.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancel_requested', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    with op.batch_alter_table('member_import_rejections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cells', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member_import_rejections', schema=None) as batch_op:
        batch_op.drop_column('cells')
    with op.batch_alter_table('member_imports', schema=None) as batch_op:
        batch_op.drop_column('cancel_requested')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('worker')
        batch_op.drop_column('running_at')
    op.drop_table('member_import_parts')
