"""What the hub does with a message or event an official account pushes: each handled once,
each cheap (a few rows), so the answer leaves well within WeChat's 5 seconds.

- PUBLISHJOBFINISH completes the delivery waiting for it (hub.ports.confirm_delivery);
- subscribe / SCAN with `qrscene_<account code>` attribute the follower to that union account;
- unsubscribe marks the follower gone; CLICK `column:<slug>` answers with that column's posts;
- a text message answers with a keyword reply (outlet config `keywords`) or the latest posts;
- anything odd (a field missing, repeated or nested where WeChat sends one text) is ignored:
  answered "success" and logged, nothing written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import re
import time

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.wechat.models import WeChatFollower, WeChatInbound, WeChatPublication
from adapters.wechat.publisher import JobOutcome
from hub import ports
from hub.channels import DeliveryError, OutletInfo
from hub.ports import utcnow

log = logging.getLogger("adapters.wechat")
LATEST = 5
KEEP_INBOUND = dt.timedelta(days=3)
WAIT_FOR_SUBMIT_SECONDS = 3.0  # WeChat repeats within seconds; three days is plenty
NONCE_MAX = 64  # WeChat's nonces and timestamps are a few digits
SIGNATURE_KIND = "signature"  # WeChatInbound rows that note a used (timestamp, nonce)
OPENID_MAX = SCENE_MAX = 64  # the columns' widths (WeChatFollower.openid, .scene)
# The fields the hub reads, each one text in every push WeChat documents.
TEXT_FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "EventKey",
               "Content", "MsgId", "MsgID")


class NotYet(Exception):
    """A push the hub cannot place yet; answered with 503 so that WeChat tries again."""


class Ignored(Exception):
    """A signed push the hub cannot make sense of: answered "success" (WeChat would only
    repeat it) and logged with the reason, which names fields, never their values."""


def check_shape(message: dict) -> None:
    """Ignored unless the fields the hub reads are each a single text, as WeChat sends them.

    xmltodict turns a repeated element into a list and a nested one into a dict; stored
    as they are, they would reach the database as bound parameters of the wrong type.
    """
    for name in TEXT_FIELDS:
        if message.get(name) is not None and not isinstance(message[name], str):
            raise Ignored(f"{name} is not a single text")
    sender = message.get("FromUserName")
    if not sender:
        raise Ignored("no FromUserName")
    if len(sender) > OPENID_MAX:
        raise Ignored("FromUserName longer than an openid")
    info = message.get("PublishEventInfo")
    if info is not None and not isinstance(info, dict):
        raise Ignored("PublishEventInfo is not an element")


def dedupe_key(message: dict) -> str:
    """How WeChat's repeats of one push are recognised."""
    event = (message.get("Event") or "").upper()
    if event == "PUBLISHJOBFINISH":
        info = message.get("PublishEventInfo") or {}
        return f"publish:{info.get('publish_id')}"
    if event == "MASSSENDJOBFINISH":
        return f"mass:{message.get('MsgID')}"
    if message.get("MsgId"):
        return f"msg:{message['MsgId']}"
    return f"event:{message.get('FromUserName')}:{message.get('CreateTime')}:{event}"


def claim(db: Session, appid: str, message: dict) -> int | None:
    """Note the push as handled (committed); None if it was handled before."""
    kind = message.get("Event") or message.get("MsgType") or "?"
    return _note(db, appid, dedupe_key(message), kind)


def claim_signature(db: Session, appid: str, timestamp: str, nonce: str,
                    body: bytes) -> bool:
    """Note a signed request's (timestamp, nonce) as used with this body (committed).

    False if the pair came before with another body (a replay with a body of one's own), or
    is too long to be WeChat's. The very same request again is WeChat retrying a push it got
    no answer to in 5 seconds: let through, the push's own key stops it being handled twice.
    The table's unique key makes this hold across processes; the pair is kept beyond the
    5 minutes its timestamp is accepted."""
    if not nonce or len(nonce) > NONCE_MAX or len(timestamp) > NONCE_MAX:
        return False
    pair = f"signed:{timestamp}:{nonce}"
    with_body = f"{pair}:{hashlib.sha256(body).hexdigest()}"
    # Both notes in one transaction (one commit per push): if the pair was seen, neither is
    # written and the body's note tells a retry from a replay.
    if _note(db, appid, pair, SIGNATURE_KIND, also=with_body) is not None:
        return True
    return db.scalar(select(WeChatInbound.id).where(
        WeChatInbound.appid == appid, WeChatInbound.dedupe_key == with_body)) is not None


def _note(db: Session, appid: str, key: str, kind: str, *, also: str | None = None
          ) -> int | None:
    """Note `key` (and `also`, in the same commit) as received; None if it was before."""
    row = WeChatInbound(appid=appid, dedupe_key=key[:200], kind=kind[:40],
                        received_at=utcnow())
    db.add(row)
    if also is not None:
        db.add(WeChatInbound(appid=appid, dedupe_key=also[:200], kind=kind[:40],
                             received_at=row.received_at))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return None
    if random.random() < 0.01:  # now and then, forget old pushes
        db.execute(delete(WeChatInbound).where(WeChatInbound.received_at < utcnow() - KEEP_INBOUND))
        db.commit()
    return row.id


def forget(db: Session, inbound_id: int) -> None:
    """Handling failed: let WeChat's next try of the same push be handled."""
    db.rollback()
    db.execute(delete(WeChatInbound).where(WeChatInbound.id == inbound_id))
    db.commit()


def job_outcome(info: dict) -> JobOutcome:
    """What a PUBLISHJOBFINISH's PublishEventInfo says; Ignored if it is not laid out as
    WeChat documents it."""
    publish_id, status = info.get("publish_id"), info.get("publish_status", "-1")
    article_id, detail = info.get("article_id"), info.get("article_detail") or {}
    if not isinstance(publish_id, str) or not publish_id:
        raise Ignored("PublishEventInfo without a publish_id")
    if not isinstance(status, str) or not re.fullmatch(r"-?[0-9]{1,9}", status):
        raise Ignored("PublishEventInfo with an odd publish_status")
    items = detail.get("item") if isinstance(detail, dict) else None
    items = items if isinstance(items, list) else [items] if items else []
    url = items[0].get("article_url") if items and isinstance(items[0], dict) else None
    if not _text_within(article_id, 200) or not _text_within(url, 1000):  # the columns' widths
        raise Ignored("PublishEventInfo with an odd article_id or article_url")
    return JobOutcome(publish_id, int(status), article_id, url)


def _text_within(value, width: int) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= width)


class Inbox:
    """Handles what official accounts push; `settle` is the publisher's, to complete a
    publication from its PUBLISHJOBFINISH."""

    def __init__(self, *, settle, sessions, read_sessions):
        self.settle, self.sessions, self.read_sessions = settle, sessions, read_sessions

    def handle(self, db: Session, outlet: OutletInfo, message: dict) -> str | None:
        """The text to answer the sender with, if any."""
        kind = (message.get("MsgType") or "").lower()
        event = (message.get("Event") or "").lower()
        if kind == "event":
            handler = getattr(self, f"_on_{event}", None)
            return handler(db, outlet, message) if handler else None
        if kind == "text":
            return self._on_text(db, outlet, message)
        return None

    # -- events ---------------------------------------------------------------------------
    def _on_publishjobfinish(self, db: Session, outlet: OutletInfo, message: dict) -> None:
        outcome = job_outcome(message.get("PublishEventInfo") or {})
        db.commit()  # hold no lock while the worker may still be recording the submit
        record = self._publication(outlet.key, outcome.publish_id)
        if record is None:
            log.info("PUBLISHJOBFINISH for unknown publish_id on %s: ignored", outlet.key)
            return None
        try:
            result = self.settle(record, outcome)
        except DeliveryError as error:
            result = error
        if getattr(result, "pending", False):
            return None
        with self.sessions() as session:
            state = ports.confirm_delivery(session, record.delivery_id, result)
        log.info("delivery %s confirmed by PUBLISHJOBFINISH: %s", record.delivery_id, state)
        return None

    def _on_subscribe(self, db: Session, outlet: OutletInfo, message: dict) -> str:
        scene = (message.get("EventKey") or "").removeprefix("qrscene_") or None
        follower = self._follow(db, outlet, message["FromUserName"], scene)
        latest = self._latest_text(db, outlet)
        return f"感谢关注{outlet.name}（{follower}）！\n{latest}"

    def _on_scan(self, db: Session, outlet: OutletInfo, message: dict) -> None:
        self._follow(db, outlet, message["FromUserName"], message.get("EventKey") or None)
        return None

    def _on_unsubscribe(self, db: Session, outlet: OutletInfo, message: dict) -> None:
        row = db.scalar(select(WeChatFollower).where(
            WeChatFollower.appid == outlet.key,
            WeChatFollower.openid == message["FromUserName"]))
        if row is not None:
            row.following, row.unfollowed_at, row.updated_at = False, utcnow(), utcnow()
        db.commit()
        return None

    def _on_click(self, db: Session, outlet: OutletInfo, message: dict) -> str:
        key = message.get("EventKey") or ""
        if key.startswith("column:"):
            return self._latest_text(db, outlet, column=key.removeprefix("column:"))
        return self._latest_text(db, outlet)

    def _on_text(self, db: Session, outlet: OutletInfo, message: dict) -> str:
        content = (message.get("Content") or "").strip()
        for keyword, answer in (outlet.config or {}).get("keywords", {}).items():
            if keyword and keyword in content:
                return str(answer)
        return self._latest_text(db, outlet)

    # -- helpers --------------------------------------------------------------------------
    def _publication(self, appid: str, publish_id: str) -> WeChatPublication | None:
        """The record of this publish job. The event can overtake the worker recording the
        submit's answer: while a submit of this app is unrecorded, wait a little (WeChat
        waits 5 s), then ask WeChat to push again (503)."""
        deadline = time.monotonic() + WAIT_FOR_SUBMIT_SECONDS
        while True:
            with self.read_sessions() as db:
                record = db.scalar(select(WeChatPublication).where(
                    WeChatPublication.appid == appid, WeChatPublication.publish_id == publish_id))
                unrecorded = record is None and db.scalar(select(WeChatPublication.id).where(
                    WeChatPublication.appid == appid,
                    WeChatPublication.status == "submitting").limit(1)) is not None
            if not unrecorded:
                return record
            if time.monotonic() > deadline:
                raise NotYet(publish_id)
            time.sleep(0.05)

    def _follow(self, db: Session, outlet: OutletInfo, openid: str, scene: str | None) -> str:
        """Record the follower under the union account the QR code names (if it is the
        outlet's account or beneath it), else under the outlet's account; its name."""
        if scene and len(scene) > SCENE_MAX:
            raise Ignored("a QR scene longer than WeChat's 64 characters")
        account = ports.account_by_id(db, outlet.account_id)
        if scene:
            named = ports.find_account(db, scene)
            if named is not None and named.is_within(account):
                account = named
        row = db.scalar(select(WeChatFollower).where(WeChatFollower.appid == outlet.key,
                                                     WeChatFollower.openid == openid))
        now = utcnow()
        if row is None:
            row = WeChatFollower(appid=outlet.key, openid=openid, followed_at=now)
            db.add(row)
        row.account_id, row.scene, row.following = account.id, scene, True
        row.unfollowed_at, row.updated_at = None, now
        db.commit()
        return account.name

    def _latest_text(self, db: Session, outlet: OutletInfo, column: str | None = None) -> str:
        query = (select(WeChatPublication.post_id, WeChatPublication.title,
                        WeChatPublication.article_url)
                 .where(WeChatPublication.appid == outlet.key,
                        WeChatPublication.status == "published")
                 .order_by(WeChatPublication.published_at.desc()))
        # A column's latest are among the account's recent ones: look a little further back.
        rows = db.execute(query.limit(LATEST * 10 if column else LATEST)).all()
        if column:
            shown = ports.posts_in_column(db, {row.post_id for row in rows}, column)
            rows = [row for row in rows if row.post_id in shown][:LATEST]
        rows = [(row.title, row.article_url) for row in rows]
        if not rows:
            return "暂无文章，敬请关注。"
        lines = [f"{number}. {title}\n{url}" for number, (title, url) in
                 enumerate(rows, start=1)]
        return "最新文章：\n" + "\n".join(lines)
