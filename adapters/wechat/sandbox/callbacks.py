"""Event pushes to an app's callback URL, signed (and in safe mode encrypted) as WeChat does."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import requests
from wechatpy.crypto import PrpCrypto, WeChatCrypto

from .records import AppRecord, CallbackRecord, PublishJob

MPHELPER = "mphelper"  # FromUserName of the events WeChat's mass-send assistant pushes


def cdata(text: str) -> str:
    # "]]>" cannot stand inside CDATA: close the section around it and open a new one.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _event_head(app: AppRecord, event: str, create_time: int) -> list[str]:
    return [
        "<xml>",
        f"<ToUserName>{cdata(app.ghid)}</ToUserName>",
        f"<FromUserName>{cdata(MPHELPER)}</FromUserName>",
        f"<CreateTime>{create_time}</CreateTime>",
        f"<MsgType>{cdata('event')}</MsgType>",
        f"<Event>{cdata(event)}</Event>",
    ]


def publish_job_finish_xml(app: AppRecord, job: PublishJob, create_time: int) -> str:
    """The PUBLISHJOBFINISH event, laid out as in WeChat's documentation."""
    info = [
        "<PublishEventInfo>",
        f"<publish_id>{job.publish_id}</publish_id>",
        f"<publish_status>{job.status}</publish_status>",
    ]
    if job.status == 0:
        info.append(f"<article_id>{cdata(job.article_id or '')}</article_id>")
        info.append("<article_detail>")
        info.append(f"<count>{len(job.article_urls)}</count>")
        for idx, url in enumerate(job.article_urls, start=1):
            info.append(f"<item><idx>{idx}</idx><article_url>{cdata(url)}</article_url></item>")
        info.append("</article_detail>")
    info.extend(f"<fail_idx>{idx}</fail_idx>" for idx in job.fail_idx)
    info.append("</PublishEventInfo>")
    return "\n".join(_event_head(app, "PUBLISHJOBFINISH", create_time) + info + ["</xml>"])


def mass_send_job_finish_xml(app: AppRecord, send: dict[str, Any], create_time: int) -> str:
    """The MASSSENDJOBFINISH event for a mass send the sandbox has "delivered"."""
    total = send["recipients"]
    body = [
        f"<MsgID>{send['msg_id']}</MsgID>",
        f"<Status>{cdata('send success')}</Status>",
        f"<TotalCount>{total}</TotalCount>",
        f"<FilterCount>{total}</FilterCount>",
        f"<SentCount>{total}</SentCount>",
        "<ErrorCount>0</ErrorCount>",
    ]
    return "\n".join(_event_head(app, "MASSSENDJOBFINISH", create_time) + body + ["</xml>"])


def sha1_signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the parts sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324


@dataclass(frozen=True)
class SignedPush:
    params: dict[str, str]
    body: bytes
    token: str = ""
    encrypted: str | None = None  # safe mode: what msg_signature covers
    signed_at: float = field(default_factory=time.monotonic)

    def renewed(self) -> SignedPush:
        """The same push signed again for a retry, as WeChat does: the hub takes a
        (timestamp, nonce) once and a timestamp only while it is within 5 minutes."""
        elapsed = int(time.monotonic() - self.signed_at)
        params = _signed_params(self.token, int(self.params["timestamp"]) + elapsed,
                                self.encrypted)
        return replace(self, params={**self.params, **params}, signed_at=time.monotonic())


def _signed_params(token: str, timestamp: int, encrypted: str | None) -> dict[str, str]:
    nonce = str(secrets.randbelow(10**10))
    params = {"signature": sha1_signature(token, str(timestamp), nonce),
              "timestamp": str(timestamp), "nonce": nonce}
    if encrypted is not None:
        params["encrypt_type"] = "aes"
        params["msg_signature"] = sha1_signature(token, str(timestamp), nonce, encrypted)
    return params


def sign_push(app: AppRecord, xml: str, timestamp: int) -> SignedPush:
    """Query parameters and body of a push, in plain or safe mode as the app is set up."""
    if not app.safe_mode:
        return SignedPush(_signed_params(app.token, timestamp, None), xml.encode("utf-8"),
                          app.token)
    # WeChatCrypto checks the EncodingAESKey and derives the AES key exactly as WeChat does.
    crypto = WeChatCrypto(app.token, app.encoding_aes_key, app.appid)
    encrypted = PrpCrypto(crypto.key).encrypt(xml, app.appid).decode("ascii")
    envelope = (
        f"<xml>\n<ToUserName>{cdata(app.ghid)}</ToUserName>\n"
        f"<Encrypt>{cdata(encrypted)}</Encrypt>\n</xml>"
    )
    return SignedPush(_signed_params(app.token, timestamp, encrypted),
                      envelope.encode("utf-8"), app.token, encrypted)


class CallbackSender:
    """Delivers pushes: waits `timeout` for HTTP 200, retrying until `tries` are spent."""

    def __init__(self, timeout: float, tries: int, retry_delay: float,
                 stop: threading.Event) -> None:
        self.timeout = timeout
        self.tries = max(1, tries)
        self.retry_delay = retry_delay
        self.stop = stop

    def attempts(self, url: str, push: SignedPush) -> Iterable[dict[str, Any]]:
        """Try the push; yield one outcome per try, stopping after the first 200."""
        with requests.Session() as session:
            for number in range(1, self.tries + 1):
                if self.stop.is_set():
                    return
                outcome = self._try_once(session, url, push if number == 1 else push.renewed())
                outcome["try"] = number
                yield outcome
                if outcome["ok"]:
                    return
                if self.stop.wait(self.retry_delay):
                    return

    def _try_once(self, session: requests.Session, url: str,
                  push: SignedPush) -> dict[str, Any]:
        try:
            response = session.post(
                url, params=push.params, data=push.body, timeout=self.timeout,
                headers={"Content-Type": "text/xml; charset=utf-8"})
        except requests.Timeout:
            return {"ok": False, "outcome": "timeout"}
        except requests.RequestException as exc:
            return {"ok": False, "outcome": f"error: {type(exc).__name__}"}
        return {"ok": response.status_code == 200, "outcome": f"HTTP {response.status_code}"}


def record_attempt(record: CallbackRecord, attempt: dict[str, Any], at: float) -> None:
    record.attempts.append({"try": attempt["try"], "at": at, "outcome": attempt["outcome"]})
    if attempt["ok"]:
        record.delivered = True
