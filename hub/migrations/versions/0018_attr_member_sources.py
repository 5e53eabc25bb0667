"""attribution: 地推 codes, members' first visits to campaigns with their source (and the
landing page's anonymous views), and each member's first, last, sharing and verifying source

Revision ID: 0018_attr_member_sources
Revises: 0018_wb2t_topics_links
Create Date: 2026-12-07 20:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0018_attr_member_sources'
down_revision = '0018_wb2t_topics_links'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('promo_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('wxacode_image', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                            name=op.f('fk_promo_codes_account_id_accounts')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                            name=op.f('fk_promo_codes_campaign_id_campaigns'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_promo_codes_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promo_codes'))
    )
    op.create_index(op.f('ix_promo_codes_account_id'), 'promo_codes', ['account_id'])
    op.create_index(op.f('ix_promo_codes_campaign_id'), 'promo_codes', ['campaign_id'])
    op.create_table('campaign_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                            name=op.f('fk_campaign_visits_campaign_id_campaigns'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['identity_id'], ['member_identities.id'],
                            name=op.f('fk_campaign_visits_identity_id_member_identities'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_visits'))
    )
    op.create_index('uq_campaign_visits_member', 'campaign_visits',
                    ['campaign_id', 'identity_id'], unique=True)
    op.create_index('ix_campaign_visits_source', 'campaign_visits', ['campaign_id', 'source'])
    op.create_table('member_sources',
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('first_source', sa.String(length=32), nullable=False),
    sa.Column('first_campaign_id', sa.Integer(), nullable=True),
    sa.Column('first_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('last_source', sa.String(length=32), nullable=False),
    sa.Column('last_campaign_id', sa.Integer(), nullable=True),
    sa.Column('last_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('shared_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_source', sa.String(length=32), nullable=True),
    sa.Column('verified_at', hub.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['identity_id'], ['member_identities.id'],
                            name=op.f('fk_member_sources_identity_id_member_identities'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shared_by_id'], ['member_identities.id'],
                            name=op.f('fk_member_sources_shared_by_id_member_identities'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('identity_id', name=op.f('pk_member_sources'))
    )


def downgrade() -> None:
    op.drop_table('member_sources')
    op.drop_index('ix_campaign_visits_source', table_name='campaign_visits')
    op.drop_index('uq_campaign_visits_member', table_name='campaign_visits')
    op.drop_table('campaign_visits')
    op.drop_index(op.f('ix_promo_codes_campaign_id'), table_name='promo_codes')
    op.drop_index(op.f('ix_promo_codes_account_id'), table_name='promo_codes')
    op.drop_table('promo_codes')
