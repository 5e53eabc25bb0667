"""Editor API for a post's deliveries: where it went, how each is doing, retry."""

from __future__ import annotations

from flask import Blueprint, g
from pydantic import BaseModel
from sqlalchemy import select

from hub import channels
from hub.api import route
from hub.clock import local_iso
from hub.deliveries import services
from hub.deliveries.models import Delivery, DeliveryAttempt
from hub.errors import NotFound
from hub.posts.services import get_post
from hub.users.permissions import require_role

bp = Blueprint("deliveries_api", __name__, url_prefix="/api/v1")
TAG = "deliveries"
STATE_LABELS = {"pending": "等待投递", "sending": "投递中", "delivered": "已送达",
                "retrying": "稍后重试", "failed": "失败", "withdrawn": "已撤回"}


class AttemptOut(BaseModel):
    number: int
    goal: str
    worker: str
    started_at: str
    finished_at: str | None
    outcome: str | None
    error: str | None


class DeliveryOut(BaseModel):
    id: int
    post_id: int
    version: int
    channel: str
    channel_label: str
    target: str
    target_account: str
    goal: str
    state: str
    state_label: str
    attempts: int
    last_error: str | None
    external_id: str | None
    external_url: str | None
    next_attempt_at: str | None
    delivered_at: str | None
    withdrawn_at: str | None
    history: list[AttemptOut]


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]
    summary: dict[str, int]


def delivery_out(delivery: Delivery, attempts: list[DeliveryAttempt]) -> DeliveryOut:
    channel = channels.get_channel(delivery.channel)
    waiting = delivery.state in ("pending", "retrying")
    return DeliveryOut(
        id=delivery.id, post_id=delivery.post_id, version=delivery.version,
        channel=delivery.channel, channel_label=channel.label if channel else delivery.channel,
        target=delivery.outlet.name, target_account=delivery.outlet.account.code,
        goal=delivery.goal, state=delivery.state, state_label=STATE_LABELS[delivery.state],
        attempts=delivery.attempts, last_error=delivery.last_error,
        external_id=delivery.external_id, external_url=delivery.external_url,
        next_attempt_at=local_iso(delivery.next_attempt_at) if waiting else None,
        delivered_at=local_iso(delivery.delivered_at),
        withdrawn_at=local_iso(delivery.withdrawn_at),
        history=[AttemptOut(number=a.number, goal=a.goal, worker=a.worker,
                            started_at=local_iso(a.started_at),
                            finished_at=local_iso(a.finished_at), outcome=a.outcome,
                            error=a.error) for a in attempts],
    )


def _listing(post) -> DeliveryList:
    deliveries = services.deliveries_of(g.db, post)
    attempts: dict[int, list[DeliveryAttempt]] = {}
    if deliveries:
        rows = g.db.scalars(select(DeliveryAttempt).where(
            DeliveryAttempt.delivery_id.in_([d.id for d in deliveries]))
            .order_by(DeliveryAttempt.number))
        for row in rows:
            attempts.setdefault(row.delivery_id, []).append(row)
    summary: dict[str, int] = {}
    for d in deliveries:
        summary[d.state] = summary.get(d.state, 0) + 1
    return DeliveryList(deliveries=[delivery_out(d, attempts.get(d.id, [])) for d in deliveries],
                        summary=summary)


def _post_for_editor(post_id: int, *roles: str):
    post = get_post(g.db, post_id)
    require_role(g.db, g.user, post.account, *(roles or ("author", "reviewer", "admin")))
    return post


@route(bp, "/posts/<int:post_id>/deliveries", "GET", summary="Every delivery of the post: "
       "target, state, attempts, last error, external id or URL", tag=TAG,
       response=DeliveryList)
def list_deliveries(post_id: int):
    return _listing(_post_for_editor(post_id))


@route(bp, "/posts/<int:post_id>/deliveries/retry", "POST", summary="Retry every failed "
       "delivery of the post", tag=TAG, response=DeliveryList)
def retry_failed(post_id: int):
    post = _post_for_editor(post_id)
    services.retry_failed(g.db, post, actor=g.user)
    g.db.flush()
    return _listing(post)


@route(bp, "/posts/<int:post_id>/deliveries/<int:delivery_id>/retry", "POST",
       summary="Retry one failed delivery", tag=TAG, response=DeliveryOut, errors=(409,))
def retry_one(post_id: int, delivery_id: int):
    post = _post_for_editor(post_id)
    delivery = g.db.get(Delivery, delivery_id)
    if delivery is None or delivery.post_id != post.id:
        raise NotFound(f"稿件 {post_id} 没有编号为 {delivery_id} 的投递", field="delivery")
    services.retry(g.db, delivery, actor=g.user)
    return delivery_out(delivery, [])
