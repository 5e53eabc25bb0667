"""The campaign page's 来源 section: the funnel by outlet, by 地推 code and by the accounts
beneath, and 地推 codes made in two clicks (the form is filled for today, the account chosen)
with their posters to download and print. And an account's own 地推码 page, where a town's
editors, who cannot open a city's campaign, make codes for the campaigns above them that
reach their town and see what each of their codes brought."""

from __future__ import annotations

import datetime as dt

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from hub.accounts.models import Account
from hub.attribution import codes, funnel
from hub.campaigns.models import Campaign, CampaignState
from hub.clock import to_local
from hub.console import charts
from hub.console.blueprint import bp
from hub.console.views import account_for, switchable_accounts
from hub.db import utcnow
from hub.errors import BadRequest, HubError
from hub.users.permissions import roles_on

POSTER_TYPES = {"png": "image/png", "pdf": "application/pdf"}
POSTERS = (("a4", "png", "A4 海报（PNG）"), ("a4", "pdf", "A4 海报（PDF）"),
           ("banner", "png", "易拉宝（PNG）"))
CHART_LABEL = 9  # characters: the chart's label column is narrow


def _public_url() -> str:
    return current_app.config["HUB"].public_url


def source_section(campaign: Campaign, account: Account) -> dict:
    """What the campaign page shows of where members came from."""
    figures = funnel.funnel(g.db, campaign, account)
    rows = [(row["label"], row["visits"], f"· {row['members']} 位会员")
            for row in figures["by_outlet"]]
    rows += [(f"地推·{row['place']}"[:CHART_LABEL], row["visits"], f"· {row['members']} 位会员")
             for row in figures["by_code"]]
    chart = charts.bars_by_row("visits-by-source", "各来源的访问（次）",
                               sorted(rows, key=lambda r: -r[1])[:12], unit=" 次",
                               ceiling=None, digits=0)
    return {"funnel": figures, "source_chart": chart,
            "promo_codes": [(code, g.db.get(Account, code.account_id))
                            for code in codes.codes_for(g.db, campaign, account)],
            "code_accounts": _code_accounts(account), "posters": POSTERS,
            "today": to_local(utcnow()).date().isoformat()}


def _code_accounts(within: Account) -> list[tuple[Account, int]]:
    """The accounts the editor may make codes for: theirs within the campaign's tree."""
    return [(a, depth) for a, depth in switchable_accounts() if a.is_within(within)
            and roles_on(g.db, g.user, a) & set(codes.MAKERS)]


@bp.get("/a/<code>/promo-codes")
def account_promo_codes(code: str):
    account = account_for(code)
    running = list(g.db.scalars(
        select(Campaign).where(Campaign.account_id.in_(account.ancestor_ids()),
                               Campaign.state != CampaignState.closed)
        .order_by(Campaign.id.desc()).limit(20)))
    rows = []
    for campaign in running:
        made = {row["code_id"]: row for row in funnel.funnel(g.db, campaign, account)["by_code"]}
        rows.append((campaign, g.db.get(Account, campaign.account_id),
                     [(promo, made.get(promo.id)) for promo in
                      codes.codes_for(g.db, campaign, account)]))
    return render_template("console/promo_codes.html", account=account, page="campaigns",
                           rows=rows, posters=POSTERS,
                           may_make=bool(roles_on(g.db, g.user, account) & set(codes.MAKERS)),
                           today=to_local(utcnow()).date().isoformat())


def _back_to(campaign_id: int) -> str:
    """Where the form came from: this account's 地推码 page, or the campaign's page."""
    asked = request.form.get("back", "")
    if asked.startswith("/console/a/") and "//" not in asked:
        return asked
    return url_for("console.campaign_page", campaign_id=campaign_id) + "#sources-h"


@bp.post("/campaigns/<int:campaign_id>/promo-codes")
def create_promo_code(campaign_id: int):
    back = _back_to(campaign_id)
    form = request.form
    try:
        held_on = dt.date.fromisoformat(form.get("held_on", ""))
    except ValueError:
        flash("请填写地推日期", "error")
        return redirect(back)
    name, place = form.get("name", "").strip()[:60], form.get("place", "").strip()[:100]
    if not name or not place:
        flash("请填写地推活动名称和地点", "error")
        return redirect(back)
    try:
        account = g.db.query(Account).filter_by(code=form.get("account", "")).one_or_none()
        if account is None:
            raise BadRequest("请选择制作地推码的账号", field="account")
        code = codes.create(g.db, g.user, account, campaign_id, name, place, held_on)
    except HubError as exc:
        g.db.rollback()
        flash(exc.message, "error")
        return redirect(back)
    note = "" if code.wxacode_image else "（未能取得小程序码，海报只印活动页二维码）"
    flash(f"已生成地推码「{code.name}」{note}，可下载海报打印", "info")
    return redirect(back)


@bp.get("/promo-codes/<int:code_id>/poster.<fmt>")
def promo_poster(code_id: int, fmt: str):
    if fmt not in POSTER_TYPES:
        abort(404)
    try:
        code = codes.visible_code(g.db, g.user, code_id)
        data = codes.poster_bytes(g.db, code, _public_url(), request.args.get("size", "a4"), fmt)
    except HubError as exc:
        abort(exc.status)
    return Response(data, mimetype=POSTER_TYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename=promo-{code.id}.{fmt}"})
