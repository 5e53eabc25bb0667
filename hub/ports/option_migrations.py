"""For adapters' migrations: an outlet's settings for posts, once in its own table, moved into
the posts' words (`posts.outlet_options`) and back."""

from __future__ import annotations

from hub.db import UTCDateTime, utcnow


def move_options_into_posts(bind, table: str, channel: str) -> None:
    """An adapter's migration: copy its `table` (post_id, settings) into
    `posts.outlet_options[channel]`, where the settings now travel with the post's words."""
    import sqlalchemy as sa

    options = sa.table(table, sa.column("post_id", sa.Integer), sa.column("settings", sa.JSON))
    posts = sa.table("posts", sa.column("id", sa.Integer), sa.column("outlet_options", sa.JSON))
    for post_id, settings in bind.execute(sa.select(options.c.post_id, options.c.settings)):
        current = bind.scalar(sa.select(posts.c.outlet_options).where(posts.c.id == post_id))
        merged = dict(current or {}) | {channel: settings or {}}
        bind.execute(posts.update().where(posts.c.id == post_id).values(outlet_options=merged))


def move_options_out_of_posts(bind, table: str, channel: str) -> None:
    """Its downgrade: the adapter's table again, filled from `posts.outlet_options`."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        table, sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f(f"fk_{table}_post_id_posts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id", name=op.f(f"pk_{table}")))
    options = sa.table(table, sa.column("post_id", sa.Integer), sa.column("settings", sa.JSON),
                       sa.column("updated_at", UTCDateTime))
    posts = sa.table("posts", sa.column("id", sa.Integer), sa.column("outlet_options", sa.JSON))
    for post_id, outlet_options in bind.execute(sa.select(posts.c.id, posts.c.outlet_options)):
        if (outlet_options or {}).get(channel):
            bind.execute(options.insert().values(post_id=post_id,
                                                 settings=outlet_options[channel],
                                                 updated_at=utcnow()))
