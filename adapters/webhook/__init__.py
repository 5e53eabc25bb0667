"""Signed webhooks to integrators: post.published, post.withdrawn, delivery.failed."""

from adapters.webhook.channel import WebhookChannel
from adapters.webhook.signing import sign

__all__ = ["WebhookChannel", "sign"]
