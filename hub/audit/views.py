"""Editor API for reading the audit log of an account and its subtree."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, g
from pydantic import BaseModel, ConfigDict, Field

from hub.accounts.services import get_account
from hub.api import route
from hub.audit import services
from hub.clock import as_utc, local_iso
from hub.users.permissions import require_role

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str = Field(description="账号代码：列出该账号及其全部下级账号的事件")
    action: str | None = Field(default=None, max_length=64,
                               description="动作前缀，如 post. 或 member.lookup")
    actor: str | None = Field(default=None, max_length=64,
                              description="操作者用户名（系统自动操作为 system）")
    subject_type: str | None = Field(default=None, max_length=32, description="对象类型，如 post")
    subject_id: int | None = Field(default=None, description="对象编号（配合 subject_type）")
    since: dt.datetime | None = Field(default=None,
                                      description="起始时间（含），无时区按北京时间")
    until: dt.datetime | None = Field(default=None,
                                      description="截止时间（不含），无时区按北京时间")
    limit: int = Field(default=100, ge=1, le=500)
    before: int | None = Field(default=None, ge=1, description="游标：上一页的 next_before")


class AuditOut(BaseModel):
    id: int
    at: str
    actor: str
    account: str | None
    action: str
    subject_type: str
    subject_id: int | None
    detail: dict


class AuditList(BaseModel):
    events: list[AuditOut]
    next_before: int | None = Field(
        description="下一页的游标（作为 before 传回）；没有更多时为 null")


def filters_of(query: AuditQuery) -> services.Filters:
    return services.Filters(
        action=query.action or None, actor=query.actor or None,
        subject_type=query.subject_type or None, subject_id=query.subject_id,
        since=as_utc(query.since) if query.since else None,
        until=as_utc(query.until) if query.until else None)


@route(bp, "/audit", "GET", summary="Audit events of an account and its subtree, newest first, "
       "filtered by action prefix, actor, subject and time (reviewers and admins)", tag="audit",
       query=AuditQuery, response=AuditList)
def list_audit(query: AuditQuery):
    account = get_account(g.db, query.account)
    require_role(g.db, g.user, account, "reviewer", "admin")
    rows = services.search(g.db, account, filters_of(query), before=query.before,
                           limit=query.limit)
    events = [AuditOut(id=e.id, at=local_iso(e.at), actor=e.actor_name, account=code,
                       action=e.action, subject_type=e.subject_type, subject_id=e.subject_id,
                       detail=e.detail) for e, code, _ in rows]
    next_before = events[-1].id if len(events) == query.limit else None
    return AuditList(events=events, next_before=next_before)
