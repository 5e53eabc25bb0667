"""Editor API for reading the audit log of an account and its subtree."""

from __future__ import annotations

from flask import Blueprint, g
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from hub.accounts.models import Account
from hub.accounts.services import get_account
from hub.api import route
from hub.audit.models import AuditEvent
from hub.clock import local_iso
from hub.users.permissions import require_role

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str
    limit: int = Field(default=100, ge=1, le=500)
    before: int | None = None


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
    next_before: int | None


@route(bp, "/audit", "GET", summary="Audit events of an account and its subtree (reviewers and "
       "admins)", tag="audit", query=AuditQuery, response=AuditList)
def list_audit(query: AuditQuery):
    account = get_account(g.db, query.account)
    require_role(g.db, g.user, account, "reviewer", "admin")
    stmt = (select(AuditEvent, Account.code).join(Account, AuditEvent.account_id == Account.id)
            .where(Account.path.startswith(account.path)))
    if query.before:
        stmt = stmt.where(AuditEvent.id < query.before)
    rows = g.db.execute(stmt.order_by(AuditEvent.id.desc()).limit(query.limit)).all()
    events = [AuditOut(id=e.id, at=local_iso(e.at), actor=e.actor_name, account=code,
                       action=e.action, subject_type=e.subject_type, subject_id=e.subject_id,
                       detail=e.detail) for e, code in rows]
    next_before = events[-1].id if len(events) == query.limit else None
    return AuditList(events=events, next_before=next_before)
