"""rendered bodies: posts keep their Markdown rendered once (body_html, body_summary)

Revision ID: 0010_rendered_bodies
Revises: 0009_blobs
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from content.markdown import render_markdown, summarize_html

revision = '0010_rendered_bodies'
down_revision = '0009_blobs'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('body_summary', sa.Text(), server_default='',
                                      nullable=False))
    _render_existing(op.get_bind())


def _render_existing(conn) -> None:
    """Every post written before this revision, rendered once here (a batch at a time)."""
    posts = sa.table('posts', sa.column('id', sa.Integer), sa.column('body', sa.Text),
                     sa.column('body_html', sa.Text), sa.column('body_summary', sa.Text))
    last = 0
    while True:
        rows = conn.execute(sa.select(posts.c.id, posts.c.body)
                            .where(posts.c.id > last, posts.c.body != '')
                            .order_by(posts.c.id).limit(BATCH)).all()
        if not rows:
            return
        rendered = []
        for post_id, body in rows:
            html = render_markdown(body)
            rendered.append({'post_id': post_id, 'html': html, 'summary': summarize_html(html)})
        conn.execute(posts.update().where(posts.c.id == sa.bindparam('post_id'))
                     .values(body_html=sa.bindparam('html'),
                             body_summary=sa.bindparam('summary')), rendered)
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('body_summary')
        batch_op.drop_column('body_html')
