"""an account's topics (专题: ordered collections of posts with an open window) and its links
to local services (本地服务), inherited down the tree unless an account beneath hides them

Revision ID: 0018_wb2t_topics_links
Revises: 0018_wb1_user_email
Create Date: 2026-12-07 20:07:43.487099
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0018_wb2t_topics_links'
down_revision = '0018_wb1_user_email'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_service_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('icon', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('mp_appid', sa.String(length=32), nullable=True),
    sa.Column('mp_path', sa.String(length=200), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_service_links_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_service_links'))
    )
    with op.batch_alter_table('account_service_links', schema=None) as batch_op:
        batch_op.create_index('ix_account_service_links_account_id_position', ['account_id', 'position'], unique=False)

    op.create_table('account_service_link_hides',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_service_link_hides_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['account_service_links.id'], name=op.f('fk_account_service_link_hides_link_id_account_service_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'link_id', name=op.f('pk_account_service_link_hides'))
    )
    with op.batch_alter_table('account_service_link_hides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_service_link_hides_link_id'), ['link_id'], unique=False)

    op.create_table('account_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('cover_media_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('starts_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('ends_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('closed_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_topics_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cover_media_id'], ['media.id'], name=op.f('fk_account_topics_cover_media_id_media'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_topics'))
    )
    with op.batch_alter_table('account_topics', schema=None) as batch_op:
        batch_op.create_index('ix_account_topics_account_id_position', ['account_id', 'position'], unique=False)

    op.create_table('account_topic_posts',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_account_topic_posts_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['account_topics.id'], name=op.f('fk_account_topic_posts_topic_id_account_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('topic_id', 'post_id', name=op.f('pk_account_topic_posts'))
    )
    with op.batch_alter_table('account_topic_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_topic_posts_post_id'), ['post_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('account_topic_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_topic_posts_post_id'))

    op.drop_table('account_topic_posts')
    with op.batch_alter_table('account_topics', schema=None) as batch_op:
        batch_op.drop_index('ix_account_topics_account_id_position')

    op.drop_table('account_topics')
    with op.batch_alter_table('account_service_link_hides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_service_link_hides_link_id'))

    op.drop_table('account_service_link_hides')
    with op.batch_alter_table('account_service_links', schema=None) as batch_op:
        batch_op.drop_index('ix_account_service_links_account_id_position')

    op.drop_table('account_service_links')
