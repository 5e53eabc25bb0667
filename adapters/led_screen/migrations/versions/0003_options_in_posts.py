"""options in posts: a post's LED settings move into the post's own words
(`posts.outlet_options["led"]`), so they are saved as a revision and pass review with it

Revision ID: led_screen_0003
Revises: led_screen_0002
Depends on: 0013_versions_pending_changes
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

from alembic import op

from hub import ports

revision = 'led_screen_0003'
down_revision = 'led_screen_0002'
branch_labels = None
depends_on = ('0013_versions_pending_changes',)


def upgrade() -> None:
    ports.move_options_into_posts(op.get_bind(), 'led_post_options', 'led')
    op.drop_table('led_post_options')


def downgrade() -> None:
    ports.move_options_out_of_posts(op.get_bind(), 'led_post_options', 'led')
