"""Signed webhooks to integrators: post.published, post.withdrawn, delivery.failed."""

from adapters.webhook.channel import WebhookChannel, sign

__all__ = ["WebhookChannel", "sign"]
