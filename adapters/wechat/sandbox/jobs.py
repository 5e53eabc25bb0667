"""Work that finishes after the call that started it: publish jobs, mass sends, their events."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from .callbacks import (
    SignedPush,
    mass_send_job_finish_xml,
    publish_job_finish_xml,
    record_attempt,
    sign_push,
)
from .records import AppRecord, CallbackRecord, PublishJob
from .runtime import SandboxRuntime

STATUS_PUBLISHED = 0
STATUS_PUBLISHING = 1
STATUS_DELETED = 5
# Statuses for which WeChat lists the refused articles in fail_idx.
STATUSES_WITH_FAIL_IDX = (2, 4)


def article_url(base_url: str, article_id: str, idx: int) -> str:
    return f"{base_url}/s/{article_id}?idx={idx}"


@dataclass
class PendingPush:
    appid: str
    record: CallbackRecord
    url: str
    push: SignedPush
    generation: int


def prepare_push(rt: SandboxRuntime, app: AppRecord, event: str, key: str, xml: str,
                 droppable: bool) -> PendingPush | None:
    """Record a push about to be sent; None when there is nothing to send. Hold the lock."""
    record = CallbackRecord(event=event, key=key)
    app.callbacks.append(record)
    if not app.callback_url:
        record.attempts.append({"try": 0, "at": rt.state.now(), "outcome": "no callback_url"})
        return None
    if droppable and app.faults.take_drop_callback():
        record.dropped = True
        return None
    push = sign_push(app, xml, int(rt.state.now()))
    return PendingPush(app.appid, record, app.callback_url, push, rt.state.generation)


def deliver(rt: SandboxRuntime, pending: PendingPush) -> None:
    """Send a push, recording each try; call without holding the lock."""
    for attempt in rt.sender.attempts(pending.url, pending.push):
        with rt.state.lock:
            if rt.state.generation != pending.generation:
                return
            record_attempt(pending.record, attempt, rt.state.now())
            rt.state.touch(pending.appid)


def _complete(rt: SandboxRuntime, app: AppRecord, job: PublishJob) -> None:
    now = rt.state.now()
    job.status = job.planned_status
    job.finished_at = now
    if job.status == STATUS_PUBLISHED:
        job.article_id = secrets.token_urlsafe(32)
        base_url = rt.state.base_url or ""
        job.article_urls = [article_url(base_url, job.article_id, idx)
                            for idx in range(1, len(job.articles) + 1)]
        draft = app.drafts.get(job.media_id)
        # WeChat takes a draft out of the draft box once it is published.
        if draft is not None and draft.removed_because is None:
            draft.removed_because = "published"
    elif job.status in STATUSES_WITH_FAIL_IDX:
        job.fail_idx = list(range(1, len(job.articles) + 1))


def finish_publish(rt: SandboxRuntime, appid: str, publish_id: str, generation: int) -> None:
    """End a publish job and push PUBLISHJOBFINISH, as WeChat does some time after submit."""
    with rt.state.lock:
        app = rt.state.app(appid)
        job = app.publishes.get(publish_id) if app else None
        if rt.state.generation != generation or app is None or job is None:
            return
        if job.status != STATUS_PUBLISHING:
            return
        _complete(rt, app, job)
        xml = publish_job_finish_xml(app, job, int(rt.state.now()))
        pending = prepare_push(rt, app, "PUBLISHJOBFINISH", publish_id, xml, droppable=True)
    rt.state.save_touched()  # the outcome is kept before the event about it goes out
    if pending is not None:
        deliver(rt, pending)


def finish_mass_send(rt: SandboxRuntime, appid: str, msg_id: int, generation: int) -> None:
    """Mark a mass send as delivered and push MASSSENDJOBFINISH."""
    with rt.state.lock:
        app = rt.state.app(appid)
        if rt.state.generation != generation or app is None:
            return
        send = next((s for s in app.mass_sends if s["msg_id"] == msg_id), None)
        if send is None:
            return
        send["status"] = "send success"
        xml = mass_send_job_finish_xml(app, send, int(rt.state.now()))
        pending = prepare_push(rt, app, "MASSSENDJOBFINISH", str(msg_id), xml, droppable=False)
    if pending is not None:
        deliver(rt, pending)


def resume_unfinished(rt: SandboxRuntime) -> None:
    """Finish what a stopped sandbox left running (loaded from its state file): publish
    jobs still publishing and mass sends still sending end, and push their events, as if
    nothing had happened."""
    with rt.state.lock:
        generation = rt.state.generation
        publishing = [(app.appid, job.publish_id) for app in rt.state.apps.values()
                      for job in app.publishes.values() if job.status == STATUS_PUBLISHING]
        sending = [(app.appid, send["msg_id"]) for app in rt.state.apps.values()
                   for send in app.mass_sends if send["status"] == "sending"]
    for appid, publish_id in publishing:
        rt.background.later(rt.settings.publish_delay, finish_publish, rt, appid, publish_id,
                            generation)
    for appid, msg_id in sending:
        rt.background.later(rt.settings.publish_delay, finish_mass_send, rt, appid, msg_id,
                            generation)
