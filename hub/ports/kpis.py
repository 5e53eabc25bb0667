"""KPIs: what outlets saw (plays, impressions, reads), counted for their accounts (hub.kpis)."""

from __future__ import annotations

from sqlalchemy.orm import Session


def count_kpis(db: Session, metric: str, account_id: int, times) -> None:
    """Events of one account's outlet at `times` (e.g. `"led_plays"` of a screen), added to
    that day's KPI of the account and of every account above it, in the caller's transaction
    (count them where a resent batch is already refused, so each counts once)."""
    from hub.kpis import counting

    counting.count_events(db, metric, account_id, times)


def count_outlet_kpis(db: Session, events) -> None:
    """Events as (outlet id, metric, when), e.g. `"splash_impressions"`, counted for each
    outlet's account like `count_kpis`; an event with outlet None is not counted."""
    from hub.kpis import counting

    counting.count_outlet_events(db, events)


def report_outlet_reads(db: Session, outlet_id: int, day, reads: int) -> int:
    """An outlet's own count of a day's reads (e.g. WeChat's article figures, pulled the next
    day), added to the reads of its account and those above; reporting a day again replaces
    its figure (idempotent). In the caller's transaction; returns what changed."""
    from hub.kpis import counting

    return counting.record_outlet_reads(db, outlet_id, day, reads)


def outlet_reads_reported(db: Session, outlet_id: int, day) -> bool:
    """Whether the outlet's reads of `day` were reported already (a daily pull's check)."""
    from hub.kpis import counting

    return counting.outlet_reads_recorded(db, outlet_id, day)


def count_site_read(account_id: int) -> None:
    """The current request is a visit to a post page of `account_id`'s site: a read, if a
    reader (not a robot, by the rule in `hub.kpis.counting`) made it. Written on its own."""
    from hub.kpis import counting

    counting.count_site_read(account_id)
