"""Review alerts by e-mail: when a post (or a live post's change) is sent for review, each
reviewer and admin who could approve it and gave an address is told, where the hub has an
SMTP server (HUB_SMTP_URL). Without one nothing is sent: the console's badge still counts
what waits, and the demo sends nothing unless it is configured.

An alert is prepared in the transaction that submits, and sent only after that transaction
commits (a refused or rolled-back submit tells nobody), on a thread of its own: a slow or
absent mail server never holds up the editor. Sending is at most once; a failure is logged
without the server's password.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hub.users.models import Grant, User

log = logging.getLogger("hub.alerts")
PENDING_KEY = "hub.review_alerts"
TIMEOUT_SECONDS = 20
REVIEWING_ROLES = ("reviewer", "admin")


@dataclass(frozen=True)
class Mailer:
    """Where and how to send, from HUB_SMTP_URL."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    tls: bool = False  # smtps://: TLS from the first byte
    starttls: bool = False

    @classmethod
    def from_url(cls, url: str) -> Mailer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("HUB_SMTP_URL 须为 smtp://主机:端口 或 smtps://主机:端口")
        query = parse_qs(parts.query)
        tls = parts.scheme == "smtps"
        return cls(host=parts.hostname, port=parts.port or (465 if tls else 25),
                   sender=query.get("from", [f"hub@{parts.hostname}"])[0],
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None,
                   tls=tls, starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"))

    def send(self, message: EmailMessage) -> None:
        message["From"] = self.sender
        if self.tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        with client:
            if self.starttls:
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


def _mailer() -> Mailer | None:
    if not has_app_context():
        return None
    url = current_app.config["HUB"].smtp_url
    return Mailer.from_url(url) if url else None


def reviewers_to_tell(db: Session, post, submitter: User | None) -> list[User]:
    """Who could approve the post: reviewers and admins of its account or any above it, with
    an address, never its author or whoever sent it."""
    left_out = {post.author_id} | ({submitter.id} if submitter else set())
    return list(db.scalars(select(User).distinct().join(Grant).where(
        Grant.account_id.in_(post.account.ancestor_ids()), Grant.role.in_(REVIEWING_ROLES),
        User.active.is_(True), User.email.is_not(None), User.email != "",
        User.id.not_in(left_out)).order_by(User.id)))


def review_waits(db: Session, post, submitter: User | None, *, change: bool) -> None:
    """Prepare the alert that `post` waits for review; sent once the caller commits."""
    mailer = _mailer()
    if mailer is None:
        return
    console_url = current_app.config["HUB"].public_url
    to = [user.email for user in reviewers_to_tell(db, post, submitter)]
    if not to:
        return
    what = "已发布稿件的修改" if change else "稿件"
    message = EmailMessage()
    message["Subject"] = f"【待审核】{post.account.name}：{post.title}"
    message["To"] = ", ".join(to)
    who = submitter.display_name if submitter else "编辑"
    message.set_content(
        f"{who}提交了{what}「{post.title}」（{post.account.name}），等待审核。\n\n"
        f"打开审核：{console_url}/console/posts/{post.id}\n"
        f"审核队列：{console_url}/console/a/{post.account.code}/review\n\n"
        "（粤工惠内容中心自动发送，请勿回复）\n")
    db.info.setdefault(PENDING_KEY, []).append((mailer, message))


def _send_all(prepared: list) -> None:
    for mailer, message in prepared:
        try:
            mailer.send(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("review alert to %s not sent: %s", mailer.host, type(exc).__name__)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    prepared = session.info.pop(PENDING_KEY, None)
    if prepared:
        threading.Thread(target=_send_all, args=(prepared,), name="review-alerts",
                         daemon=True).start()


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
