"""What the hub does with a message or event an official account pushes: each handled once,
each cheap (a few rows), so the answer leaves well within WeChat's 5 seconds.

- PUBLISHJOBFINISH completes the delivery waiting for it (hub.ports.confirm_delivery);
- subscribe / SCAN with `qrscene_<account code>` attribute the follower to that union account;
- unsubscribe marks the follower gone; CLICK `column:<slug>` answers with that column's posts;
- a text message answers with a keyword reply (outlet config `keywords`) or the latest posts.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
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


class NotYet(Exception):
    """A push the hub cannot place yet; answered with 503 so that WeChat tries again."""


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
    row = WeChatInbound(appid=appid, dedupe_key=dedupe_key(message)[:200],
                        kind=(message.get("Event") or message.get("MsgType") or "?")[:40],
                        received_at=utcnow())
    db.add(row)
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
        info = message.get("PublishEventInfo") or {}
        publish_id = str(info.get("publish_id") or "")
        db.commit()  # hold no lock while the worker may still be recording the submit
        record = self._publication(outlet.key, publish_id)
        if record is None:
            log.info("PUBLISHJOBFINISH for unknown publish_id on %s: ignored", outlet.key)
            return None
        items = ((info.get("article_detail") or {}).get("item")) or []
        items = items if isinstance(items, list) else [items]
        outcome = JobOutcome(publish_id, int(info.get("publish_status", -1)),
                             info.get("article_id"),
                             items[0].get("article_url") if items else None)
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
