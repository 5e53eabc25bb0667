"""The figures behind an account's overview: what was published where, what failed, the
state of its outlets. Read-only queries over the account and everything beneath it."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub import channels
from hub.accounts.models import Account
from hub.clock import to_local
from hub.db import utcnow
from hub.deliveries.models import Delivery
from hub.kpis import services as kpis
from hub.outlets.models import Outlet
from hub.posts.models import Post

log = logging.getLogger("hub.console")
# What the screens and the app report back, as the KPIs count them per account.
SEEN_KPIS = {"led_plays": "大屏播放", "splash_impressions": "开屏曝光"}
SEEN_DAYS = 30
STATE_GROUP = {"delivered": "delivered", "pending": "waiting", "sending": "waiting",
               "retrying": "waiting", "failed": "failed", "withdrawn": "withdrawn"}


def _in_subtree(account: Account):
    return select(Account.id).where(Account.path.startswith(account.path))


def _label(channel: str) -> str:
    found = channels.get_channel(channel)
    return found.label if found else channel


def post_counts(db: Session, account: Account) -> dict[str, int]:
    rows = db.execute(select(Post.state, func.count(Post.id))
                      .where(Post.account_id.in_(_in_subtree(account)))
                      .group_by(Post.state))
    return dict(rows.all())


def published_per_day(db: Session, account: Account, days: int = 14) -> list[tuple[str, int]]:
    today = to_local(utcnow()).date()
    start = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(start, dt.time(), tzinfo=to_local(utcnow()).tzinfo)
    times = db.scalars(select(Post.published_at).where(
        Post.account_id.in_(_in_subtree(account)), Post.published_at >= since))
    per_day = Counter(to_local(t).date() for t in times)
    return [(f"{d.month}/{d.day}", per_day.get(d, 0))
            for d in (start + dt.timedelta(days=i) for i in range(days))]


def deliveries_by_channel(db: Session, account: Account, days: int = 30
                          ) -> list[tuple[str, dict[str, int]]]:
    since = utcnow() - dt.timedelta(days=days)
    rows = db.execute(select(Delivery.channel, Delivery.state, func.count(Delivery.id))
                      .where(Delivery.account_id.in_(_in_subtree(account)),
                             Delivery.goal != "notify", Delivery.created_at >= since)
                      .group_by(Delivery.channel, Delivery.state))
    grouped: dict[str, Counter] = defaultdict(Counter)
    for channel, state, count in rows:
        grouped[channel][STATE_GROUP.get(state, "waiting")] += count
    return [(_label(channel), dict(values)) for channel, values in sorted(grouped.items())]


def outlet_health(db: Session, account: Account) -> tuple[list[dict], list[dict]]:
    """Per channel: outlets bound, how many have broken credentials, and devices online and
    offline where the channel can tell (its `device_status`: each screen of an LED group
    counts); and the devices themselves, offline first, with their account and last seen."""
    from hub.outlets.services import outlet_info

    outlets = list(db.scalars(select(Outlet).where(
        Outlet.account_id.in_(_in_subtree(account)), Outlet.enabled.is_(True))))
    by_channel: dict[str, list[Outlet]] = defaultdict(list)
    for outlet in outlets:
        by_channel[outlet.channel].append(outlet)
    health, devices = [], []
    for name, group in sorted(by_channel.items()):
        row = {"channel": _label(name), "total": len(group),
               "broken": sum(1 for o in group if o.broken_reason), "devices": None,
               "online": None, "offline": None}
        channel = channels.get_channel(name)
        found = channel.device_status([outlet_info(o) for o in group]) if channel else []
        if found:
            row["devices"] = len(found)
            row["online"] = sum(1 for d in found if d["online"])
            row["offline"] = len(found) - row["online"]
            owners = {o.id: o for o in group}
            devices += [_device_row(d, owners.get(d["outlet_id"]), row["channel"])
                        for d in found]
        health.append(row)
    devices.sort(key=lambda d: (d["online"], d["account"], d["name"]))
    return health, devices


def _device_row(found: dict, outlet: Outlet | None, channel_label: str) -> dict:
    return {"channel": channel_label, "account": outlet.account.name if outlet else "",
            "name": found.get("name") or (outlet.name if outlet else ""),
            "online": bool(found.get("online")), "last_seen": to_local(found.get("last_seen"))}


def recent_posts(db: Session, account: Account, limit: int = 8) -> list[dict]:
    """Recently published posts and, per channel, how many of their deliveries arrived."""
    posts = list(db.scalars(select(Post).where(Post.account_id.in_(_in_subtree(account)),
                                               Post.published_at.is_not(None))
                            .order_by(Post.published_at.desc()).limit(limit)))
    if not posts:
        return []
    rows = db.execute(select(Delivery.post_id, Delivery.version, Delivery.channel,
                             Delivery.state, func.count(Delivery.id))
                      .where(Delivery.post_id.in_([p.id for p in posts]),
                             Delivery.goal != "notify")
                      .group_by(Delivery.post_id, Delivery.version, Delivery.channel,
                                Delivery.state))
    reach: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    versions = {p.id: p.version for p in posts}
    for post_id, version, channel, state, count in rows:
        if version == versions[post_id]:
            reach[post_id][_label(channel)][STATE_GROUP.get(state, "waiting")] += count
    seen = seen_per_post([p.id for p in posts])
    return [{"post": p, "reach": {label: dict(c) for label, c in reach[p.id].items()},
             "seen": seen.get(p.id, {})} for p in posts]


def seen_per_post(post_ids: list[int]) -> dict[int, dict[str, int]]:
    """What each outlet saw of each post (LED plays, splash impressions), as its adapter
    counts it; an adapter that fails is left out, never the overview."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for channel in channels.all_channels():
        try:
            figures = channel.post_figures(post_ids)
        except Exception:
            log.exception("figures of posts from %s failed", channel.name)
            continue
        for post_id, counts in figures.items():
            found[post_id].update(counts)
    return found


def seen_per_account(db: Session, account: Account) -> list[dict]:
    """LED plays and splash impressions over the last `SEEN_DAYS` days: the account's whole
    subtree first, then each account directly beneath that had any, by name."""
    rows = [_seen_row(account, kpis.kpis(db, account, SEEN_DAYS), whole=True)]
    children = kpis.children_of(db, account)
    below = kpis.kpis_of(db, children, SEEN_DAYS, within=account) if children else {}
    rows += [row for row in (_seen_row(child, below[child.id]) for child in children)
             if any(row["figures"].values())]
    return rows


def _seen_row(account: Account, series: dict, whole: bool = False) -> dict:
    return {"name": account.name, "whole": whole,
            "figures": {label: series[name].total for name, label in SEEN_KPIS.items()}}


def recent_failures(db: Session, account: Account, limit: int = 10) -> list[Delivery]:
    return list(db.scalars(select(Delivery).where(
        Delivery.account_id.in_(_in_subtree(account)), Delivery.state == "failed")
        .order_by(Delivery.updated_at.desc()).limit(limit)))


def titles_of(db: Session, deliveries: list[Delivery]) -> dict[int, str]:
    """The titles of the deliveries' posts: the overview names posts, never numbers them."""
    ids = {d.post_id for d in deliveries}
    return dict(db.execute(select(Post.id, Post.title).where(Post.id.in_(ids))).all()) \
        if ids else {}
