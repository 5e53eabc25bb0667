"""versions: outlets' settings travel with a post's words; proposed changes to live posts;
review comments that belong to the revision they were made on

`posts.outlet_options` holds each outlet's settings for a post (the LED and splash adapters
move theirs here in their own branches); `pending_revision`/`pending_state` mark a change to a
live post waiting for review; `post_revisions.discarded` marks a dropped change; `post_comments` keeps review remarks and
decision notes.

Revision ID: 0013_versions_pending_changes
Revises: 0012_console_sessions
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = '0013_versions_pending_changes'
down_revision = '0012_console_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs and a new index: SQLite alters in place, nothing is rebuilt.
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outlet_options', sa.JSON(), server_default='{}',
                                      nullable=False))
        batch_op.add_column(sa.Column('pending_revision', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pending_state', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_posts_pending_state'), ['pending_state'],
                              unique=False)
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discarded', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table('post_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_post_comments_author_id_users')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_comments_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_comments'))
    )
    with op.batch_alter_table('post_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_comments_post_id'), ['post_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('post_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_comments_post_id'))
    op.drop_table('post_comments')
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.drop_column('discarded')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posts_pending_state'))
        batch_op.drop_column('pending_state')
        batch_op.drop_column('pending_revision')
        batch_op.drop_column('outlet_options')
