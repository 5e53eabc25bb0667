"""The merged feed: newest first, from the accounts a member follows and from what was pushed
down to them (下发), cursor-paginated, each post once, published posts only.

How it stays fast with a million posts: a post reaches its own account and, when pushed down,
accounts below it (hub.deliveries.models.PostReach). So every post in the feed was written by
a followed account, or pushed down by an account above one. For each followed account the
query walks the partial index ix_posts_feed (account_id, published_at, id WHERE published)
newest first from the cursor and stops after a page. For each account above them that is not
followed, it walks ix_posts_feed_pushed (the same, only posts with a push-down) and keeps a
post when PostReach shows it reached a followed account (a primary-key probe); that walk also
stops at the "floor", the oldest post the followed accounts already put on the page, so an
account above that pushes much to others is never walked further than one page's time span.
A few dozen short walks, merged and cut to a page, whatever the number of posts; on
PostgreSQL one statement (LATERAL joins), on SQLite a UNION ALL per account. Each post has
one author and each author is walked once, so nothing repeats however many followed accounts
a post reached. Withdrawn and expired posts leave both indexes with their state.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy import bindparam, exists, literal, literal_column, select, text, tuple_
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.clock import local_iso
from hub.db import UTCDateTime
from hub.deliveries.models import PostReach
from hub.errors import BadRequest
from hub.media.models import Media
from hub.members.models import MemberFollow
from hub.posts.models import Post

PAGE = 20
MAX_PAGE = 50


@dataclass
class FeedItem:
    post_id: int
    title: str
    summary: str
    kind: str
    published_at: dt.datetime
    account_code: str
    account_name: str
    cover_url: str | None
    # False when the post came from above (pushed down to a followed account).
    from_followed: bool

    def to_json(self) -> dict:
        """The item as the mini-program gets it (times in Beijing time)."""
        return {"id": self.post_id, "title": self.title, "summary": self.summary,
                "kind": self.kind, "published_at": local_iso(self.published_at),
                "account": {"code": self.account_code, "name": self.account_name},
                "cover_url": self.cover_url, "from_followed": self.from_followed}


@dataclass
class FeedPage:
    items: list[FeedItem]
    next_cursor: str | None


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def encode_cursor(published_at: dt.datetime, post_id: int) -> str:
    micros = (published_at - EPOCH) // MICROSECOND  # integers: a float would round
    return base64.urlsafe_b64encode(f"{micros}.{post_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        micros, post_id = base64.urlsafe_b64decode(padded.encode()).decode().split(".")
        return EPOCH + int(micros) * MICROSECOND, int(post_id)
    except (ValueError, UnicodeDecodeError, OverflowError):
        raise BadRequest("cursor 无效，请从第一页重新读取", field="cursor") from None


def ancestors_only(db: Session, followed: list[int]) -> list[int]:
    """Accounts above the followed ones that are not followed themselves: posts of theirs
    are in the feed only when pushed down to a followed account."""
    paths = db.scalars(select(Account.path).where(Account.id.in_(followed)))
    return _above(paths, followed)


def _above(paths, followed) -> list[int]:
    above = {int(part) for path in paths for part in path.strip("/").split("/")}
    return sorted(above - set(followed))


def _follows_and_paths(db: Session, identity_id: int) -> tuple[list[int], list[int]]:
    rows = db.execute(select(MemberFollow.account_id, Account.path)
                      .join(Account, Account.id == MemberFollow.account_id)
                      .where(MemberFollow.identity_id == identity_id)).all()
    followed = [account_id for account_id, _ in rows]
    return followed, _above((path for _, path in rows), followed)


def feed(db: Session, identity_id: int, *, cursor: str | None = None,
         limit: int = PAGE) -> FeedPage:
    """The member's merged feed, a page from `cursor` on."""
    def rows(before, wanted):
        if db.bind.dialect.name == "postgresql":
            return _page_postgresql(db, identity_id, before, wanted)
        followed, ancestors = _follows_and_paths(db, identity_id)
        return _items(db, _page_portable(db, followed, ancestors, before, wanted), followed)

    return _paged(rows, cursor, limit)


def account_posts(db: Session, account: Account, *, cursor: str | None = None,
                  limit: int = PAGE) -> FeedPage:
    """One account's page: its own posts and those pushed down to it, newest first."""
    own = [account.id]
    above = _above([account.path], own)

    def rows(before, wanted):
        return _items(db, _page_portable(db, own, above, before, wanted), own)

    return _paged(rows, cursor, limit)


def _paged(rows, cursor: str | None, limit: int) -> FeedPage:
    limit = max(1, min(limit, MAX_PAGE))
    before = decode_cursor(cursor) if cursor else None
    found = rows(before, limit + 1)  # one more than a page tells whether there is a next one
    items = [_item(row) for row in found[:limit]]
    more = len(found) > limit
    next_cursor = encode_cursor(items[-1].published_at, items[-1].post_id) if more else None
    return FeedPage(items, next_cursor)


def _page_portable(db, followed, ancestors, before, wanted) -> list[int]:
    if not followed:
        return []
    found = _walks(db, followed, followed, before, wanted, pushed_only=False)
    if ancestors:
        # Posts from above older than the page the followed accounts already fill cannot
        # make the page: the walks above stop there (an account above that pushes a lot to
        # accounts not followed is never walked further than this page's time span).
        floor = sorted(found, reverse=True)[wanted - 1] if len(found) >= wanted else None
        found += _walks(db, ancestors, followed, before, wanted, pushed_only=True,
                        floor=floor)
    return [post_id for _, post_id in sorted(found, reverse=True)[:wanted]]


# The same in one round trip on PostgreSQL: the member's follows and the accounts above
# them, a LATERAL walk per followed account, the floor taken from those, a LATERAL walk per
# account above, merged, joined to what an item shows. 'published' is written out, not bound:
# a prepared statement's generic plan uses a partial index only when it can prove the index's
# WHERE from the query's.
PAGE_SQL = """
WITH followed AS (
    SELECT coalesce(array_agg(account_id), '{{}}') AS ids
    FROM member_follows WHERE identity_id = :identity
), above AS (
    SELECT coalesce(array_agg(DISTINCT up.id), '{{}}') AS ids
    FROM member_follows AS f JOIN accounts AS a ON a.id = f.account_id
    CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM a.path), '/')::integer[])
        AS up(id)
    WHERE f.identity_id = :identity AND up.id <> ALL ((SELECT ids FROM followed)::integer[])
), own AS (
    SELECT walk.published_at, walk.id
    FROM unnest((SELECT ids FROM followed)) AS author(account_id)
    CROSS JOIN LATERAL (
        SELECT p.published_at, p.id FROM posts AS p
        WHERE p.account_id = author.account_id AND p.state = 'published' {before}
        ORDER BY p.published_at DESC, p.id DESC LIMIT {wanted}) AS walk
), floor AS (
    -- always one row ('-infinity' when the followed accounts do not fill a page), so that
    -- the walks above take it as an index bound rather than filter row by row
    SELECT coalesce(max(published_at), '-infinity') AS at, coalesce(max(id), 0) AS id
    FROM (SELECT published_at, id FROM own
          ORDER BY published_at DESC, id DESC OFFSET {wanted} - 1 LIMIT 1) AS nth
), pushed AS (
    SELECT walk.published_at, walk.id
    FROM unnest((SELECT ids FROM above)) AS author(account_id)
    CROSS JOIN LATERAL (
        SELECT p.published_at, p.id FROM posts AS p
        WHERE p.account_id = author.account_id AND p.state = 'published'
          AND p.push_down IS NOT NULL {before}
          AND (p.published_at, p.id) > ((SELECT at FROM floor), (SELECT id FROM floor))
          AND EXISTS (SELECT FROM post_reach AS r WHERE r.post_id = p.id
                      AND r.account_id = ANY ((SELECT ids FROM followed)::integer[]))
        ORDER BY p.published_at DESC, p.id DESC LIMIT {wanted}) AS walk
), page AS (
    SELECT published_at, id FROM own UNION ALL SELECT published_at, id FROM pushed
    ORDER BY published_at DESC, id DESC LIMIT {wanted}
)
SELECT p.id, p.title, p.summary, p.kind, p.published_at, a.code, a.name,
       m.id AS media_id, m.sha256,
       p.account_id = ANY ((SELECT ids FROM followed)::integer[]) AS from_followed
FROM page JOIN posts AS p ON p.id = page.id JOIN accounts AS a ON a.id = p.account_id
LEFT JOIN media AS m ON m.id = p.cover_media_id
ORDER BY page.published_at DESC, page.id DESC
"""
BEFORE_SQL = "AND (p.published_at, p.id) < (:before_at, :before_id)"


@functools.lru_cache(maxsize=16)
def _page_statement(with_cursor: bool, wanted: int):
    # The page size is written into the SQL, not bound: with a bound LIMIT the generic plan
    # of the prepared statement looks expensive and PostgreSQL would re-plan every time.
    sql = PAGE_SQL.format(before=BEFORE_SQL if with_cursor else "", wanted=int(wanted))
    statement = text(sql).columns(published_at=UTCDateTime)
    if with_cursor:
        statement = statement.bindparams(bindparam("before_at", type_=UTCDateTime))
    return statement


def _page_postgresql(db, identity_id: int, before, wanted: int) -> list:
    params = {"identity": identity_id}
    if before is not None:
        params["before_at"], params["before_id"] = before
    return db.execute(_page_statement(before is not None, wanted), params).all()


# Written as a literal for the same reason as in PAGE_SQL (SQLite plans every statement so).
PUBLISHED = literal_column("'published'")


def _position(value: tuple[dt.datetime, int]):
    at, post_id = value
    return tuple_(literal(at, UTCDateTime), literal(post_id))


def _walk(author, followed_in, before, floor, limit: int, *, pushed_only: bool):
    """One author's published posts newest first between the cursor and the floor, at most
    `limit`: all of them for a followed account (ix_posts_feed); for an account above, only
    those pushed down to a followed account (ix_posts_feed_pushed, then a post_reach
    primary-key probe)."""
    query = select(Post.published_at, Post.id).where(
        Post.account_id == author, Post.state == PUBLISHED)
    if pushed_only:
        query = query.where(Post.push_down.is_not(None), exists().where(
            PostReach.post_id == Post.id, followed_in(PostReach.account_id)))
    if before is not None:
        query = query.where(tuple_(Post.published_at, Post.id) < _position(before))
    if floor is not None:
        query = query.where(tuple_(Post.published_at, Post.id) > _position(floor))
    return query.order_by(Post.published_at.desc(), Post.id.desc()).limit(limit)


def _walks(db: Session, authors: list[int], followed: list[int], before, limit: int, *,
           pushed_only: bool, floor=None) -> list[tuple[dt.datetime, int]]:
    """(published_at, post id) of the newest posts of each author, `limit` each at most.
    SQLite has no LATERAL: one limited branch per account, UNION ALL."""
    branches = [_walk(a, lambda c: c.in_(followed), before, floor, limit,
                      pushed_only=pushed_only).subquery().select() for a in authors]
    return [(at, post_id) for at, post_id in db.execute(branches[0].union_all(*branches[1:]))]


def _items(db: Session, ids: list[int], followed: list[int]) -> list:
    if not ids:
        return []
    rows = db.execute(
        select(Post.id, Post.title, Post.summary, Post.kind, Post.published_at, Account.code,
               Account.name, Media.id.label("media_id"), Media.sha256,
               Post.account_id.in_(followed).label("from_followed"))
        .join(Account, Account.id == Post.account_id)
        .outerjoin(Media, Media.id == Post.cover_media_id)
        .where(Post.id.in_(ids)))
    by_id = {row.id: row for row in rows}
    return [by_id[post_id] for post_id in ids]


def media_url(media_id: int | None, sha256: str | None) -> str | None:
    """Where a post's cover is served (the hub's path; the mini-program puts its base first)."""
    return f"/media/{media_id}/{sha256[:16]}" if media_id else None


def cover_url(db: Session, post: Post) -> str | None:
    media = db.get(Media, post.cover_media_id) if post.cover_media_id else None
    return media_url(media.id, media.sha256) if media else None


def _item(row) -> FeedItem:
    cover = media_url(row.media_id, row.sha256)
    return FeedItem(post_id=row.id, title=row.title, summary=row.summary, kind=row.kind,
                    published_at=row.published_at, account_code=row.code,
                    account_name=row.name, cover_url=cover,
                    from_followed=bool(row.from_followed))
