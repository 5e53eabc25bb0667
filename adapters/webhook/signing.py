"""A webhook event signed and sent: HMAC-SHA256 of "<timestamp>.<body>" with the outlet's
secret, shared by deliveries (channel.py) and the console's test event (console_views.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from hub.channels import OutletInfo, PermanentError
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
