"""Publishing one post on one official account, and taking it down, without ever publishing
the same delivery twice.

Steps, each recorded in `wechat_publications` before the next call: thumb and images
uploaded, draft added, "submitting" noted, `freepublish/submit`, publish_id kept. WeChat
publishes in a job and says how it ended with PUBLISHJOBFINISH, so `deliver` answers with a
pending receipt; the callback confirms it (see callbacks.py). If the event never comes, the
pipeline calls `deliver` again after a wait, and the record sends it to `freepublish/get`
(rationed: 100 a day, the hub allows itself fewer) instead of submitting again. A submit whose
answer was lost is looked for among the published articles (by its thumb's media_id, which
is this delivery's own) before anything is sent again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import requests
from wechatpy.exceptions import WeChatClientException

from adapters.wechat import render
from adapters.wechat.errors import NO_MASS_QUOTA, QUOTA_TODAY, classify, describe, errcode_of
from adapters.wechat.models import WeChatPublication
from adapters.wechat.records import Records, seconds_to_beijing_midnight
from content.images import ImageRejected
from hub.channels import (
    DeliveryJob,
    OutletInfo,
    PermanentError,
    PostSnapshot,
    Receipt,
    TransientError,
)
from hub.ports import utcnow

log = logging.getLogger("adapters.wechat")

PUBLISHED, PUBLISHING, GENERAL_FAILURE, DELETED = 0, 1, 3, 5
FAILED_STATUS = {
    2: "原创声明校验未通过",
    4: "平台审核未通过",
    6: "文章已被封禁",
}
MASS_DUPLICATE = 45065
RECOVERY_PAGES = 3  # pages of 20 newest articles searched for a submit whose answer was lost


@dataclass(frozen=True)
class JobOutcome:
    """What WeChat said about a publish job (from the event or from freepublish/get)."""

    publish_id: str
    status: int
    article_id: str | None = None
    article_url: str | None = None


class Publisher:
    """Publishes a post as an article on one official account and withdraws it.

    It gets what it needs: where publications are recorded, the adapter's settings, a
    client per official account, the article form of a post, and images' bytes.
    """

    def __init__(self, *, records: Records, settings,
                 client_for: Callable[[OutletInfo], object],
                 article: Callable[[PostSnapshot, OutletInfo], render.Article],
                 image_bytes: Callable[[str], bytes | None]):
        self.records, self.settings = records, settings
        self.client_for, self.article, self.image_bytes = client_for, article, image_bytes

    # -- deliver -----------------------------------------------------------------------------
    def deliver(self, job: DeliveryJob) -> Receipt:
        client = self.client_for(job.outlet)
        record = self.records.for_job(job)
        doing = "发布到公众号"
        try:
            if record.status == "published":
                return published_receipt(record)
            if record.publish_id:
                return self._follow(client, record)
            if record.status == "submitting":
                return self._recover(client, job, record)
            return self._publish(client, job, record)
        except (WeChatClientException, requests.RequestException) as exc:
            raise classify(exc, doing=doing) from None

    def _publish(self, client, job: DeliveryJob, record: WeChatPublication) -> Receipt:
        article = self.article(job.post, job.outlet)
        found = render.problems(article, job.post.body)
        if found:
            raise PermanentError("；".join(found))
        if record.draft_media_id:
            return self._submit(client, job, record)
        # A crash before the draft is recorded leaves an unused thumb or draft on WeChat:
        # harmless, nothing is published without the record saying "submitting" first.
        thumb = render.thumb_for(article, self._cover(job.post.cover_url))
        thumb_id = record.thumb_media_id or client.add_thumb(thumb)["media_id"]
        content = render.replace_images(article.content, self._upload_images(client, article))
        fields = article.draft_fields(thumb_id, content)
        changes = {"thumb_media_id": thumb_id, "draft_media_id": client.draft.add([fields])}
        if job.outlet.config.get("mass_send_tag_id"):
            changes["mass_draft_media_id"] = client.draft.add([fields])
        return self._submit(client, job, record, **changes)

    def _submit(self, client, job: DeliveryJob, record: WeChatPublication,
                **changes) -> Receipt:
        # Noted before the call: if its answer is lost, the next attempt knows to look first.
        record = self.records.save(record, status="submitting", submit_started_at=utcnow(),
                                   **changes)
        try:
            answer = client.freepublish.submit(record.draft_media_id)
        except WeChatClientException as exc:
            if exc.errcode is not None:  # WeChat answered "no": nothing was published
                self.records.save(record, status="drafted")
            raise
        except requests.RequestException:
            log.warning("delivery %s: submit's answer lost; will look before resubmitting",
                        job.delivery_id)
            return Receipt(pending=True, check_after=self._next_look(record))
        record = self.records.save(record, status="submitted",
                                   publish_id=str(answer["publish_id"]))
        self._mass_send(client, job, record)
        return Receipt(external_id=record.publish_id, pending=True,
                       check_after=self.settings.wait_before_check(0))

    # -- following a publish job ---------------------------------------------------------------
    def _follow(self, client, record: WeChatPublication) -> Receipt:
        """The event has not come (yet): ask freepublish/get, within the day's budget."""
        if not self.records.take_call(record.appid, "freepublish_get",
                                      self.settings.poll_budget):
            return Receipt(pending=True, check_after=seconds_to_beijing_midnight())
        record = self.records.save(record, checks=(record.checks or 0) + 1)
        try:
            answer = client.freepublish.get(record.publish_id)
        except WeChatClientException as exc:
            if exc.errcode == QUOTA_TODAY:
                return Receipt(pending=True, check_after=seconds_to_beijing_midnight())
            raise
        outcome = outcome_from_status(record.publish_id, answer)
        return self.settle(record, outcome)

    def settle(self, record: WeChatPublication, outcome: JobOutcome) -> Receipt:
        """Record how a publish job ended; a receipt, or the error the delivery ends with."""
        if outcome.status == PUBLISHED:
            record = self.records.save(
                record, status="published", publish_status=PUBLISHED,
                article_id=outcome.article_id, article_url=outcome.article_url,
                published_at=record.published_at or utcnow())
            return published_receipt(record)
        if outcome.status == PUBLISHING:
            return Receipt(external_id=record.publish_id, pending=True,
                           check_after=self.settings.wait_before_check(record.checks or 0))
        if outcome.status == GENERAL_FAILURE:
            # The draft is still in the box: the next attempt submits it again.
            self.records.save(record, status="drafted", publish_id=None,
                              publish_status=GENERAL_FAILURE)
            raise TransientError("微信发布失败（常规失败，publish_status 3），稍后重新提交")
        if outcome.status == DELETED:
            self.records.save(record, status="deleted", publish_status=DELETED)
            raise PermanentError("文章已在公众平台被删除（publish_status 5）")
        self.records.save(record, status="failed", publish_status=outcome.status)
        reason = FAILED_STATUS.get(outcome.status, f"发布失败（publish_status {outcome.status}）")
        raise PermanentError(f"微信未发布此文：{reason}")

    # -- a submit whose answer was lost ------------------------------------------------------
    def _recover(self, client, job: DeliveryJob, record: WeChatPublication) -> Receipt:
        found = self._find_published(client, record)
        if found is not None:
            return self.settle(record, found)
        if self._draft_gone(client, record):
            # Out of the draft box, not yet among the articles: still being published.
            return Receipt(pending=True, check_after=self.settings.wait_before_check(0))
        if self._grace_left(record) > 0:
            return Receipt(pending=True, check_after=self._next_look(record))
        log.info("delivery %s: earlier submit never took effect; submitting again",
                 job.delivery_id)
        return self._submit(client, job, self.records.save(record, status="drafted"))

    def _find_published(self, client, record: WeChatPublication) -> JobOutcome | None:
        for page in range(RECOVERY_PAGES):
            answer = client.freepublish.batchget(offset=page * 20, count=20, no_content=False)
            for item in answer.get("item", []):
                news = (item.get("content") or {}).get("news_item") or []
                if news and news[0].get("thumb_media_id") == record.thumb_media_id:
                    status = DELETED if news[0].get("is_deleted") else PUBLISHED
                    return JobOutcome("", status, item.get("article_id"), news[0].get("url"))
            if len(answer.get("item", [])) < 20:
                return None
        return None

    def _draft_gone(self, client, record: WeChatPublication) -> bool:
        try:
            client.draft.get(record.draft_media_id)
        except WeChatClientException as exc:
            if exc.errcode == 40007:
                return True
            raise
        return False

    def _next_look(self, record: WeChatPublication) -> float:
        """When to look again for a submit whose answer was lost: soon (the event cannot
        find its delivery without a publish_id), and no later than the grace's end."""
        return max(0.1, min(self.settings.wait_before_check(0), self._grace_left(record)
                            or self.settings.wait_before_check(0)))

    def _grace_left(self, record: WeChatPublication) -> float:
        started = record.submit_started_at or utcnow()
        waited = (utcnow() - started).total_seconds()
        return max(0.0, self.settings.submit_grace - waited)

    # -- mass send to a tag (optional) -------------------------------------------------------
    def _mass_send(self, client, job: DeliveryJob, record: WeChatPublication) -> None:
        tag_id = job.outlet.config.get("mass_send_tag_id")
        if not tag_id or not record.mass_draft_media_id or record.mass_msg_id:
            return
        try:
            answer = client.mass_tag.send_article(tag_id, record.mass_draft_media_id,
                                                  clientmsgid=job.idempotency_key[:64])
            self.records.save(record, mass_msg_id=str(answer.get("msg_id")), mass_note="已群发")
        except WeChatClientException as exc:
            code = errcode_of(exc)
            if code == MASS_DUPLICATE:
                self.records.save(record, mass_msg_id=str(getattr(exc, "msg_id", "") or "dup"),
                                  mass_note="已群发（重复请求已被微信识别）")
                return
            note = f"未群发：{describe(code, exc.errmsg)}（微信错误码 {code}）"
            if code == NO_MASS_QUOTA:
                note = "未群发：今日群发次数已用完（微信错误码 45028）"
            self.records.save(record, mass_note=note)
            log.warning("delivery %s: mass send to tag %s refused (%s)", job.delivery_id,
                        tag_id, code)
        except requests.RequestException:
            log.warning("delivery %s: mass send's answer lost", job.delivery_id)

    # -- withdraw ----------------------------------------------------------------------------
    def withdraw(self, job: DeliveryJob) -> None:
        record = self.records.existing(job.idempotency_key)
        if record is None or record.status in ("deleted", "failed", "new"):
            return
        client = self.client_for(job.outlet)
        try:
            self._withdraw(client, job, record)
        except (WeChatClientException, requests.RequestException) as exc:
            raise classify(exc, doing="从公众号撤回") from None

    def _withdraw(self, client, job: DeliveryJob, record: WeChatPublication) -> None:
        if record.status == "submitting":
            found = self._find_published(client, record)
            if found is None and not self._draft_gone(client, record) \
                    and self._grace_left(record) <= 0:
                self._delete_draft(client, record)
                return
            if found is None:
                raise TransientError("文章是否已发出尚待微信确认，稍后再撤回")
            record = self._settled_quietly(record, found)
        elif record.status == "submitted":
            if not self.records.take_call(record.appid, "freepublish_get",
                                          self.settings.poll_budget):
                raise TransientError("今日发布状态查询额度已用完，明日再撤回")
            answer = client.freepublish.get(record.publish_id)
            record = self._settled_quietly(record, outcome_from_status(record.publish_id,
                                                                      answer))
        if record.status == "published" and record.article_id:
            self._delete_article(client, record)
        elif record.status == "submitted":
            raise TransientError("文章仍在发布中，发布完成后撤回")
        elif record.status == "drafted":
            self._delete_draft(client, record)

    def _settled_quietly(self, record: WeChatPublication, outcome: JobOutcome):
        with contextlib.suppress(PermanentError, TransientError):
            self.settle(record, outcome)  # raises when it did not get published: nothing to do
        return self.records.existing(record.idempotency_key)

    def _delete_article(self, client, record: WeChatPublication) -> None:
        try:
            client.freepublish.delete(record.article_id, 0)
        except WeChatClientException as exc:
            if exc.errcode != 53600:  # "Article ID 无效": already gone
                raise
        self.records.save(record, status="deleted", deleted_at=utcnow())

    def _delete_draft(self, client, record: WeChatPublication) -> None:
        try:
            client.draft.delete(record.draft_media_id)
        except WeChatClientException as exc:
            if exc.errcode != 40007:
                raise
        self.records.save(record, status="deleted", deleted_at=utcnow())

    # -- pictures ----------------------------------------------------------------------------
    def _cover(self, cover_url: str | None) -> bytes | None:
        if not cover_url:
            return None
        data = self.image_bytes(cover_url)
        if data is None:
            raise TransientError("封面图片暂时取不到")
        return data

    def _upload_images(self, client, article: render.Article) -> dict[str, str | None]:
        uploaded: dict[str, str | None] = {}
        for src in article.image_sources:
            uploaded[src] = self._upload_one(client, src)
        return uploaded

    def _upload_one(self, client, src: str) -> str | None:
        """The WeChat URL of one body image, or None if this image cannot go (it is left
        out, its alt text kept); a passing failure (network, busy) fails the attempt."""
        data = self.image_bytes(src)
        if data is None:
            log.warning("article image not available, left out: %s", src[:200])
            return None
        try:
            return client.upload_article_image(render.body_image(data))
        except ImageRejected as exc:
            log.warning("article image refused, left out (%s): %s", exc.reason, src[:200])
            return None
        except WeChatClientException as exc:
            error = classify(exc, doing="上传正文图片")
            if error.transient or exc.errcode in (40001, 40014, 42001, QUOTA_TODAY):
                raise
            log.warning("WeChat refused an article image (%s), left out", exc.errcode)
            return None


def outcome_from_status(publish_id: str, answer: dict) -> JobOutcome:
    items = (answer.get("article_detail") or {}).get("item") or []
    url = items[0].get("article_url") if items else None
    return JobOutcome(publish_id, int(answer.get("publish_status", -1)),
                      answer.get("article_id"), url)


def published_receipt(record: WeChatPublication) -> Receipt:
    return Receipt(external_id=record.article_id, external_url=record.article_url)
