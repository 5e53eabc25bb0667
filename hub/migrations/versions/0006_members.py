"""Members: rolls (ID numbers hashed and encrypted), WeChat identities, follows, verification
attempts, roll imports and their rejected rows, daily stats; the feed's partial index on posts

Revision ID: 0006_members
Revises: 0002

(It once came after revisions 0003 to 0005, which made outlets' tables; those tables now
belong to the adapters' own branches, which adopt them in a database made before.)
Create Date: 2026-11-24 01:01:56.171200
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0006_members'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_verification_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_verification_attempts'))
    )
    with op.batch_alter_table('member_verification_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_member_verification_attempts_key_at', ['key', 'at'], unique=False)

    op.create_table('member_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_accepted', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('started_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', hub.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_member_imports_account_id_accounts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_member_imports_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_imports'))
    )
    with op.batch_alter_table('member_imports', schema=None) as batch_op:
        batch_op.create_index('ix_member_imports_account_id_id', ['account_id', 'id'], unique=False)

    op.create_table('member_stats_daily',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('registered', sa.Integer(), nullable=False),
    sa.Column('verified', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_member_stats_daily_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'day', name=op.f('pk_member_stats_daily'))
    )
    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=True),
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('id_encrypted', sa.Text(), nullable=False),
    sa.Column('join_date', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=True),
    sa.Column('unionid', sa.String(length=64), nullable=True),
    sa.Column('imported_at', hub.db.UTCDateTime(), nullable=False),
    sa.Column('registered_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('verified_at', hub.db.UTCDateTime(), nullable=True),
    sa.Column('last_import_id', sa.Integer(), nullable=True),
    sa.Column('last_import_line', sa.Integer(), nullable=True),
    sa.Column('updated_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_members_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('id_hash', name=op.f('uq_members_id_hash'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_mobile'), ['mobile'], unique=False)
        batch_op.create_index('ix_members_unionid', ['unionid'], unique=False, postgresql_where=sa.text('unionid IS NOT NULL'), sqlite_where=sa.text('unionid IS NOT NULL'))
        batch_op.create_index('uq_members_openid', ['openid'], unique=True, postgresql_where=sa.text('openid IS NOT NULL'), sqlite_where=sa.text('openid IS NOT NULL'))

    op.create_table('member_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('unionid', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_identities_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_identities')),
    sa.UniqueConstraint('member_id', name=op.f('uq_member_identities_member_id')),
    sa.UniqueConstraint('openid', name=op.f('uq_member_identities_openid'))
    )
    with op.batch_alter_table('member_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_identities_unionid'), ['unionid'], unique=False)

    op.create_table('member_import_rejections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['member_imports.id'], name=op.f('fk_member_import_rejections_import_id_member_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_import_rejections'))
    )
    with op.batch_alter_table('member_import_rejections', schema=None) as batch_op:
        batch_op.create_index('ix_member_import_rejections_import_id_line', ['import_id', 'line'], unique=False)

    op.create_table('member_follows',
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('own', sa.Boolean(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_member_follows_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['identity_id'], ['member_identities.id'], name=op.f('fk_member_follows_identity_id_member_identities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('identity_id', 'account_id', name=op.f('pk_member_follows'))
    )
    with op.batch_alter_table('member_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_follows_account_id'), ['account_id'], unique=False)

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_feed', ['account_id', 'published_at', 'id'], unique=False, postgresql_where=sa.text("state = 'published'"), sqlite_where=sa.text("state = 'published'"))
        batch_op.create_index('ix_posts_feed_pushed', ['account_id', 'published_at', 'id'], unique=False, postgresql_where=sa.text("state = 'published' AND push_down IS NOT NULL"), sqlite_where=sa.text("state = 'published' AND push_down IS NOT NULL"))



def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_feed_pushed')
        batch_op.drop_index('ix_posts_feed')

    with op.batch_alter_table('member_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_follows_account_id'))

    op.drop_table('member_follows')
    with op.batch_alter_table('member_import_rejections', schema=None) as batch_op:
        batch_op.drop_index('ix_member_import_rejections_import_id_line')

    op.drop_table('member_import_rejections')
    with op.batch_alter_table('member_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_identities_unionid'))

    op.drop_table('member_identities')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('uq_members_openid')
        batch_op.drop_index('ix_members_unionid')
        batch_op.drop_index(batch_op.f('ix_members_mobile'))
        batch_op.drop_index(batch_op.f('ix_members_account_id'))

    op.drop_table('members')
    op.drop_table('member_stats_daily')
    with op.batch_alter_table('member_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_member_imports_account_id_id')

    op.drop_table('member_imports')
    with op.batch_alter_table('member_verification_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_member_verification_attempts_key_at')

    op.drop_table('member_verification_attempts')
