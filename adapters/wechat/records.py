"""What the adapter remembers between calls: each delivery's draft, publish job and article
(`wechat_publications`), and the daily budget of rationed calls. Short transactions only:
nothing here is held open across a call to WeChat."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from adapters.wechat.models import WeChatCallUsage, WeChatPublication
from hub.channels import DeliveryJob
from hub.ports import utcnow

BEIJING = ZoneInfo("Asia/Shanghai")


class Records:
    def __init__(self, sessions):
        self.sessions = sessions

    def for_job(self, job: DeliveryJob) -> WeChatPublication:
        """The record of this delivery on WeChat; a new delivery's is not written yet (its
        first `save`, before anything is published, writes it): one commit fewer each."""
        found = self.existing(job.idempotency_key)
        if found is not None:
            return found
        return WeChatPublication(
            idempotency_key=job.idempotency_key, delivery_id=job.delivery_id,
            appid=job.outlet.key, post_id=job.post.id, title=job.post.title[:100],
            status="new", checks=0)

    def existing(self, idempotency_key: str) -> WeChatPublication | None:
        with self.sessions() as db:
            return db.scalar(select(WeChatPublication).where(
                WeChatPublication.idempotency_key == idempotency_key))

    def save(self, record: WeChatPublication, **changes) -> WeChatPublication:
        """Write `changes` now (committed before the next call to WeChat) and return the row:
        one statement (the row's first save inserts it)."""
        changes["updated_at"] = utcnow()
        with self.sessions() as db:
            if record.id is None:
                row = db.scalar(self._insert(db, record, changes))
            else:
                row = db.scalar(update(WeChatPublication)
                                .where(WeChatPublication.id == record.id)
                                .values(**changes).returning(WeChatPublication)
                                .execution_options(synchronize_session=False))
            db.commit()
            return row

    @staticmethod
    def _insert(db, record: WeChatPublication, changes: dict):
        """The new row with `changes`; the same changes over a row already there."""
        dialect = postgresql if db.bind.dialect.name == "postgresql" else sqlite
        fields = {column: getattr(record, column) for column in (
            "idempotency_key", "delivery_id", "appid", "post_id", "title", "status",
            "checks")}
        return (dialect.insert(WeChatPublication).values(**{**fields, **changes})
                .on_conflict_do_update(index_elements=["idempotency_key"], set_=changes)
                .returning(WeChatPublication))

    def take_call(self, appid: str, api: str, limit: int) -> bool:
        """Count one call of a rationed API for today (Beijing); False once `limit` is used."""
        day = beijing_day()
        with self.sessions() as db:
            if db.get(WeChatCallUsage, (appid, day, api)) is None:
                db.add(WeChatCallUsage(appid=appid, day=day, api=api, used=0))
                try:
                    db.commit()
                except IntegrityError:
                    db.rollback()
            taken = db.execute(
                update(WeChatCallUsage)
                .where(WeChatCallUsage.appid == appid, WeChatCallUsage.day == day,
                       WeChatCallUsage.api == api, WeChatCallUsage.used < limit)
                .values(used=WeChatCallUsage.used + 1)
                .execution_options(synchronize_session=False))
            db.commit()
            return taken.rowcount == 1


def beijing_day(now: dt.datetime | None = None) -> str:
    return (now or utcnow()).astimezone(BEIJING).date().isoformat()


def seconds_to_beijing_midnight(now: dt.datetime | None = None) -> float:
    local = (now or utcnow()).astimezone(BEIJING)
    midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=5, second=0, microsecond=0)
    return (midnight - local).total_seconds()
