"""Subscribe messages (订阅消息) as an outlet ("mp_subscribe"): when an account publishes, each
member who follows it and allowed a "news" message gets one, through the mini-program's app;
and, from the scheduler's tick, a reminder to each member holding a seat on a course that is
about to start (if they allowed "course_reminder").

One outlet per union account (bound like any other outlet), so publishing, push-down,
tracking and retries are the pipeline's. A delivery sends to that account's followers in
slices of at most `SLICE_SECONDS`, answering "pending" between slices so a worker takes it up
again. A notice row is written before each send, unique per (post, member, notice kind), so a
member following several accounts the post reached, or a slice taken up twice, gets one
message. WeChat counts allowances itself: a 43101 answer means the member has none left, and
the hub's count is set to zero. A sent message cannot be recalled: withdrawing sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

import requests
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from wechatpy.exceptions import WeChatClientException

from adapters.wechat import errors
from adapters.wechat.models import WeChatSubscribeNotice
from adapters.wechat.settings import WeChatSettings
from hub import channels, ports
from hub.channels import (
    Channel,
    ChannelContext,
    CredentialsError,
    DeliveryError,
    DeliveryJob,
    OutletInfo,
    PermanentError,
    PostSnapshot,
    Receipt,
)
from hub.errors import HubError
from hub.ports import utcnow

log = logging.getLogger("adapters.wechat.subscribe")
NEWS, COURSE = "news", "course_reminder"
# What each field of the news template says, as WeChat's 服务通知 card labels it.
NEWS_LABELS = {"thing1": "发布账号", "thing2": "标题", "thing3": "摘要"}
NOT_ALLOWED = 43101
SLICE_SECONDS = 20.0  # well inside a delivery's lease
FIELD_CHARS = 20  # WeChat's limit for a "thing" value


def _thing(text: str) -> str:
    return text if len(text) <= FIELD_CHARS else text[:FIELD_CHARS - 1] + "…"


@dataclass(frozen=True)
class Message:
    allowance: str  # the allowance it uses up: news, course_reminder
    notice: str  # what makes it once per post and member: news, course_reminder:<campaign>
    template_id: str  # WeChat's
    page: str
    data: dict


class SubscribeChannel(Channel):
    name = "mp_subscribe"
    campaign_links = True
    migrations = "migrations/versions"  # its Alembic branch, beside this module
    label = "小程序订阅消息"
    max_concurrency = 4
    updates_in_place = True  # an edited post sends nothing new

    def __init__(self, settings: WeChatSettings | None = None):
        super().__init__()
        self.settings = settings or WeChatSettings.from_env()
        self.sessions = None
        self.read_sessions = None

    def attach(self, context: ChannelContext) -> None:
        super().attach(context)
        self.sessions, self.read_sessions = context.sessions, context.read_sessions

    def lane(self, outlet: OutletInfo) -> str:
        return "mp_subscribe"

    def _wechat(self):
        wechat = channels.get_channel("wechat")
        if wechat is None:
            raise PermanentError("订阅消息需要启用微信渠道（小程序的 AppID 在那里配置）")
        return wechat

    def _settings(self) -> WeChatSettings:
        wechat = channels.get_channel("wechat")
        return wechat.settings if wechat else self.settings

    def message(self, post: PostSnapshot, outlet: OutletInfo) -> Message:
        return Message(NEWS, NEWS, self._settings().template_news,
                       f"pages/post/index?id={post.id}&src={self.name}",
                       {"thing1": {"value": _thing(outlet.name.removesuffix("订阅消息"))},
                        "thing2": {"value": _thing(post.title)},
                        "thing3": {"value": _thing(post.summary or post.title)}})

    def render(self, post: PostSnapshot, outlet: OutletInfo) -> dict:
        """The message as WeChat gets it (the preview shows this)."""
        message = self.message(post, outlet)
        return {"template_id": message.template_id, "page": message.page, "data": message.data,
                "labels": NEWS_LABELS}

    def deliver(self, job: DeliveryJob) -> Receipt:
        if job.replaces_external_id:  # an edit: the members were told already
            return Receipt(external_id=job.replaces_external_id)
        try:
            client = self._wechat().miniprogram.client()
        except HubError as exc:  # WeChat or the mini-program not configured: retrying won't help
            raise PermanentError(exc.message) from None
        message = self.message(job.post, job.outlet)
        deadline = time.monotonic() + SLICE_SECONDS
        for identity_id, openid in self._followers(job):
            if time.monotonic() > deadline:  # the rest in the next slice
                return Receipt(external_id=f"post-{job.post.id}", pending=True, check_after=0)
            self._send_one(client, job.post.id, identity_id, openid, message, job.delivery_id)
        return Receipt(external_id=f"post-{job.post.id}")

    def withdraw(self, job: DeliveryJob) -> None:
        """Nothing to do: WeChat cannot recall a subscribe message."""

    # -- course reminders, from the scheduler's tick -----------------------------------------
    def tick(self, context: ChannelContext) -> None:
        """Remind members whose course starts soon (hub.campaigns.schedule says who, once);
        a reminder that could not be sent is handed back, for the next tick."""
        sessions = context.sessions
        if self.sessions is None or not self._configured():
            return
        due = ports.course_reminders(sessions)
        if not due:
            return
        client = self._wechat().miniprogram.client()
        for entry in due:
            if not self._allowed(entry["identity_id"], COURSE):
                continue
            try:
                self._send_one(client, entry["post_id"], entry["identity_id"],
                               entry["openid"], self._reminder(entry), None)
            except (DeliveryError, requests.RequestException) as exc:
                ports.reminder_not_sent(sessions, entry["claim_id"])
                log.warning("course reminder for campaign %s not sent: %s",
                            entry["campaign_id"], getattr(exc, "message", type(exc).__name__))

    def _configured(self) -> bool:
        wechat = channels.get_channel("wechat")
        try:
            return wechat is not None and bool(wechat.miniprogram.credentials().appid)
        except HubError:
            return False

    def _reminder(self, entry: dict) -> Message:
        starts = dt.datetime.fromisoformat(entry["course_starts_at"])
        return Message(COURSE, f"{COURSE}:{entry['campaign_id']}",
                       self._settings().template_course,
                       f"pages/campaign/index?id={entry['campaign_id']}&src={self.name}",
                       {"thing1": {"value": _thing(entry["title"])},
                        "time2": {"value": starts.strftime("%Y-%m-%d %H:%M")},
                        "thing3": {"value": _thing(entry["place"] or "见活动详情")}})

    def _allowed(self, identity_id: int, template: str) -> bool:
        with self.read_sessions() as db:
            return ports.allowances_left(db, identity_id, template) > 0

    # -- the members to tell ---------------------------------------------------------------
    def _followers(self, job: DeliveryJob) -> list[tuple[int, str]]:
        """Followers of the outlet's account with an allowance left and no notice yet."""
        told = select(WeChatSubscribeNotice.identity_id).where(
            WeChatSubscribeNotice.post_id == job.post.id,
            WeChatSubscribeNotice.template == NEWS)
        with self.read_sessions() as db:
            return ports.notifiable_followers(db, job.outlet.account_code, NEWS, told=told)

    # -- one message -----------------------------------------------------------------------
    def _claim(self, post_id: int, identity_id: int, notice: str,
               delivery_id: int | None) -> int | None:
        """Write the notice before sending; None if this member was told already."""
        with self.sessions() as db:
            notice = WeChatSubscribeNotice(post_id=post_id, identity_id=identity_id,
                                           template=notice, delivery_id=delivery_id,
                                           state="sending", at=utcnow())
            db.add(notice)
            try:
                db.commit()
            except IntegrityError:
                return None
            return notice.id

    def _send_one(self, client, post_id: int, identity_id: int, openid: str,
                  message: Message, delivery_id: int | None) -> int:
        notice_id = self._claim(post_id, identity_id, message.notice, delivery_id)
        if notice_id is None:
            return 0
        try:
            answer = client.mini.send_subscribe(openid, message.template_id, message.data,
                                                page=message.page)
        except (WeChatClientException, requests.RequestException) as exc:
            code = errors.errcode_of(exc)
            problem = errors.classify(exc, doing="发送订阅消息")
            if code != NOT_ALLOWED and (problem.transient or isinstance(problem,
                                                                        CredentialsError)):
                self._release(notice_id)  # not sent: the retry sends it
                raise problem from None
            state = "refused" if code == NOT_ALLOWED else "failed"
            self._record(notice_id, identity_id, message.allowance, state, None,
                         problem.message)
            return 0
        self._record(notice_id, identity_id, message.allowance, "sent",
                     str(answer.get("msgid", "")), None)
        return 1

    def _release(self, notice_id: int) -> None:
        with self.sessions() as db:
            db.execute(delete(WeChatSubscribeNotice).where(
                WeChatSubscribeNotice.id == notice_id))
            db.commit()

    def _record(self, notice_id: int, identity_id: int, allowance: str, state: str,
                msgid: str | None, error: str | None) -> None:
        """The notice's outcome; a message sent uses one allowance, a refusal means WeChat
        has none left for this member (they withdrew it or used it elsewhere)."""
        with self.sessions() as db:
            db.execute(update(WeChatSubscribeNotice).where(
                WeChatSubscribeNotice.id == notice_id).values(state=state, msgid=msgid,
                                                             error=error, at=utcnow()))
            if state in ("sent", "refused"):
                ports.use_allowance(db, identity_id, allowance, refused=state == "refused")
            db.commit()

    # -- binding -------------------------------------------------------------------------
    def bind_every_account(self, db, hub_secret: str) -> list[str]:
        """Bind an outlet on every account that has none yet, so each tells its followers;
        returns the codes of the accounts bound now (the demo, `hub wechat subscribe-all`)."""
        bound = ports.outlet_keys(db, self.name)
        added = []
        for account in ports.all_accounts(db):
            if account.code not in bound:
                ports.bind_outlet(db, account.code, channel=self.name, key=account.code,
                            name=f"{account.name}订阅消息", hub_secret=hub_secret)
                added.append(account.code)
        return added

    def load_demo(self, db, config) -> None:
        self.bind_every_account(db, config.secret())
