"""Counting the KPIs that are events, as they happen: a member's read and first call of the day
in the mini-program, a reader's visit to a site's post page, LED plays and splash impressions
and clicks that the outlets report (through `hub.ports`).

Each count is added to the day's row of the account and of every account above it (a tree is a
handful of levels deep), so answers never sum a subtree. The mini-program's and the sites'
counts are gathered in memory and written by the process once a second in one transaction of
its own (`Pending`): a read or a claim never waits on them, a failure to count is logged, never
the reader's error, and a process that dies loses at most its last second of counts.

Who counts as a reader on a site (a simple rule, documented in the README): a GET whose
User-Agent is a browser's (it says "Mozilla/") and names no robot, crawler, preview fetcher,
headless browser or HTTP library (see `ROBOTS`). A 304 counts: the browser came back.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable

from flask import current_app, g, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.clock import SHANGHAI
from hub.db import utcnow
from hub.kpis.models import EVENT_METRICS, KpiActiveMember, KpiDay, KpiOutletReads
from hub.members.models import Member, MemberIdentity
from hub.outlets.models import Outlet
from hub.posts.models import Post
from hub.pull.batches import upsert_insert

log = logging.getLogger("hub.kpis")
ROBOTS = re.compile(
    r"bot|spider|crawl|slurp|archiver|preview|facebookexternalhit|headless|phantom|python|"
    r"curl|wget|httpclient|okhttp|go-http|java/|libwww|scrapy|axios|node-fetch|lighthouse",
    re.IGNORECASE)
MP_PREFIX = "/mp/v1/"
READ_ENDPOINT = "mp_api.post_detail"  # GET /mp/v1/posts/<id>
VERIFY_ENDPOINT = "mp_api.verify"  # a member who just verified is counted at once
UNVERIFIED_RECHECK_SECONDS = 60
CACHE_LIMIT = 200_000
FLUSH_SECONDS = 1.0
CHUNK = 1000  # rows per statement (SQLite's limit on a statement's values)

Counts = dict[tuple[int, dt.date], Counter]


def local_day(when: dt.datetime | None = None) -> dt.date:
    return (when or utcnow()).astimezone(SHANGHAI).date()


def add(db: Session, counts: Counts) -> None:
    """Add event counts ({(account id, day): Counter(metric=n)}) to those accounts and every
    account above them, in the caller's transaction."""
    counts = {key: value for key, value in counts.items() if any(value.values())}
    if not counts:
        return
    paths = dict(db.execute(select(Account.id, Account.path).where(
        Account.id.in_({account_id for account_id, _ in counts}))).all())
    rolled: dict[tuple[int, dt.date], Counter] = {}
    for (account_id, day), metrics in counts.items():
        for ancestor in _ancestors(paths.get(account_id)):
            rolled.setdefault((ancestor, day), Counter()).update(metrics)
    used = sorted({name for metrics in rolled.values() for name in metrics})
    unknown = set(used) - set(EVENT_METRICS)
    if unknown:
        raise ValueError(f"not an event KPI: {sorted(unknown)}")
    table = KpiDay.__table__
    # One order for every writer: two transactions never wait on each other's rows crosswise.
    values = [{"account_id": account_id, "day": day, **{name: metrics[name] for name in used}}
              for (account_id, day), metrics in sorted(rolled.items())]
    insert = upsert_insert(db)
    for start in range(0, len(values), CHUNK):
        statement = insert(table).values(values[start:start + CHUNK])
        db.execute(statement.on_conflict_do_update(
            index_elements=["account_id", "day"],
            set_={name: table.c[name] + statement.excluded[name] for name in used}))


def _ancestors(path: str | None) -> list[int]:
    return [int(part) for part in (path or "").strip("/").split("/") if part]


def count_events(db: Session, metric: str, account_id: int,
                 times: Iterable[dt.datetime]) -> None:
    """Events an outlet of `account_id` saw at `times` (LED plays of one screen)."""
    per_day = Counter(local_day(when) for when in times)
    add(db, {(account_id, day): Counter({metric: n}) for day, n in per_day.items()})


def count_outlet_events(db: Session, events: Iterable[tuple[int | None, str, dt.datetime]]
                        ) -> None:
    """Events seen through outlets: (outlet id, metric, when); an event with no outlet (an
    app's built-in default splash) belongs to no account and is not counted."""
    events = [event for event in events if event[0] is not None]
    accounts = dict(db.execute(select(Outlet.id, Outlet.account_id).where(
        Outlet.id.in_({outlet_id for outlet_id, _, _ in events}))).all()) if events else {}
    counts: Counts = {}
    for outlet_id, metric, when in events:
        if outlet_id in accounts:
            counts.setdefault((accounts[outlet_id], local_day(when)), Counter())[metric] += 1
    add(db, counts)


def record_outlet_reads(db: Session, outlet_id: int, day: dt.date, reads: int) -> int:
    """An outlet's own figure of a day's reads (WeChat's datacube): the difference from what
    it gave before for that day is added to the reads of its account and those above, so a
    pull repeated or corrected never counts twice. Returns what was added."""
    outlet = db.get(Outlet, outlet_id)
    if outlet is None:
        return 0
    row = db.get(KpiOutletReads, (outlet_id, day))
    if row is None:
        row = KpiOutletReads(outlet_id=outlet_id, day=day, reads=0)
        db.add(row)
    added = reads - (row.reads or 0)
    row.reads, row.pulled_at = reads, utcnow()
    db.flush()
    add(db, {(outlet.account_id, day): Counter(reads=added)})
    return added


def outlet_reads_recorded(db: Session, outlet_id: int, day: dt.date) -> bool:
    return db.get(KpiOutletReads, (outlet_id, day)) is not None


# -- the mini-program and the sites: reads and active members ----------------------------------


class Pending:
    """Reads and active members seen by this process and not yet written: a request only adds
    to them in memory; at most once a second (`FLUSH_SECONDS`) one request writes them all in
    one short transaction, so a rush of claims or reads never queues on the province's row.
    An answer asks for a flush first (`flush(app)`), so this process's counts are in it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active: set[tuple[dt.date, int]] = set()
        self.post_reads: Counter = Counter()  # (post id, day)
        self.site_reads: Counter = Counter()  # (account id, day)
        self.counted: dict[int, dt.date] = {}  # identity -> the day it was last counted
        self.unverified: dict[int, float] = {}  # identity -> when it was found on no roll
        self.flushed = time.monotonic()

    def member_seen(self, identity_id: int, day: dt.date, post_id: int | None) -> None:
        with self.lock:
            if len(self.counted) + len(self.unverified) > CACHE_LIMIT:
                self.counted, self.unverified = {}, {}
            checked = self.unverified.get(identity_id)
            if self.counted.get(identity_id) != day and (
                    checked is None or time.monotonic() - checked > UNVERIFIED_RECHECK_SECONDS):
                self.active.add((day, identity_id))
                self.counted[identity_id] = day
            if post_id is not None:
                self.post_reads[(post_id, day)] += 1

    def forget(self, identity_id: int) -> None:
        """A member who just verified is looked at again at once."""
        with self.lock:
            self.counted.pop(identity_id, None)
            self.unverified.pop(identity_id, None)

    def take(self):
        with self.lock:
            taken = (self.active, self.post_reads, self.site_reads)
            self.active, self.post_reads, self.site_reads = set(), Counter(), Counter()
            self.flushed = time.monotonic()
            return taken

    def due(self) -> bool:
        return time.monotonic() - self.flushed >= FLUSH_SECONDS and bool(
            self.active or self.post_reads or self.site_reads)

    def not_on_a_roll(self, identity_ids: set[int]) -> None:
        with self.lock:
            for identity_id in identity_ids:
                self.counted.pop(identity_id, None)
                self.unverified[identity_id] = time.monotonic()


def pending(app=None) -> Pending:
    app = app or current_app
    return app.extensions.setdefault("hub.kpis.pending", Pending())


def flush(app=None) -> None:
    """Write what this process counted and has not written yet (a failure is logged: the
    counts are lost, the request goes on)."""
    app = app or current_app
    active, post_reads, site_reads = pending(app).take()
    if not (active or post_reads or site_reads):
        return
    try:
        with app.extensions["hub.sessions"]() as db:
            counts: Counts = {}
            _count_active(db, app, active, counts)
            _count_reads(db, post_reads, site_reads, counts)
            add(db, counts)
            db.commit()
    except SQLAlchemyError as exc:
        log.warning("KPI counts not written (%s)", type(exc).__name__)


def _count_active(db: Session, app, active: set[tuple[dt.date, int]], counts: Counts) -> None:
    if not active:
        return
    identities = {identity_id for _, identity_id in active}
    unions = dict(db.execute(select(MemberIdentity.id, Member.account_id).join(
        Member, Member.id == MemberIdentity.member_id).where(
        MemberIdentity.id.in_(identities))).all())
    pending(app).not_on_a_roll(identities - set(unions))
    rows = [{"day": day, "identity_id": identity_id} for day, identity_id in sorted(active)
            if identity_id in unions]
    if not rows:
        return
    insert = upsert_insert(db)
    first = db.execute(insert(KpiActiveMember.__table__).values(rows).on_conflict_do_nothing()
                       .returning(KpiActiveMember.day, KpiActiveMember.identity_id)).all()
    for day, identity_id in first:  # a member another process counted today is not again
        counts.setdefault((unions[identity_id], day), Counter())["active_members"] += 1


def _count_reads(db: Session, post_reads: Counter, site_reads: Counter, counts: Counts) -> None:
    posts = dict(db.execute(select(Post.id, Post.account_id).where(
        Post.id.in_({post_id for post_id, _ in post_reads}))).all()) if post_reads else {}
    for (post_id, day), n in post_reads.items():
        if post_id in posts:
            counts.setdefault((posts[post_id], day), Counter())["reads"] += n
    for (account_id, day), n in site_reads.items():
        counts.setdefault((account_id, day), Counter())["reads"] += n


def after_member_request(response):
    """`after_request` of the app: a member's successful call to `/mp/v1/` makes them active
    today, and `GET /mp/v1/posts/<id>` is a read of the post's account; and once a second, what
    was counted is written. Returns the response unchanged."""
    member = g.get("member")
    if member is not None and response.status_code < 400 and request.path.startswith(MP_PREFIX):
        counter = pending()
        if request.endpoint == VERIFY_ENDPOINT:
            counter.forget(member.identity_id)
        post_id = (request.view_args or {}).get("post_id") \
            if request.endpoint == READ_ENDPOINT else None
        counter.member_seen(member.identity_id, local_day(), post_id)
    if pending().due():
        flush()
    return response


def is_reader(method: str, user_agent: str | None) -> bool:
    """The documented rule: a browser's GET that names no robot (see the module's note)."""
    agent = user_agent or ""
    return method == "GET" and "Mozilla/" in agent and not ROBOTS.search(agent)


def count_site_read(account_id: int) -> None:
    """A visit to a post page on the site of `account_id`, if a reader made it."""
    if is_reader(request.method, request.headers.get("User-Agent")):
        counter = pending()
        with counter.lock:
            counter.site_reads[(account_id, local_day())] += 1
