"""The account menu (base.html's tab bar): the hub's own pages, each enabled outlet's pages
(`outlet_pages`) and the admins' and reviewers' pages, every one shown only to editors who
hold its `min_role` on the account or a role above it, so that no tab leads to a 403."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request

from hub.channels import ConsolePage
from hub.console.blueprint import bp
from hub.console.outlet_pages import outlet_pages
from hub.users.permissions import roles_on


@dataclass(frozen=True)
class HubTab(ConsolePage):
    """One of the hub's own pages in the menu; `page` is what its views pass base.html as
    `page` (a post's or a campaign's page marks its list's tab current)."""

    page: str = ""


# The roles are those the pages' views require (the outlets' pages say theirs themselves).
FIRST_TABS = (
    HubTab("console.account_overview", "概览", page="overview"),
    HubTab("console.account_posts", "稿件", page="posts"),
    HubTab("console.compose", "写稿", page="compose"),
    HubTab("console.review_queue", "审核队列", page="review"),
    HubTab("console.account_calendar", "日历", page="calendar"),
    HubTab("console.account_campaigns", "活动", page="campaigns"),
    HubTab("console.account_members", "会员", page="members"),
    HubTab("console.account_kpis", "运营指标", page="kpis"),
    HubTab("console.account_topics", "专题", page="topics"),
    HubTab("console.account_services", "本地服务", page="services"),
    HubTab("console.account_users", "用户", min_role="admin", page="users"),
)
LAST_TABS = (
    HubTab("console.account_settings", "账号设置", min_role="admin", page="settings"),
    HubTab("console.account_audit", "操作记录", min_role="reviewer", page="audit"),
)


def account_tabs(account) -> list[ConsolePage]:
    """The menu's pages this editor may open on `account` (a hub Account row), in order."""
    if g.get("user") is None:
        return []
    held = roles_on(g.db, g.user, account)
    return [tab for tab in (*FIRST_TABS, *outlet_pages(), *LAST_TABS) if held & set(tab.roles)]


def is_current(tab: ConsolePage, page: str | None) -> bool:
    """Whether the tab is the page being shown: the hub's by the view's `page`, an outlet's
    by the endpoint serving the request."""
    if isinstance(tab, HubTab):
        return tab.page == page
    return request.endpoint == tab.endpoint


@bp.app_context_processor
def _tabs():
    return {"account_tabs": account_tabs, "tab_is_current": is_current}
