"""The console's audit page: who changed what, and who looked at whose personal data, on an
account and everything beneath it, with the same filters as GET /api/v1/audit."""

from __future__ import annotations

import datetime as dt
import json

from flask import g, render_template, request

from hub.audit import services as audit
from hub.clock import as_utc, to_local
from hub.console import audit_wording as wording
from hub.console.blueprint import bp
from hub.console.views import account_for
from hub.users.permissions import require_role

PAGE_SIZE = 50
READERS = ("reviewer", "admin")


def _day(name: str) -> tuple[str, dt.date | None]:
    """A date field of the filter form; what is not a date is left out rather than refused."""
    raw = (request.args.get(name) or "").strip()
    try:
        return raw, dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return "", None


def _start_of(day: dt.date | None) -> dt.datetime | None:
    return as_utc(dt.datetime.combine(day, dt.time())) if day else None


def _filters() -> tuple[audit.Filters, dict]:
    """The page's filters, and the values to put back in its form."""
    form = {key: (request.args.get(key) or "").strip()[:64]
            for key in ("action", "actor", "subject_type")}
    subject_id = request.args.get("subject_id", type=int)
    form["subject_id"] = subject_id if subject_id is not None else ""
    form["since"], since = _day("since")
    form["until"], until = _day("until")
    filters = audit.Filters(
        action=form["action"] or None, actor=form["actor"] or None,
        subject_type=form["subject_type"] or None, subject_id=subject_id,
        since=_start_of(since),
        until=_start_of(until + dt.timedelta(days=1)) if until else None)  # the whole last day
    return filters, form


@bp.get("/a/<code>/audit")
def account_audit(code: str):
    account = account_for(code)
    require_role(g.db, g.user, account, *READERS)
    filters, form = _filters()
    before = request.args.get("before", type=int)
    rows = audit.search(g.db, account, filters, before=before, limit=PAGE_SIZE)
    found = [event for event, _, _ in rows]
    readings = wording.read(found, wording.names_on_page(g.db, found))
    events = [{"reading": reading, "account": name or code, "at": to_local(reading.event.at),
               "codes": _codes(reading.event)}
              for reading, (_, code, name) in zip(readings, rows, strict=True)]
    next_before = rows[-1][0].id if len(rows) == PAGE_SIZE else None
    prefixes = wording.prefix_labels()
    chosen = form["action"] and form["action"] not in prefixes and wording.action_name(
        form["action"], wording.action_names(), prefixes)
    return render_template("console/audit.html", account=account, page="audit", events=events,
                           form=form, next_before=next_before, prefixes=prefixes,
                           chosen_action=chosen, subjects=audit.subject_labels())


def _codes(event) -> str:
    """The event as the API gives it, for those who need the codes: action, subject, detail."""
    subject = f"{event.subject_type}" + (f" #{event.subject_id}" if event.subject_id else "")
    detail = json.dumps(event.detail or {}, ensure_ascii=False, default=str)
    return f"{event.action} · {subject} · {event.actor_name} · {detail}"
