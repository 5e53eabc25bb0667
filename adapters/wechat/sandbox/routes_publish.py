"""WeChat's draft box and publishing calls: `draft/add|get`, `freepublish/submit|get|delete`."""

from __future__ import annotations

import re
import secrets
from html import unescape
from typing import Any

from flask import Blueprint, Response

from .content_filter import clean_article_html
from .errors import WeChatError
from .guard import with_access_token
from .jobs import STATUS_DELETED, STATUS_PUBLISHING, finish_publish
from .records import AppRecord, Draft, PublishJob
from .runtime import SandboxRuntime
from .wire import json_body, ok, wechat_json

bp = Blueprint("wechat_publish", __name__)

MAX_ARTICLES = 8
TITLE_MAX_CHARS = 32
AUTHOR_MAX_CHARS = 16
DIGEST_MAX_CHARS = 128
CONTENT_MAX_CHARS = 20_000 - 1  # "必须少于2万字符"
CONTENT_MAX_BYTES = 1024 * 1024 - 1  # "小于1M"
SOURCE_URL_MAX_BYTES = 1024
AUTO_DIGEST_CHARS = 54  # without a digest, WeChat takes the body's first 54 characters

# Errors a publish_fail fault can make freepublish/submit answer at once.
SUBMIT_ERRCODES = {48001, 53503, 53504, 53505}
# Statuses a publish_fail fault can make an accepted job finish with.
FAILED_STATUSES = {2, 3, 4}

_TAG = re.compile(r"<[^>]*>")


def require_official_account(app: AppRecord) -> None:
    if app.account_type == "miniprogram":
        raise WeChatError(48001)


def _text(article: dict[str, Any], name: str) -> str:
    value = article.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise WeChatError(47001)
    return value


def _flag(article: dict[str, Any], name: str) -> int:
    value = article.get(name, 0)
    return 1 if value in (1, "1", True) else 0


def _check_lengths(title: str, author: str, digest: str, content: str,
                   source_url: str) -> None:
    if not title:
        raise WeChatError(40227)
    if len(title) > TITLE_MAX_CHARS:
        raise WeChatError(45003)
    if len(author) > AUTHOR_MAX_CHARS:
        raise WeChatError(45110)
    if len(digest) > DIGEST_MAX_CHARS:
        raise WeChatError(45004)
    if not content:
        raise WeChatError(44003)
    if len(content) > CONTENT_MAX_CHARS or len(content.encode("utf-8")) > CONTENT_MAX_BYTES:
        raise WeChatError(45002)
    if len(source_url.encode("utf-8")) > SOURCE_URL_MAX_BYTES:
        raise WeChatError(45005)


def stored_article(rt: SandboxRuntime, app: AppRecord, article: object) -> dict[str, Any]:
    """One article of draft/add as WeChat keeps it, or the error WeChat answers."""
    if not isinstance(article, dict):
        raise WeChatError(47001)
    title, author, digest = (_text(article, n) for n in ("title", "author", "digest"))
    content = _text(article, "content")
    source_url = _text(article, "content_source_url")
    _check_lengths(title, author, digest, content, source_url)
    thumb = app.materials.get(_text(article, "thumb_media_id"))
    if thumb is None:
        raise WeChatError(40007)
    cleaned, _ = clean_article_html(content, app.allowed_image_urls(), f"{rt.base_url()}/s/")
    return {
        "title": title,
        "author": author,
        "digest": digest or unescape(_TAG.sub("", cleaned))[:AUTO_DIGEST_CHARS],
        "content": cleaned,
        "content_source_url": source_url,
        "thumb_media_id": _text(article, "thumb_media_id"),
        "thumb_url": thumb.url,
        "need_open_comment": _flag(article, "need_open_comment"),
        "only_fans_can_comment": _flag(article, "only_fans_can_comment"),
    }


@bp.post("/cgi-bin/draft/add")
@with_access_token
def add_draft(rt: SandboxRuntime, app: AppRecord) -> Response:
    require_official_account(app)
    articles = json_body().get("articles")
    if not isinstance(articles, list) or not articles:
        raise WeChatError(44003)
    if len(articles) > MAX_ARTICLES:
        raise WeChatError(45008)
    with rt.state.lock:
        stored = [stored_article(rt, app, article) for article in articles]
        app.take_quota(rt.settings, "draft_add", rt.state.now())
        draft = Draft(secrets.token_urlsafe(32), stored, rt.state.now())
        app.drafts[draft.media_id] = draft
    return wechat_json({"media_id": draft.media_id, "item": []})


def live_draft(app: AppRecord, media_id: object) -> Draft:
    """A draft still in the draft box, or 40007 as WeChat answers for any other media_id."""
    draft = app.drafts.get(media_id) if isinstance(media_id, str) else None
    if draft is None or draft.removed_because is not None:
        raise WeChatError(40007)
    return draft


@bp.post("/cgi-bin/draft/get")
@with_access_token
def get_draft(rt: SandboxRuntime, app: AppRecord) -> Response:
    media_id = json_body().get("media_id")
    with rt.state.lock:
        draft = live_draft(app, media_id)
        base_url = rt.base_url()
        items = [{**article, "url": f"{base_url}/s/draft/{draft.media_id}?idx={idx}"}
                 for idx, article in enumerate(draft.articles, start=1)]
    return wechat_json({"news_item": items})


def _planned_outcome(app: AppRecord) -> int:
    """The status the next job will finish with, or raise the error a fault asks for."""
    planned = app.faults.take_publish_fail()
    if planned is None:
        return 0
    if int(planned) in SUBMIT_ERRCODES:
        raise WeChatError(int(planned))
    return int(planned)


@bp.post("/cgi-bin/freepublish/submit")
@with_access_token
def submit_publish(rt: SandboxRuntime, app: AppRecord) -> Response:
    require_official_account(app)
    media_id = json_body().get("media_id")
    with rt.state.lock:
        draft = live_draft(app, media_id)
        app.take_quota(rt.settings, "freepublish_submit", rt.state.now())
        status = _planned_outcome(app)
        serial = rt.state.next_serial()
        job = PublishJob(
            publish_id=str(2_247_483_647 + serial),
            msg_data_id=str(2_247_483_647 + serial * 7),
            media_id=draft.media_id,
            articles=draft.articles,
            submitted_at=rt.state.now(),
            planned_status=status,
        )
        app.publishes[job.publish_id] = job
        generation = rt.state.generation
    rt.background.later(rt.settings.publish_delay, finish_publish, rt, app.appid,
                        job.publish_id, generation)
    return ok(publish_id=job.publish_id, msg_data_id=job.msg_data_id)


@bp.post("/cgi-bin/draft/delete")
@with_access_token
def delete_draft(rt: SandboxRuntime, app: AppRecord) -> Response:
    media_id = json_body().get("media_id")
    with rt.state.lock:
        draft = live_draft(app, media_id)
        draft.removed_because = "deleted"
    return ok()


def publish_status_body(job: PublishJob) -> dict[str, Any]:
    body: dict[str, Any] = {"publish_id": job.publish_id, "publish_status": job.status}
    if job.article_id is not None:
        body["article_id"] = job.article_id
        body["article_detail"] = {
            "count": len(job.article_urls),
            "item": [{"idx": idx, "article_url": url}
                     for idx, url in enumerate(job.article_urls, start=1)],
        }
    body["fail_idx"] = list(job.fail_idx)
    return body


@bp.post("/cgi-bin/freepublish/get")
@with_access_token
def get_publish_status(rt: SandboxRuntime, app: AppRecord) -> Response:
    publish_id = str(json_body().get("publish_id", ""))
    with rt.state.lock:
        app.take_quota(rt.settings, "freepublish_get", rt.state.now())
        job = app.publishes.get(publish_id)
        if job is None:
            raise WeChatError(40007, "publish_id")
        return wechat_json(publish_status_body(job))


BATCHGET_MAX = 20


def _published_item(rt: SandboxRuntime, job: PublishJob, with_content: bool) -> dict[str, Any]:
    news = []
    for idx, (article, url) in enumerate(zip(job.articles, job.article_urls, strict=False),
                                         start=1):
        item = {**article, "url": url, "is_deleted": idx in job.deleted_idx}
        if not with_content:
            item.pop("content", None)
        news.append(item)
    return {"article_id": job.article_id, "content": {"news_item": news},
            "update_time": int(job.finished_at or job.submitted_at)}


@bp.post("/cgi-bin/freepublish/batchget")
@with_access_token
def list_published(rt: SandboxRuntime, app: AppRecord) -> Response:
    """Published articles, newest first, as WeChat lists them (deleted ones flagged)."""
    body = json_body()
    try:
        offset, count = int(body.get("offset", 0)), int(body.get("count", 0))
    except (TypeError, ValueError) as exc:
        raise WeChatError(47001) from exc
    if offset < 0 or not 1 <= count <= BATCHGET_MAX:
        raise WeChatError(47001)
    with_content = body.get("no_content") in (0, "0", False, None)
    with rt.state.lock:
        jobs = sorted((job for job in app.publishes.values() if job.article_id is not None),
                      key=lambda job: (job.finished_at or 0, job.publish_id), reverse=True)
        items = [_published_item(rt, job, with_content) for job in jobs[offset:offset + count]]
        return wechat_json({"total_count": len(jobs), "item_count": len(items),
                            "item": items})


def _article_index(body: dict[str, Any], job: PublishJob) -> int:
    try:
        index = int(body.get("index") or 0)
    except (TypeError, ValueError) as exc:
        raise WeChatError(40060) from exc
    if not 0 <= index <= len(job.articles):
        raise WeChatError(40060)
    return index


@bp.post("/cgi-bin/freepublish/delete")
@with_access_token
def delete_published(rt: SandboxRuntime, app: AppRecord) -> Response:
    body = json_body()
    article_id = body.get("article_id")
    with rt.state.lock:
        job = app.find_publish_by_article(article_id) if isinstance(article_id, str) else None
        if job is None or job.status == STATUS_PUBLISHING:
            raise WeChatError(53600)
        index = _article_index(body, job)
        # index 0 (or none) deletes every article of the publication.
        job.deleted_idx |= set(range(1, len(job.articles) + 1)) if index == 0 else {index}
        if len(job.deleted_idx) == len(job.articles):
            job.status = STATUS_DELETED
        app.deletions.append({"article_id": article_id, "index": index,
                              "at": rt.state.now()})
    return ok()
