"""The webhook channel: POST a JSON event signed with HMAC-SHA256 of "<timestamp>.<body>".

Integrators check `X-Hub-Signature-256` with their shared secret, reject stale timestamps,
and drop repeats by `X-Hub-Delivery` (deliveries are at least once).
"""

from __future__ import annotations

from dataclasses import asdict

from adapters.webhook.signing import post_event
from hub.channels import (
    Channel,
    ConsolePage,
    DeliveryJob,
    OutletInfo,
    PostSnapshot,
    Receipt,
)


class WebhookChannel(Channel):
    name = "webhook"
    label = "合作方回调"
    audit_actions = {"webhook.": "合作方回调", "webhook.test": "测试合作方回调"}
    audit_words = {"ok": "测试成功"}
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
