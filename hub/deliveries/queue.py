"""The delivery queue as workers see it: take due rows under a lease with their jobs built,
and record outcomes in batches. On PostgreSQL rows are taken with FOR UPDATE SKIP LOCKED, so
any number of workers share the table without taking the same row; on SQLite BEGIN IMMEDIATE
lets one writer in at a time. Both steps are one transaction for many rows: a commit is a
disk flush, and flushes, not rows, are what bookkeeping costs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, selectinload

from hub import channels
from hub.accounts.models import Account
from hub.channels import DeliveryError, DeliveryJob, PostSnapshot, Receipt
from hub.db import utcnow
from hub.deliveries import services
from hub.deliveries.models import TAKEABLE, Delivery, DeliveryAttempt
from hub.deliveries.policy import RetryPolicy, state_after_failure, state_after_success
from hub.outlets.models import Outlet
from hub.outlets.services import outlet_info
from hub.posts.models import Post
from hub.publication import snapshot

# How long a delivery waits for an outlet's confirmation when the receipt names no time.
CONFIRM_WAIT_SECONDS = 300.0


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: a Receipt (or None for a withdrawal) or a DeliveryError."""

    delivery_id: int
    attempt: int
    goal: str
    result: Receipt | DeliveryError | None


def claim(db: Session, *, worker: str, channel: str, limit: int, lease: dt.timedelta,
          policy: RetryPolicy, public_url: str = "", hub_secret: str = ""
          ) -> list[DeliveryJob]:
    """Take up to `limit` due deliveries of `channel` and return their jobs, in one commit.

    A row whose lease ran out (its worker died) is due again; one that has used up its
    attempts that way fails instead of looping forever. A publish row whose post has moved
    on to a newer version is withdrawn instead of sent. Plain Core statements: this runs for
    every batch of every fan-out, and the ORM's per-row bookkeeping would dominate it.
    """
    now = utcnow()
    query = (select(*_CLAIM_COLUMNS).where(Delivery.channel == channel,
                                           Delivery.state.in_(TAKEABLE),
                                           Delivery.next_attempt_at <= now)
             .order_by(Delivery.next_attempt_at).limit(limit))
    if db.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = db.execute(query).all()
    posts = _posts(db, {row.post_id for row in rows})
    takeable = []
    for row in rows:
        post = posts[row.post_id]
        if row.state == "sending" and policy.gives_up(row.attempts):
            _fail(db, db.get(Delivery, row.id), post,
                  "终端一直未确认投递结果，已停止等待" if row.lease_owner is None
                  else "多次投递中断（工作进程退出或超时），已停止重试")
        elif row.goal == "publish" and row.version != post.version:
            _supersede(db.get(Delivery, row.id), now)
        else:
            takeable.append(row)
    jobs = _take(db, takeable, posts, worker=worker, now=now, lease=lease,
                 public_url=public_url, hub_secret=hub_secret)
    db.commit()
    return jobs


_CLAIM_COLUMNS = (Delivery.id, Delivery.post_id, Delivery.version, Delivery.outlet_id,
                  Delivery.goal, Delivery.state, Delivery.attempts, Delivery.idempotency_key,
                  Delivery.external_id, Delivery.replaces_external_id, Delivery.event,
                  Delivery.lease_owner)


def _take(db: Session, rows, posts: dict[int, Post], *, worker: str, now: dt.datetime,
          lease: dt.timedelta, public_url: str, hub_secret: str) -> list[DeliveryJob]:
    if not rows:
        return []
    db.execute(update(Delivery).where(Delivery.id.in_([row.id for row in rows]))
               .values(state="sending", lease_owner=worker, attempts=Delivery.attempts + 1,
                       next_attempt_at=now + lease, updated_at=now)
               .execution_options(synchronize_session=False))
    db.execute(insert(DeliveryAttempt), [
        {"delivery_id": row.id, "number": row.attempts + 1, "goal": row.goal,
         "worker": worker, "started_at": now} for row in rows])
    outlets = _outlets(db, {row.outlet_id for row in rows}, hub_secret)
    snapshots: dict[tuple, PostSnapshot] = {}
    jobs = []
    for row in rows:
        outlet, account = outlets[row.outlet_id]
        post = posts[row.post_id]
        key = (post.id, outlet.channel, account.id)
        if key not in snapshots:  # one rendering per post, channel and account, not per row
            snapshots[key] = snapshot(db, post, outlet.channel, account, public_url)
        jobs.append(DeliveryJob(
            delivery_id=row.id, idempotency_key=row.idempotency_key, goal=row.goal,
            attempt=row.attempts + 1, post=snapshots[key], outlet=outlet,
            external_id=row.external_id, replaces_external_id=row.replaces_external_id,
            event=row.event))
    return jobs


def _outlets(db: Session, ids: set[int], hub_secret: str) -> dict[int, tuple]:
    rows = db.execute(select(Outlet, Account).join(Account, Outlet.account_id == Account.id)
                      .where(Outlet.id.in_(ids))).all()
    found = {}
    for outlet, account in rows:
        found[outlet.id] = (outlet_info(outlet, hub_secret), account)
    return found


def _posts(db: Session, ids: set[int]) -> dict[int, Post]:
    if not ids:
        return {}
    rows = db.scalars(select(Post).where(Post.id.in_(ids))
                      .options(selectinload(Post.account)))
    return {post.id: post for post in rows}


def _supersede(delivery: Delivery, now: dt.datetime) -> None:
    delivery.state, delivery.withdrawn_at, delivery.lease_owner = "withdrawn", now, None
    delivery.last_error = "稿件已再次发布，这次发布不再投递"
    delivery.updated_at = now


def record_outcomes(db: Session, outcomes: list[Outcome], policy: RetryPolicy) -> list[str]:
    """Apply many outcomes in one transaction; returns each delivery's new state.

    Successes, nearly all of a fan-out, are written with one executemany; failures, which
    may retry, notify integrators or break an outlet, go through the ORM one by one.
    """
    pending = [o for o in outcomes if isinstance(o.result, Receipt) and o.result.pending]
    failures = [o for o in outcomes if isinstance(o.result, DeliveryError)]
    successes = [o for o in outcomes if o not in pending and o not in failures]
    states = dict(_record_successes(db, successes))
    finished = [_attempt_end(o, "ok", None if states[o.delivery_id][1] else
                             "already done by another attempt") for o in successes]
    if failures or pending:
        rows = db.scalars(select(Delivery).where(
            Delivery.id.in_({o.delivery_id for o in failures + pending}))
            .options(selectinload(Delivery.outlet)))
        deliveries = {delivery.id: delivery for delivery in rows}
        with db.no_autoflush:
            for outcome in failures + pending:
                record = _record_pending if outcome in pending else _record_failure
                state, kind, error = record(db, deliveries[outcome.delivery_id], outcome,
                                            policy)
                states[outcome.delivery_id] = (state, True)
                finished.append(_attempt_end(outcome, kind, error))
    _finish_attempts(db, finished)
    db.commit()
    return [states[o.delivery_id][0] for o in outcomes]


def _attempt_end(outcome: Outcome, result: str, error: str | None) -> dict:
    return {"d": outcome.delivery_id, "n": outcome.attempt, "at": utcnow(),
            "outcome": result, "error": error}


def _finish_attempts(db: Session, finished: list[dict]) -> None:
    """One executemany for the whole batch's attempt records."""
    table = DeliveryAttempt.__table__
    statement = (update(table).where(table.c.delivery_id == bindparam("d"),
                                     table.c.number == bindparam("n"),
                                     table.c.finished_at.is_(None))
                 .values(finished_at=bindparam("at"), outcome=bindparam("outcome"),
                         error=bindparam("error")))
    db.connection().execute(statement, finished)


def _record_successes(db: Session, outcomes: list[Outcome]):
    """Yield (delivery id, (new state, changed?)) and write the changes in one executemany."""
    if not outcomes:
        return
    table = Delivery.__table__
    current = {row.id: row for row in db.execute(select(
        table.c.id, table.c.state, table.c.goal, table.c.attempts, table.c.next_attempt_at,
        table.c.external_id, table.c.external_url, table.c.delivered_at, table.c.withdrawn_at)
        .where(table.c.id.in_({o.delivery_id for o in outcomes})))}
    now, changes = utcnow(), []
    for outcome in outcomes:
        row = current[outcome.delivery_id]
        if row.state in ("delivered", "withdrawn"):
            yield outcome.delivery_id, (row.state, False)
            continue
        change = _success_change(row, outcome, now)
        changes.append(change)
        yield outcome.delivery_id, (change["state"], True)
    if changes:
        db.connection().execute(
            update(table).where(table.c.id == bindparam("b_id")).values(
                {name: bindparam(name) for name in changes[0] if name != "b_id"}), changes)


def _success_change(row, outcome: Outcome, now: dt.datetime) -> dict:
    receipt = outcome.result
    state = state_after_success(outcome.goal, row.goal)
    delivered = now if outcome.goal != "withdraw" else None
    return {
        "b_id": row.id, "state": state, "lease_owner": None, "last_error": None,
        "updated_at": now,
        "external_id": (receipt.external_id if receipt else None) or row.external_id,
        "external_url": (receipt.external_url if receipt else None) or row.external_url,
        "delivered_at": row.delivered_at or delivered,
        "withdrawn_at": now if state == "withdrawn" else row.withdrawn_at,
        # Withdrawn while it was being sent: back to the queue to be taken down now.
        "attempts": 0 if state == "pending" else row.attempts,
        "next_attempt_at": now if state == "pending" else row.next_attempt_at,
    }


def _record_failure(db: Session, delivery: Delivery, outcome: Outcome,
                    policy: RetryPolicy) -> tuple[str, str, str | None]:
    error: DeliveryError = outcome.result
    kind = "transient" if error.transient else "permanent"
    if isinstance(error, channels.CredentialsError):
        kind = "credentials"
        _break_outlet(db, delivery, error.message)
    if delivery.state != "sending" or delivery.attempts != outcome.attempt:
        # Someone else has taken the row since; their attempt decides.
        return delivery.state, kind, error.message
    now = utcnow()
    delivery.state = state_after_failure(transient=error.transient, attempt=outcome.attempt,
                                         current_goal=delivery.goal, policy=policy,
                                         job_goal=outcome.goal)
    delivery.last_error, delivery.lease_owner, delivery.updated_at = error.message, None, now
    if delivery.state == "retrying":
        delivery.next_attempt_at = now + policy.delay(outcome.attempt)
    elif delivery.state == "failed":
        services.enqueue_failure_notice(db, delivery, db.get(Post, delivery.post_id))
    elif delivery.state == "withdrawn":
        delivery.withdrawn_at = now
    return delivery.state, kind, error.message


def _record_pending(db: Session, delivery: Delivery, outcome: Outcome,
                    policy: RetryPolicy) -> tuple[str, str, str | None]:
    """The outlet took the send and will report its end later: the row stays "sending",
    held by no worker, until `confirm` completes it or `check_after` runs out and a worker
    calls the adapter again (which asks the outlet rather than send twice)."""
    if delivery.state != "sending" or delivery.attempts != outcome.attempt:
        return delivery.state, "pending", "another attempt has taken over"
    receipt: Receipt = outcome.result
    now = utcnow()
    wait = receipt.check_after if receipt.check_after is not None else CONFIRM_WAIT_SECONDS
    delivery.external_id = receipt.external_id or delivery.external_id
    delivery.external_url = receipt.external_url or delivery.external_url
    delivery.lease_owner, delivery.last_error, delivery.updated_at = None, None, now
    delivery.next_attempt_at = now + dt.timedelta(seconds=wait)
    return delivery.state, "pending", "已提交，等待终端确认结果"


def confirm(db: Session, delivery_id: int, outcome: Receipt | DeliveryError,
            policy: RetryPolicy | None = None) -> str | None:
    """The outlet reports the end of a send it accepted earlier (its callback, or an answer
    to the adapter asking), and the delivery ends accordingly; commits.

    Harmless when repeated: a delivery already delivered or withdrawn stays as it is. A late
    confirmation still counts after the hub stopped waiting (retrying, failed): the outlet's
    word on what it shows is the truth. Returns the new state, None for no such delivery.
    """
    policy = policy or RetryPolicy()
    query = select(Delivery).where(Delivery.id == delivery_id)
    if db.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    delivery = db.scalar(query)
    if delivery is None or delivery.goal == "notify" \
            or delivery.state not in ("sending", "retrying", "failed"):
        db.commit()
        return delivery.state if delivery is not None else None
    now = utcnow()
    attempt = db.scalar(select(DeliveryAttempt).where(
        DeliveryAttempt.delivery_id == delivery.id, DeliveryAttempt.finished_at.is_(None)))
    if isinstance(outcome, DeliveryError):
        _confirm_failure(db, delivery, outcome, policy, now)
    else:
        delivery.external_id = outcome.external_id or delivery.external_id
        delivery.external_url = outcome.external_url or delivery.external_url
        delivery.state = state_after_success("publish", delivery.goal)
        delivery.delivered_at = delivery.delivered_at or now
        if delivery.state == "pending":  # withdrawn while waiting: take it down now
            delivery.attempts, delivery.next_attempt_at = 0, now
    delivery.lease_owner, delivery.updated_at = None, now
    if delivery.state != "failed":
        delivery.last_error = None
    if attempt is not None:  # a worker was asking meanwhile: its answer no longer matters
        attempt.finished_at, attempt.outcome = now, "confirmed"
    db.commit()
    return delivery.state


def _confirm_failure(db: Session, delivery: Delivery, error: DeliveryError,
                     policy: RetryPolicy, now: dt.datetime) -> None:
    delivery.state = state_after_failure(transient=error.transient, attempt=delivery.attempts,
                                         current_goal=delivery.goal, policy=policy)
    delivery.last_error = error.message
    if delivery.state == "retrying":
        delivery.next_attempt_at = now + policy.delay(delivery.attempts)
    elif delivery.state == "failed":
        services.enqueue_failure_notice(db, delivery, db.get(Post, delivery.post_id))
    elif delivery.state == "withdrawn":
        delivery.withdrawn_at = now


def _fail(db: Session, delivery: Delivery, post: Post, message: str) -> None:
    delivery.state, delivery.last_error, delivery.lease_owner = "failed", message, None
    delivery.updated_at = utcnow()
    services.enqueue_failure_notice(db, delivery, post)


def _break_outlet(db: Session, delivery: Delivery, reason: str) -> None:
    """Bad credentials: fail every waiting delivery to this outlet now, without retries."""
    outlet = delivery.outlet
    now = utcnow()
    outlet.broken_reason, outlet.broken_at = reason, now
    db.execute(update(Delivery).where(
        Delivery.outlet_id == outlet.id, Delivery.id != delivery.id,
        Delivery.state.in_(("pending", "retrying"))).values(
        state="failed", last_error=reason, updated_at=now))
