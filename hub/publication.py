"""What happens around a post going out or coming down, beyond its state; and the post as an
outlet sees it (its snapshot).

The posts workflow calls these hooks inside its transaction; the delivery pipeline writes its
deliveries here, so a publication and its deliveries commit together or not at all.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import campaigns, channels
from hub.accounts.models import Account
from hub.campaigns import links as campaign_links
from hub.channels import MediaRef, PostSnapshot
from hub.clock import local_iso
from hub.deliveries import services as deliveries
from hub.media.models import Media
from hub.outlets.services import outlet_info, reached_accounts, target_outlets
from hub.posts.models import Post


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
    """What the outlets the post would go to say stops it (their `check`, e.g. WeChat's
    32-character titles), so an editor hears it before publishing, not after."""
    return channels.problems(_checkable(db, post))


def _checkable(db: Session, post) -> list[tuple[PostSnapshot, channels.OutletInfo]]:
    """(snapshot, outlet) for every outlet the post reaches; one snapshot per channel and
    account, however many outlets share them."""
    snapshots: dict[tuple[str, int], PostSnapshot] = {}
    targets = []
    for outlet in target_outlets(db, post, [a for a, _ in reached_accounts(db, post)]):
        key = (outlet.channel, outlet.account_id)
        if key not in snapshots:
            snapshots[key] = snapshot(db, post, outlet.channel, outlet.account, "")
        targets.append((snapshots[key], outlet_info(outlet)))
    return targets


def channels_without_problems(db: Session, post) -> list[str]:
    """The enabled channels whose outlets (of the accounts the post reaches) can take the post
    as it is: what an editor could publish it to without fixing anything."""
    troubled = {outlet.channel for shown, outlet in _checkable(db, post)
                if channels.get_channel(outlet.channel).check(shown, outlet)}
    return [name for name in channels.channel_names() if name not in troubled]


def media_ref(media: Media) -> MediaRef:
    return MediaRef(id=media.id, sha256=media.sha256, width=media.width, height=media.height,
                    byte_size=media.byte_size, mime_type=media.mime_type,
                    focal=media.focal)


def snapshot(db: Session, post: Post, channel: str, account: Account,
             public_url: str) -> PostSnapshot:
    """The post as `channel` should see it on `account`'s outlets: its overrides applied."""
    override = (post.overrides or {}).get(channel, {})
    cover = db.get(Media, override.get("cover_media_id", post.cover_media_id) or -1)
    campaign = campaign_links.link_for(db, post.id, public_url) \
        if post.kind == "promotion" else None
    return PostSnapshot(
        id=post.id, version=post.version, kind=post.kind, account_code=account.code,
        account_name=account.name, title=override.get("title", post.title),
        summary=override.get("summary") or post.summary or post.body_summary,
        body=post.body, body_html=post.body_html,
        link_url=post.link_url or (campaign.url if campaign else None),
        cover_url=f"{public_url}/media/{cover.id}/{cover.sha256[:16]}" if cover else None,
        valid_from=local_iso(post.valid_from), valid_until=local_iso(post.valid_until),
        origin_account_code=post.account.code,
        campaign_path=campaign.miniprogram_path if campaign else None,
        campaign_url=campaign.url if campaign else None,
        cover=media_ref(cover) if cover else None,
        column_slug=post.column.slug if post.column else None,
        published_at=post.published_at.isoformat() if post.published_at else None,
        options=dict((post.outlet_options or {}).get(channel) or {}),
        cover_override=cover is not None and "cover_media_id" in override,
    )


def snapshot_of(db: Session, post_id: int, channel: str, account_code: str,
                public_url: str) -> PostSnapshot | None:
    """`snapshot` by ids, for adapters (through hub.ports)."""
    post = db.get(Post, post_id)
    account = db.scalar(select(Account).where(Account.code == account_code))
    if post is None or account is None:
        return None
    return snapshot(db, post, channel, account, public_url)
