"""Sources and where they are recorded. A source is an outlet's own name (`led`, `splash`,
`wechat`, `web`, ...: the outlet puts it as `src` on the links it shows), a 地推 code
(`dt-<id>`), `share` (a member's share link) or `direct` (opened in the mini-program without
any). A source that does not look like one is dropped, never refused: a link someone edited
still opens.

A member's first visit to a campaign keeps its source for the funnel; every visit with a
source moves the member's last source; verification keeps the last source if it is recent
(ATTRIBUTION_WINDOW), as the one that brought the member to verify."""

from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from hub.attribution.models import CampaignVisit, MemberSource
from hub.db import utcnow

log = logging.getLogger("hub.attribution")
CODE_PREFIX = "dt-"
SHARE, DIRECT = "share", "direct"
ATTRIBUTION_WINDOW = dt.timedelta(days=7)
MAX_LENGTH = 32
_OUTLET = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
_CODE = re.compile(r"^dt-[1-9][0-9]{0,9}$")


def clean(src: str | None) -> str | None:
    """The source a link carries, or None when it carries none or an edited one."""
    if not src:
        return None
    src = src.strip().lower()
    return src if _OUTLET.match(src) or _CODE.match(src) else None


def code_source(code_id: int) -> str:
    return f"{CODE_PREFIX}{code_id}"


def code_id_of(source: str) -> int | None:
    return int(source[len(CODE_PREFIX):]) if _CODE.match(source or "") else None


def record_landing_view(db: Session, campaign_id: int, src: str | None) -> None:
    """A view of the public landing page: counted under its source (or `direct`). A count
    that cannot be written (the database busy under a rush of scans) is left out, said in
    the log: the member still gets the page."""
    db.add(CampaignVisit(campaign_id=campaign_id, identity_id=None, source=src or DIRECT))
    try:
        db.commit()
    except SQLAlchemyError as exc:
        db.rollback()
        log.warning("landing view of campaign %s not counted: %s", campaign_id,
                    type(exc).__name__)


def record_member_visit(db: Session, identity_id: int, campaign_id: int | None,
                        src: str | None, shared_by: int | None) -> None:
    """A member opened a campaign (or a shared post, campaign_id None) from `src`, or from
    a share by `shared_by`: the campaign's funnel keeps their first visit, their own record
    its first and last source. Committed here: a read page writes nothing else."""
    source = src or (SHARE if shared_by else None)
    if campaign_id is not None:
        _first_visit(db, identity_id, campaign_id, source or DIRECT)
    if source is not None:
        _note_source(db, identity_id, campaign_id, source, shared_by)
    db.commit()


def _first_visit(db: Session, identity_id: int, campaign_id: int, source: str) -> None:
    seen = db.scalar(select(CampaignVisit.id).where(CampaignVisit.campaign_id == campaign_id,
                                                    CampaignVisit.identity_id == identity_id))
    if seen is not None:
        return
    try:
        with db.begin_nested():  # two taps at once: the second finds the first's row
            db.add(CampaignVisit(campaign_id=campaign_id, identity_id=identity_id,
                                 source=source))
    except IntegrityError:
        pass


def _note_source(db: Session, identity_id: int, campaign_id: int | None, source: str,
                 shared_by: int | None) -> None:
    now = utcnow()
    row = db.get(MemberSource, identity_id)
    if row is None:
        try:
            with db.begin_nested():
                db.add(MemberSource(identity_id=identity_id, first_source=source,
                                    first_campaign_id=campaign_id, first_at=now,
                                    last_source=source, last_campaign_id=campaign_id,
                                    last_at=now, shared_by_id=shared_by))
            return
        except IntegrityError:  # another request's row, or an identity since deleted
            row = db.get(MemberSource, identity_id)
            if row is None:
                return
    row.last_source, row.last_campaign_id, row.last_at = source, campaign_id, now
    if row.shared_by_id is None and shared_by is not None:
        row.shared_by_id = shared_by


def record_verification(db: Session, identity_id: int) -> None:
    """The member just verified: keep the source that brought them, if recent."""
    row = db.get(MemberSource, identity_id)
    if row is None or row.verified_at is not None:
        return
    now = utcnow()
    row.verified_at = now
    if now - row.last_at <= ATTRIBUTION_WINDOW:
        row.verified_source = row.last_source
    db.commit()


def sources_of(db: Session, identity_id: int) -> dict | None:
    row = db.get(MemberSource, identity_id)
    if row is None:
        return None
    return {"first_source": row.first_source, "last_source": row.last_source,
            "shared_by": row.shared_by_id, "verified_source": row.verified_source}
