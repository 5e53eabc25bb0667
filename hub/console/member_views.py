"""The console's members page: an account's real-name rate (verified ÷ imported) rolled up
its subtree, its history, and each child account's figures, drawn as charts."""

from __future__ import annotations

from flask import g, render_template

from hub.console import charts
from hub.console.blueprint import bp
from hub.console.views import account_for
from hub.members import stats


@bp.get("/a/<code>/members")
def account_members(code: str):
    account = account_for(code)
    figures, children = stats.figures_for(g.db, account)
    history = stats.history(g.db, account)
    ranked = sorted(children, key=lambda pair: pair[1].rate, reverse=True)
    return render_template(
        "console/members.html", account=account, page="members", figures=figures,
        children=ranked,
        history_chart=charts.line_by_day(
            "rate-history", f"{account.name}近 30 天实名率",
            [(f"{day.month}/{day.day}", f.rate) for day, f in history]),
        children_chart=charts.bars_by_row(
            "rate-children", "下级账号实名率",
            [(child.short_name or child.name, f.rate, f"（{f.verified:,}/{f.imported:,}）")
             for child, f in ranked if f.imported]))
