"""WeChat's own article figures, pulled once a day for each bound official account and reported
to the hub as the account's reads (`hub.ports.report_outlet_reads`).

WeChat's datacube gives a day's figures the next day, one day per call: `getarticlesummary`
for that day lists every article read on it with the day's own reads (int_page_read_count),
whatever day the article was sent. Their sum is the account's WeChat reads of the day
(`getarticletotal`'s running totals over an article's first week would count the same reads
again). The pull runs from the scheduler's tick, for yesterday (Beijing time), and skips an
outlet whose day the hub already has, so a restart or a second process never asks WeChat (or
counts) twice; `pull(day)` asks again and replaces the day's figure (a correction).
"""

from __future__ import annotations

import datetime as dt
import logging

import requests
from wechatpy.exceptions import WeChatClientException

from hub import ports
from hub.channels import DeliveryError
from hub.clock import SHANGHAI
from hub.errors import HubError

log = logging.getLogger("adapters.wechat.reads")


class ArticleReads:
    def __init__(self, channel) -> None:
        self.channel = channel
        self.done_for: dt.date | None = None  # this process pulled every outlet for this day

    def tick(self, now: dt.datetime | None = None) -> None:
        """Yesterday's figures of every official account not pulled yet (once a day)."""
        yesterday = (now or dt.datetime.now(dt.UTC)).astimezone(SHANGHAI).date() - dt.timedelta(
            days=1)
        if self.done_for == yesterday:
            return
        if self.pull(yesterday, again=False) == 0:
            self.done_for = yesterday

    def pull(self, day: dt.date, *, again: bool = True) -> int:
        """Pull `day` for every official account (only those not reported yet unless `again`);
        returns how many could not be pulled (tried again on a later tick)."""
        failed = 0
        channel = self.channel
        with channel.sessions() as db:
            outlets = [outlet for outlet in ports.outlets(db, "wechat",
                                                          hub_secret=channel.config.secret())
                       if again or not ports.outlet_reads_reported(db, outlet.id, day)]
        for outlet in outlets:
            try:
                reads = self.reads_of(outlet, day)
            except (WeChatClientException, requests.RequestException, DeliveryError,
                    HubError) as exc:
                failed += 1
                log.warning("WeChat reads of %s on %s not pulled: %s", outlet.key, day,
                            getattr(exc, "errmsg", None) or type(exc).__name__)
                continue
            with channel.sessions() as db:
                ports.report_outlet_reads(db, outlet.id, day, reads)
                db.commit()
        return failed

    def reads_of(self, outlet, day: dt.date) -> int:
        client = self.channel.client_for(outlet)
        return sum(int(row.get("int_page_read_count", 0))
                   for row in client.datacube.get_article_summary(day, day))
