"""campaigns: campaigns, slots, claims, merchants

Revision ID: 0008_campaigns
Revises: 0007_member_notices
Create Date: 2026-11-24 03:13:19.644845
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0008_campaigns'
down_revision = '0007_member_notices'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign_merchants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=True),
    sa.Column('key_issued_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_campaign_merchants_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_merchants')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_campaign_merchants_key_hash'))
    )
    with op.batch_alter_table('campaign_merchants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_merchants_account_id'), ['account_id'], unique=False)

    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('starts_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('ends_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('per_member_limit', sa.Integer(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('budget_fen', sa.BigInteger(), nullable=True),
    sa.Column('face_value_fen', sa.Integer(), nullable=True),
    sa.Column('merchant_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', hub.db.UTCDateTime(), nullable=True),
    sa.Column('valid_until', hub.db.UTCDateTime(), nullable=True),
    sa.Column('course_starts_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('remind_minutes', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=True),
    sa.Column('quiz_mode', sa.String(length=8), nullable=True),
    sa.Column('win_chance', sa.Float(), nullable=True),
    sa.Column('draw_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('drawn_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('opened_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_campaigns_account_id_accounts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaigns_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merchant_id'], ['campaign_merchants.id'], name=op.f('fk_campaigns_merchant_id_campaign_merchants')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_campaigns_post_id_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index('ix_campaigns_account_id_id', ['account_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_draw_at'), ['draw_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_state'), ['state'], unique=False)

    op.create_table('campaign_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('claim_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('redeemed_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('redeemed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_slots_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['redeemed_by_id'], ['campaign_merchants.id'], name=op.f('fk_campaign_slots_redeemed_by_id_campaign_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_slots')),
    sa.UniqueConstraint('campaign_id', 'number', name=op.f('uq_campaign_slots_campaign_id_number')),
    sa.UniqueConstraint('claim_id', name=op.f('uq_campaign_slots_claim_id')),
    sa.UniqueConstraint('code', name=op.f('uq_campaign_slots_code'))
    )
    with op.batch_alter_table('campaign_slots', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_slots_free', ['campaign_id', 'number'], unique=False, postgresql_where=sa.text('claim_id IS NULL'), sqlite_where=sa.text('claim_id IS NULL'))

    op.create_table('campaign_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('nth', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('reminded_at', hub.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_claims_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['identity_id'], ['member_identities.id'], name=op.f('fk_campaign_claims_identity_id_member_identities')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_campaign_claims_member_id_members')),
    sa.ForeignKeyConstraint(['slot_id'], ['campaign_slots.id'], name=op.f('fk_campaign_claims_slot_id_campaign_slots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_claims')),
    sa.UniqueConstraint('campaign_id', 'member_id', 'nth', name=op.f('uq_campaign_claims_campaign_id_member_id_nth')),
    sa.UniqueConstraint('campaign_id', 'member_id', 'request_id', name=op.f('uq_campaign_claims_campaign_id_member_id_request_id'))
    )
    with op.batch_alter_table('campaign_claims', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_claims_campaign_id_status_id', ['campaign_id', 'status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_claims_member_id'), ['member_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('campaign_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_claims_member_id'))
        batch_op.drop_index('ix_campaign_claims_campaign_id_status_id')

    op.drop_table('campaign_claims')
    with op.batch_alter_table('campaign_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_slots_free', postgresql_where=sa.text('claim_id IS NULL'), sqlite_where=sa.text('claim_id IS NULL'))

    op.drop_table('campaign_slots')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_state'))
        batch_op.drop_index(batch_op.f('ix_campaigns_post_id'))
        batch_op.drop_index(batch_op.f('ix_campaigns_draw_at'))
        batch_op.drop_index('ix_campaigns_account_id_id')

    op.drop_table('campaigns')
    with op.batch_alter_table('campaign_merchants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_merchants_account_id'))

    op.drop_table('campaign_merchants')
