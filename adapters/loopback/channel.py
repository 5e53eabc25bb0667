"""The loopback channel: PUT the post to <url>/<target>/<idempotency key>, DELETE to withdraw."""

from __future__ import annotations

from dataclasses import asdict

from hub.channels import Channel, DeliveryJob, OutletInfo, PostSnapshot, Receipt
from hub.ports import send


class LoopbackChannel(Channel):
    name = "loopback"
    label = "测试终端"
    max_concurrency = 64
    updates_in_place = True

    def render(self, post: PostSnapshot, outlet: OutletInfo) -> dict:
        return {"title": post.title, "summary": post.summary, "html": post.body_html}

    def _url(self, job: DeliveryJob, item: str) -> str:
        return f"{job.outlet.config['url'].rstrip('/')}/{job.outlet.key}/{item}"

    def deliver(self, job: DeliveryJob) -> Receipt:
        # The item is keyed by the first version's key, so a new version replaces it in place
        # and a repeated send of the same key overwrites rather than duplicates.
        item = job.replaces_external_id or job.idempotency_key
        body = {"post": asdict(job.post), "worker_attempt": job.attempt,
                "idempotency_key": job.idempotency_key}
        response = send("PUT", self._url(job, item), json=body,
                        headers={"Idempotency-Key": job.idempotency_key})
        data = response.json()
        return Receipt(external_id=item, external_url=data.get("url"))

    def withdraw(self, job: DeliveryJob) -> None:
        send("DELETE", self._url(job, job.external_id or job.idempotency_key))
