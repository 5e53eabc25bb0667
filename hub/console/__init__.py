"""The editors' console: server-rendered pages in Chinese to log in, switch account, compose
once and preview on every outlet, review, publish now or later, watch every delivery, retry,
withdraw, and see an account's overview. No front-end build step."""

from hub.console import (  # noqa: F401
    account_page_views,
    account_settings_views,
    attribution_views,
    audit_views,
    calendar_views,
    campaign_views,
    form_views,
    kpi_views,
    live_previews,
    me_views,
    media_views,
    member_views,
    merchant_views,
    outlet_pages,
    post_views,
    review_views,
    revision_views,
    tabs,
    user_views,
    views,
)
from hub.console.blueprint import bp

__all__ = ["bp"]
