"""options in posts: a promotion's splash settings move into the post's own words
(`posts.outlet_options["splash"]`), so they are saved as a revision and pass review with it

Revision ID: app_splash_0004
Revises: app_splash_0003
Depends on: 0013_versions_pending_changes
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

from alembic import op

from hub import ports

revision = 'app_splash_0004'
down_revision = 'app_splash_0003'
branch_labels = None
depends_on = ('0013_versions_pending_changes',)


def upgrade() -> None:
    ports.move_options_into_posts(op.get_bind(), 'splash_post_options', 'splash')
    op.drop_table('splash_post_options')


def downgrade() -> None:
    ports.move_options_out_of_posts(op.get_bind(), 'splash_post_options', 'splash')
