"""The webhook channel: POST a JSON event signed with HMAC-SHA256 of "<timestamp>.<body>".

Integrators check `X-Hub-Signature-256` with their shared secret, reject stale timestamps,
and drop repeats by `X-Hub-Delivery` (deliveries are at least once).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import asdict

from hub.channels import (
    Channel,
    ConsolePage,
    DeliveryJob,
    OutletInfo,
    PermanentError,
    PostSnapshot,
    Receipt,
)
from hub.ports import send


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post_event(outlet: OutletInfo, event: dict, delivery_id: str):
    """POST the event to the outlet's URL, signed with its secret: the integrator's answer,
    or the pipeline's errors (hub.ports.send) when it does not answer 2xx."""
    if not outlet.secret:
        raise PermanentError("回调未配置签名密钥")
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8",
               "X-Hub-Event": event["type"], "X-Hub-Delivery": delivery_id,
               "X-Hub-Timestamp": timestamp,
               "X-Hub-Signature-256": sign(outlet.secret, timestamp, body)}
    return send("POST", outlet.config["url"], data=body, headers=headers)


class WebhookChannel(Channel):
    name = "webhook"
    label = "合作方回调"
    max_concurrency = 16
    updates_in_place = True  # a new version is simply another post.published event
    # Integrators hear about everything beneath their account: not an outlet an editor picks.
    notifies_only = True

    def render(self, post: PostSnapshot, outlet: OutletInfo) -> dict:
        return {"type": "post.published", "post": asdict(post)}

    def _post(self, job: DeliveryJob, event: dict) -> None:
        post_event(job.outlet, event, job.idempotency_key)

    def _event(self, job: DeliveryJob, kind: str, **extra) -> dict:
        return {"type": kind, "id": job.idempotency_key, "account": job.post.account_code,
                "post": {"id": job.post.id, "version": job.post.version,
                         "title": job.post.title, "summary": job.post.summary,
                         "kind": job.post.kind, "origin_account": job.post.origin_account_code},
                **extra}

    def deliver(self, job: DeliveryJob) -> Receipt:
        self._post(job, self._event(job, "post.published"))
        return Receipt(external_id=job.idempotency_key)

    def withdraw(self, job: DeliveryJob) -> None:
        self._post(job, self._event(job, "post.withdrawn"))

    def console_pages(self) -> list[ConsolePage]:
        return [ConsolePage("webhook_console.hooks", "合作方回调", min_role="admin")]

    def blueprints(self) -> list:
        from adapters.webhook.console_views import bp

        return [bp]

    def notify(self, job: DeliveryJob) -> Receipt:
        event = dict(job.event or {})
        self._post(job, self._event(job, event.pop("type", "delivery.failed"), delivery=event))
        return Receipt(external_id=job.idempotency_key)
