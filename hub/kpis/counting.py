"""Counting the KPIs that are events, as they happen: a member's read and first call of the day
in the mini-program, a reader's visit to a site's post page, LED plays and splash impressions
and clicks that the outlets report (through `hub.ports`).

Each count is added to the day's row of the account and of every account above it (a tree is a
handful of levels deep), so answers never sum a subtree. The mini-program's and the sites'
counts are written in a short transaction of their own after the answer is made: a read never
waits on them, and a failure to count is logged, never the reader's error.

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
from hub.kpis.models import EVENT_METRICS, KpiActiveMember, KpiDay
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


# -- the mini-program: reads and active members ------------------------------------------------


class _SeenToday:
    """Members this process already counted active today (or found unverified a moment ago),
    so a member's every call after the first costs no write."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._day: dt.date | None = None
        self._counted: set[int] = set()
        self._unverified: dict[int, float] = {}

    def needs_count(self, day: dt.date, identity_id: int) -> bool:
        with self._lock:
            if day != self._day or len(self._counted) + len(self._unverified) > CACHE_LIMIT:
                self._day, self._counted, self._unverified = day, set(), {}
            if identity_id in self._counted:
                return False
            checked = self._unverified.get(identity_id)
            return checked is None or time.monotonic() - checked > UNVERIFIED_RECHECK_SECONDS

    def counted(self, identity_id: int) -> None:
        with self._lock:
            self._counted.add(identity_id)
            self._unverified.pop(identity_id, None)

    def unverified(self, identity_id: int) -> None:
        with self._lock:
            self._unverified[identity_id] = time.monotonic()

    def forget(self, identity_id: int | None = None) -> None:
        with self._lock:
            if identity_id is None:
                self._day, self._counted, self._unverified = None, set(), {}
            else:
                self._counted.discard(identity_id)
                self._unverified.pop(identity_id, None)


SEEN = _SeenToday()


def after_member_request(response):
    """`after_request` of the app, for `/mp/v1/`: a member's successful call makes them active
    today, and `GET /mp/v1/posts/<id>` is a read of the post's account. Returns the response
    unchanged."""
    member = g.get("member")
    if member is None or response.status_code >= 400 or not request.path.startswith(MP_PREFIX):
        return response
    if request.endpoint == VERIFY_ENDPOINT:
        SEEN.forget(member.identity_id)
    post_id = (request.view_args or {}).get("post_id") if request.endpoint == READ_ENDPOINT \
        else None
    day = local_day()
    active = SEEN.needs_count(day, member.identity_id)
    if active or post_id is not None:
        _guarded(_count_member, member.identity_id, post_id if post_id else None, day, active)
    return response


def _guarded(work, *args) -> None:
    try:
        with current_app.extensions["hub.sessions"]() as db:
            work(db, *args)
            db.commit()
    except SQLAlchemyError as exc:
        log.warning("KPI count not written (%s)", type(exc).__name__)


def _count_member(db: Session, identity_id: int, post_id: int | None, day: dt.date,
                  active: bool) -> None:
    counts: Counts = {}
    if active:
        account_id = db.scalar(select(Member.account_id).join(
            MemberIdentity, MemberIdentity.member_id == Member.id).where(
            MemberIdentity.id == identity_id))
        if account_id is None:  # not on a roll yet: a member of no union to count under
            SEEN.unverified(identity_id)
        else:
            insert = upsert_insert(db)
            first = db.execute(insert(KpiActiveMember.__table__).values(
                day=day, identity_id=identity_id).on_conflict_do_nothing()).rowcount
            if first:
                counts.setdefault((account_id, day), Counter())["active_members"] += 1
            SEEN.counted(identity_id)
    if post_id is not None:
        account_id = db.scalar(select(Post.account_id).where(Post.id == post_id))
        if account_id is not None:
            counts.setdefault((account_id, day), Counter())["reads"] += 1
    add(db, counts)


# -- the sites ------------------------------------------------------------------------------


def is_reader(method: str, user_agent: str | None) -> bool:
    """The documented rule: a browser's GET that names no robot (see the module's note)."""
    agent = user_agent or ""
    return method == "GET" and "Mozilla/" in agent and not ROBOTS.search(agent)


def count_site_read(account_id: int) -> None:
    """A visit to a post page on the site of `account_id`, if a reader made it."""
    if is_reader(request.method, request.headers.get("User-Agent")):
        _guarded(lambda db: add(db, {(account_id, local_day()): Counter(reads=1)}))
