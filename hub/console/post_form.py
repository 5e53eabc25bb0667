"""The compose and edit form's channel part, read alike by the post pages and the live
previews: the channels an editor may narrow a post to, and each channel's own title and
summary as typed."""

from __future__ import annotations

from flask import g, request

from hub import channels
from hub.outlets.services import is_post_outlet, outlets_of


def offered_channels(account) -> list[tuple[str, str]]:
    """Channels the account has outlets on (those an editor may narrow a post to)."""
    names = sorted({o.channel for o in outlets_of(g.db, [account.id])
                    if is_post_outlet(o)})
    return [(name, channels.get_channel(name).label) for name in names]


def form_overrides(offered: list[str], existing: dict | None = None) -> dict:
    """Each channel's own title and summary from the form; what the form does not show (a
    channel's cover, a channel not offered here), set through the API, stays."""
    overrides = {k: v for k, v in (existing or {}).items() if k not in offered}
    for name in offered:
        kept = {k: v for k, v in ((existing or {}).get(name) or {}).items()
                if k == "cover_media_id"}
        for field in ("title", "summary"):
            value = request.form.get(f"override_{field}_{name}", "").strip()
            if value:
                kept[field] = value
        if kept:
            overrides[name] = kept
    return overrides
