"""What happens around a post going out or coming down, beyond its state.

The posts workflow calls these hooks inside its transaction; the delivery pipeline writes its
deliveries here, so a publication and its deliveries commit together or not at all.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub import campaigns, channels
from hub.channels import OutletInfo
from hub.deliveries import services as deliveries
from hub.outlets.services import reached_accounts, target_outlets


def on_published(db: Session, post) -> None:
    """A post went live: one delivery per target."""
    db.flush()
    deliveries.enqueue_publication(db, post)
    campaigns.on_post_published(db, post)


def on_republished(db: Session, post) -> None:
    """A live post was edited: its new version replaces the old on every outlet."""
    db.flush()
    deliveries.enqueue_new_version(db, post)


def on_withdrawn(db: Session, post) -> None:
    """A post was withdrawn or expired: take it down everywhere."""
    db.flush()
    deliveries.enqueue_withdrawal(db, post)
    campaigns.on_post_withdrawn(db, post)


def problems(db: Session, post) -> list[str]:
    """What the outlets the post would go to say stops it (their optional `check`, e.g.
    WeChat's 32-character titles), so an editor hears it before publishing, not after."""
    from hub.deliveries.queue import snapshot

    targets = []
    for outlet in target_outlets(db, post, [a for a, _ in reached_accounts(db, post)]):
        if getattr(channels.get_channel(outlet.channel), "check", None) is None:
            continue
        info = OutletInfo(id=outlet.id, channel=outlet.channel, key=outlet.key,
                          name=outlet.name, account_code=outlet.account.code,
                          config=dict(outlet.config or {}))
        targets.append((snapshot(db, post, outlet.channel, outlet.account, ""), info))
    return channels.problems(targets)
