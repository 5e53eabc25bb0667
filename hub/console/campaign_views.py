"""Console pages for campaigns: an account's campaigns with the welfare value they delivered,
rolled up its tree, and one campaign's figures (stock, claims by hour, redemption, winners)."""

from __future__ import annotations

from flask import abort, g, render_template

from hub.accounts.models import Account
from hub.campaigns import services as campaigns
from hub.campaigns import stats
from hub.campaigns.models import Approval, Kind
from hub.console import charts
from hub.console.blueprint import bp
from hub.console.views import account_for
from hub.errors import HubError

KIND_LABELS = Kind.LABELS
STATE_LABELS = {"draft": "草稿", "open": "进行中", "closed": "已结束"}


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


@bp.app_template_filter("yuan")
def yuan(fen) -> str:
    return _yuan(int(fen or 0))


@bp.get("/a/<code>/campaigns")
def account_campaigns(code: str):
    account = account_for(code)
    welfare = stats.welfare_by_account(g.db, account)
    rows = [(child["name"], child["value_fen"] / 100, "") for child in welfare["children"]]
    if welfare["own_fen"]:
        rows.insert(0, (f"{account.name}（本级）", welfare["own_fen"] / 100, ""))
    chart = charts.bars_by_row("welfare-by-account", "各下级账号送达的福利价值（元）",
                               rows[:12], unit=" 元", ceiling=None)
    return render_template("console/campaigns.html", account=account, page="campaigns",
                           welfare=welfare, chart=chart, kind_labels=KIND_LABELS,
                           campaign_states=STATE_LABELS)


@bp.get("/campaigns/<int:campaign_id>")
def campaign_page(campaign_id: int):
    try:
        campaign, account = campaigns.editable_campaign(g.db, g.user, campaign_id)
    except HubError as exc:
        abort(exc.status)
    figures = stats.campaign_stats(g.db, campaign)
    per_hour = [(row["hour"], row["claims"]) for row in figures["claims_by_hour"]]
    chart = charts.bars_by_day("claims-by-hour", "每小时参与人次", per_hour[-24:], unit="次")
    return render_template("console/campaign.html", account=g.db.get(Account, account.id),
                           page="campaigns", campaign=campaign, figures=figures, chart=chart,
                           kind_labels=KIND_LABELS, campaign_states=STATE_LABELS,
                           approval_labels=Approval.LABELS)
