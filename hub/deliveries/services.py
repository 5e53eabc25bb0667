"""Writing deliveries when posts go out or come down, and editors' retries.

Every function here runs inside the caller's transaction: a publication and its deliveries
commit together (the transactional outbox), so a crash a moment later loses nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import channels
from hub.audit.services import record
from hub.db import utcnow
from hub.deliveries.models import Delivery, PostReach
from hub.errors import Conflict
from hub.outlets.models import Outlet
from hub.outlets.services import (
    is_notify_outlet,
    notify_outlets,
    reached_accounts,
    target_outlets,
)

LIVE = ("pending", "sending", "delivered", "retrying")


def _new_delivery(post, outlet: Outlet, *, replaces: Delivery | None = None) -> Delivery:
    now = utcnow()
    delivery = Delivery(
        post_id=post.id, version=post.version, outlet_id=outlet.id,
        account_id=outlet.account_id, channel=outlet.channel, goal="publish",
        state="pending", attempts=0, next_attempt_at=now, created_at=now, updated_at=now,
        idempotency_key=f"post-{post.id}-v{post.version}-outlet-{outlet.id}",
        replaces_external_id=replaces.external_id if replaces else None,
    )
    if outlet.broken_reason:
        # Known-bad credentials: fail at once with the reason rather than burn retries.
        delivery.state, delivery.last_error = "failed", outlet.broken_reason
    return delivery


def _record_reach(db: Session, post, accounts) -> None:
    existing = set(db.scalars(select(PostReach.account_id).where(PostReach.post_id == post.id)))
    for account, pushed in accounts:
        if account.id not in existing:
            db.add(PostReach(post_id=post.id, account_id=account.id, pushed=pushed))


def enqueue_publication(db: Session, post) -> list[Delivery]:
    """One delivery per target of the post's current version."""
    accounts = reached_accounts(db, post)
    _record_reach(db, post, accounts)
    outlets = target_outlets(db, post, [account for account, _ in accounts])
    deliveries = [_new_delivery(post, outlet) for outlet in outlets]
    db.add_all(deliveries)
    return deliveries


def enqueue_new_version(db: Session, post) -> list[Delivery]:
    """A live post was edited: outlets that update in place get the new version over the old;
    the others have the old one withdrawn and the new one published."""
    previous = {d.outlet_id: d for d in _live_deliveries(db, post) if d.version < post.version}
    accounts = reached_accounts(db, post)
    _record_reach(db, post, accounts)
    created = []
    for outlet in target_outlets(db, post, [a for a, _ in accounts]):
        old = previous.pop(outlet.id, None)
        channel = channels.get_channel(outlet.channel)
        in_place = old is not None and old.external_id and channel.updates_in_place
        if in_place:
            old.state, old.withdrawn_at = "withdrawn", utcnow()
            old.last_error = f"已由第 {post.version} 次发布原位更新"
        elif old is not None:
            request_withdrawal(old)
        created.append(_new_delivery(post, outlet, replaces=old if in_place else None))
    for old in previous.values():  # outlets no longer targeted
        request_withdrawal(old)
    db.add_all(created)
    return created


def _live_deliveries(db: Session, post) -> list[Delivery]:
    return list(db.scalars(select(Delivery).where(
        Delivery.post_id == post.id, Delivery.goal == "publish", Delivery.state.in_(LIVE))))


def request_withdrawal(delivery: Delivery) -> None:
    """Ask for the post to come off this outlet; a delivery that never arrived just stops."""
    now = utcnow()
    delivery.updated_at = now
    if delivery.external_id is None and delivery.replaces_external_id is not None:
        # A new version meant to update the outlet in place has not arrived yet: the outlet
        # still shows the previous version, under the previous id, so that is what comes down.
        delivery.external_id = delivery.replaces_external_id
    never_arrived = delivery.delivered_at is None and delivery.external_id is None
    if delivery.state in ("pending", "retrying", "failed") and never_arrived:
        delivery.state, delivery.withdrawn_at = "withdrawn", now
        return
    delivery.goal = "withdraw"
    if delivery.state != "sending":  # a send in flight sees the new goal when it finishes
        delivery.state, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
        delivery.last_error = None


def enqueue_withdrawal(db: Session, post) -> int:
    deliveries = list(db.scalars(select(Delivery).where(
        Delivery.post_id == post.id, Delivery.goal == "publish",
        Delivery.state.in_(LIVE + ("failed",)))))
    for delivery in deliveries:
        request_withdrawal(delivery)
    return len(deliveries)


def enqueue_failure_notice(db: Session, delivery: Delivery, post) -> None:
    """Tell integrators (webhooks above the outlet's account) that a delivery failed."""
    if is_notify_outlet(delivery.outlet):
        return  # never notify about the notifier itself: no loops
    outlet_account = delivery.outlet.account
    for hook in notify_outlets(db, [outlet_account]):
        now = utcnow()
        db.add(Delivery(
            post_id=post.id, version=delivery.version, outlet_id=hook.id,
            account_id=hook.account_id, channel=hook.channel, goal="notify", state="pending",
            attempts=0, next_attempt_at=now, created_at=now, updated_at=now,
            idempotency_key=f"delivery-failed-{delivery.id}-a{delivery.attempts}-hook-{hook.id}",
            event={"type": "delivery.failed", "delivery_id": delivery.id,
                   "channel": delivery.channel, "target": delivery.outlet.name,
                   "error": delivery.last_error}))


def deliveries_of(db: Session, post) -> list[Delivery]:
    return list(db.scalars(select(Delivery).where(Delivery.post_id == post.id)
                           .order_by(Delivery.version.desc(), Delivery.id)))


def retry(db: Session, delivery: Delivery, *, actor) -> Delivery:
    """Send a failed delivery again (audited); an outlet marked broken is taken as fixed."""
    if delivery.state != "failed":
        raise Conflict(f"只有失败的投递可以重试（当前：{delivery.state}）", field="delivery")
    outlet_was_broken = bool(delivery.outlet.broken_reason)
    if outlet_was_broken:
        delivery.outlet.broken_reason = None  # the editor says the credentials are fixed
        delivery.outlet.broken_at = None
    now = utcnow()
    delivery.state, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
    delivery.updated_at = now
    record(db, actor=actor, action="delivery.retry", account_id=delivery.account_id,
           subject_type="delivery", subject_id=delivery.id, post_id=delivery.post_id,
           channel=delivery.channel, outlet=delivery.outlet.name,
           outlet_marked_fixed=outlet_was_broken)
    return delivery


def retry_failed(db: Session, post, *, actor) -> list[Delivery]:
    failed = [d for d in deliveries_of(db, post) if d.state == "failed"]
    for delivery in failed:
        retry(db, delivery, actor=actor)
    return failed
