"""The console's audit page: who changed what, and who looked at whose personal data, on an
account and everything beneath it, with the same filters as GET /api/v1/audit."""

from __future__ import annotations

import datetime as dt
import json

from flask import g, render_template, request

from hub.audit import services as audit
from hub.clock import as_utc, to_local
from hub.console.blueprint import bp
from hub.console.views import account_for
from hub.users.permissions import require_role, roles_on

PAGE_SIZE = 50
READERS = ("reviewer", "admin")


@bp.app_template_filter("audit_value")
def audit_value(value):
    """A detail's value as an editor reads it: yes/no in Chinese, lists and maps as JSON."""
    from markupsafe import Markup

    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return Markup("<code>{}</code>").format(json.dumps(value, ensure_ascii=False))
    return value


@bp.app_template_global()
def may_read_audit(account) -> bool:
    """Whether the navigation shows the audit tab: reviewers and admins read the log."""
    return bool(g.user is not None and roles_on(g.db, g.user, account) & set(READERS))


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
    subjects = audit.subject_labels()
    rows = audit.search(g.db, account, filters, before=before, limit=PAGE_SIZE)
    events = [{"event": event, "account": name or code, "at": to_local(event.at),
               "label": audit.action_label(event.action),
               "subject": subjects.get(event.subject_type, event.subject_type)}
              for event, code, name in rows]
    next_before = rows[-1][0].id if len(rows) == PAGE_SIZE else None
    return render_template("console/audit.html", account=account, page="audit", events=events,
                           form=form, next_before=next_before, prefixes=audit.action_labels(),
                           subjects=subjects)
