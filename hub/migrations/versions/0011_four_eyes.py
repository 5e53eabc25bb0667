"""four eyes: campaign approval and account ceilings, the revision a post's approval saw

Every campaign now waits for a second person's approval before it opens. Campaigns that
exist when this runs were never approved by anyone but their creator: they go back to
awaiting approval (an open one stops taking claims until a reviewer approves it; it reopens
on approval if its post is still live).

Revision ID: 0011_four_eyes
Revises: 0010_rendered_bodies
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0011_four_eyes'
down_revision = '0010_rendered_bodies'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign_ceilings',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('budget_fen', sa.BigInteger(), nullable=True),
    sa.Column('stock', sa.Integer(), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_campaign_ceilings_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_campaign_ceilings_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_campaign_ceilings'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval', sa.String(length=16), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', hub.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('approval_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('changed_by', sa.JSON(), server_default='[]', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_campaigns_approved_by_id_users'), 'users', ['approved_by_id'], ['id'], ondelete='SET NULL')
    op.execute("UPDATE campaigns SET state = 'draft' WHERE state = 'open'")
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_revision', sa.Integer(), nullable=True))
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restored_from', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.drop_column('restored_from')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('approved_revision')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campaigns_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_column('changed_by')
        batch_op.drop_column('approval_note')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('approval')
    op.drop_table('campaign_ceilings')
