"""Writing audit events in the same transaction as the change they record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.audit.models import AuditEvent


def record(
    db: Session,
    *,
    actor,
    action: str,
    account_id: int | None,
    subject_type: str,
    subject_id: int | None,
    **detail,
) -> AuditEvent:
    """Add an audit event; `actor` is a User or None for the hub itself. Never pass secrets."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else "system",
        account_id=account_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )
    db.add(event)
    return event
