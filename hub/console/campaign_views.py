"""Console pages for campaigns: an account's campaigns with the welfare value they delivered,
the builder on a promotion post for each kind, approval by a second person from the review
queue, and one campaign while it runs (stock, claims by hour, close early, draw, the
waitlist, redemption, exports as XLSX)."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

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
from hub.audit.services import record
from hub.campaigns import approval, phases, redis_claims, stats
from hub.campaigns import services as campaigns
from hub.campaigns.models import (
    Approval,
    Campaign,
    CampaignState,
    Claim,
    ClaimStatus,
    Kind,
    Merchant,
)
from hub.clock import chinese_time
from hub.console import attribution_views, campaign_exports, charts
from hub.console.blueprint import back_to, bp
from hub.console.campaign_forms import (
    QUESTION_SLOTS,
    FormErrors,
    body_from_form,
    preview_from_form,
)
from hub.console.views import account_for, shown_account, switchable_accounts
from hub.db import utcnow
from hub.errors import HubError
from hub.members.identity import current_keys, mask_name
from hub.members.models import Member
from hub.posts.models import Post
from hub.users.permissions import roles_on

KIND_LABELS = Kind.LABELS
KINDS = ("red_packet", "voucher", "ticket", "course", "quiz")
UNIT_WORDS = {"red_packet": "个红包", "voucher": "张优惠券", "ticket": "张电影票",
              "course": "个名额", "quiz": "份奖品"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
                           phase_labels=phases.LABELS, kinds=KINDS)


# --- the builder -------------------------------------------------------------------------

def _promotion_posts(account: Account) -> list[Post]:
    return list(g.db.scalars(select(Post).where(Post.account_id == account.id,
                                                Post.kind == "promotion")
                             .order_by(Post.id.desc()).limit(100)))


def _merchants(account: Account) -> list[Merchant]:
    return list(g.db.scalars(select(Merchant).where(
        Merchant.account_id.in_(account.ancestor_ids()), Merchant.active.is_(True))
        .order_by(Merchant.id)))


def _extra_regions(account: Account) -> list[tuple[Account, int]]:
    """Accounts within the editor's grants that are not already inside the campaign's own
    subtree (which is always eligible)."""
    return [(other, depth) for other, depth in switchable_accounts()
            if not other.is_within(account) and not account.is_within(other)]


def _builder(account: Account, kind: str, values, errors: dict, preview=None, status=200):
    return render_template(
        "console/campaign_new.html", account=account, page="campaigns", kind=kind,
        kinds=KINDS, kind_labels=KIND_LABELS, values=values, errors=errors, preview=preview,
        posts=_promotion_posts(account), merchants=_merchants(account),
        regions=_extra_regions(account), question_slots=QUESTION_SLOTS,
        preview_chart=charts.bars_by_row("split-preview", "红包金额分布（个）",
                                         [(band, n, "") for band, n in preview["bands"]],
                                         unit=" 个", ceiling=None, digits=0)
        if preview else None,
    ), status


@bp.get("/a/<code>/campaigns/new")
def new_campaign(code: str):
    account = account_for(code)
    kind = request.args.get("kind", "red_packet")
    if kind not in KINDS:
        kind = "red_packet"
    values = {"post_id": request.args.get("post_id", ""), "per_member_limit": "1"}
    return _builder(account, kind, values, {})


@bp.post("/a/<code>/campaigns/new")
def create_campaign(code: str):
    account = account_for(code)
    kind = request.form.get("kind", "")
    if kind not in KINDS:
        abort(400)
    if request.form.get("action") == "preview" and kind == "red_packet":
        # The split needs only the budget and the count: the rest may still be blank.
        preview, errors = preview_from_form(request.form)
        return _builder(account, kind, request.form, errors, preview=preview,
                        status=200 if preview else 400)
    try:
        body = body_from_form(request.form, account.code, kind)
    except FormErrors as exc:
        flash("活动未保存：请按提示修改标红的项", "error")
        return _builder(account, kind, request.form, exc.errors, status=400)
    try:
        campaign = campaigns.create_campaign(g.db, g.user, body)
    except HubError as exc:
        g.db.rollback()
        field = {"budget_fen": "budget_yuan", "face_value_fen": "face_value_yuan"}.get(
            exc.field or "", exc.field or "form")
        flash(f"活动未保存：{exc.message}", "error")
        return _builder(account, kind, request.form, {field: exc.message}, status=exc.status)
    g.db.commit()
    flash("活动已保存为草稿，须由另一位审核员或管理员在审核队列中审批；推广稿件发布后开放。",
          "info")
    return redirect(url_for("console.campaign_page", campaign_id=campaign.id))


# --- approval in the review queue --------------------------------------------------------

@bp.app_template_global()
def campaigns_awaiting_approval(account: Account) -> list[dict]:
    """The subtree's campaigns waiting for a second person, with the money and stock at
    stake; the review queue shows them beside the posts."""
    below = select(Account.id).where(Account.path.startswith(account.path))
    waiting = g.db.scalars(select(Campaign).where(Campaign.account_id.in_(below),
                                                  Campaign.approval == Approval.pending)
                           .order_by(Campaign.id).limit(100))
    found = []
    for campaign in waiting:
        owner = g.db.get(Account, campaign.account_id)
        found.append({"campaign": campaign, "account": owner,
                      "value_fen": approval.value_fen(campaign),
                      "over": approval.over_ceiling(g.db, campaign, owner),
                      "refusal": approval.approval_refusal(g.db, g.user, campaign, owner),
                      "label": KIND_LABELS.get(campaign.kind, campaign.kind)})
    return found


@bp.app_template_global()
def campaign_units(campaign: Campaign) -> str:
    """How many packets, codes, seats or prizes the campaign gives, in words."""
    return f"{campaign.units:,} {UNIT_WORDS.get(campaign.kind, '份')}"


def _form_back(default: str) -> str:
    """Where a two-step form returns: the page its first step came from (carried in the
    confirmation as `back`), if it is the console's."""
    asked = request.form.get("back", "")
    if asked.startswith("/console/") and not asked.startswith("//"):
        return asked
    came_from = urlsplit(back_to(default))
    if came_from.path == request.path:  # the confirmation itself: never GET a form's address
        return default
    return came_from.path + (f"?{came_from.query}" if came_from.query else "")


def _confirmed(campaign: Campaign) -> bool:
    """Whether the form confirms these very terms: the value and number the confirmation
    showed (terms changed since it was shown ask again)."""
    return (request.form.get("confirmed_value_fen") == str(approval.value_fen(campaign))
            and request.form.get("confirmed_units") == str(campaign.units))


@bp.post("/campaigns/<int:campaign_id>/approve")
def approve_campaign(campaign_id: int):
    """Approving lets money go: the first click shows what is at stake (value in yuan, how
    many), and only a confirmation of those same terms approves."""
    campaign, account = campaigns.editable_campaign(g.db, g.user, campaign_id)
    approval.check_approvable(g.db, g.user, campaign, account)
    back = _form_back(url_for("console.campaign_page", campaign_id=campaign.id))
    if not _confirmed(campaign):
        return render_template(
            "console/confirm_approve.html", account=shown_account(account), page="review",
            owner=account,
            campaign=campaign, value_fen=approval.value_fen(campaign), back=back,
            kind_label=KIND_LABELS.get(campaign.kind, campaign.kind),
            changed="confirmed_units" in request.form)
    approval.approve(g.db, g.user, campaign, account, request.form.get("note", "").strip()[:500])
    g.db.commit()
    _forget_facts(campaign.id)
    flash(f"已审批通过活动「{campaign.title}」，{_when_it_opens(campaign)}", "info")
    return redirect(back)


def _when_it_opens(campaign: Campaign) -> str:
    phase = phases.phase(campaign, utcnow())
    if phase == "not_started":
        return f"将于 {chinese_time(campaign.starts_at)} 开始领取"
    return {"running": "已开放领取", "ended": "但活动时间已过"}.get(phase, "推广稿件发布后开放")


@bp.post("/campaigns/<int:campaign_id>/reject")
def reject_campaign(campaign_id: int):
    campaign, account = campaigns.editable_campaign(g.db, g.user, campaign_id)
    back = _form_back(url_for("console.review_queue", code=shown_account(account).code))
    note = request.form.get("note", "").strip()[:500]
    if not note:
        flash("退回活动须写明理由", "error")
        return redirect(back)
    approval.reject(g.db, g.user, campaign, account, note)
    g.db.commit()
    flash(f"已退回活动「{campaign.title}」", "info")
    return redirect(back)


# --- running -----------------------------------------------------------------------------

def _forget_facts(campaign_id: int) -> None:
    # This process's claims read the terms afresh (as the API's PATCH does).
    current_app.extensions.get("hub.campaigns.facts", {}).pop(campaign_id, None)


@bp.get("/campaigns/<int:campaign_id>")
def campaign_page(campaign_id: int):
    try:
        campaign, account = campaigns.editable_campaign(g.db, g.user, campaign_id)
    except HubError as exc:
        abort(exc.status)
    figures = stats.campaign_stats(g.db, campaign)
    per_hour = [(row["hour"], row["claims"]) for row in figures["claims_by_hour"]]
    chart = charts.bars_by_day("claims-by-hour", "每小时参与人次", per_hour[-24:], unit="次")
    return render_template("console/campaign.html", account=shown_account(account),
                           owner=g.db.get(Account, account.id), page="campaigns",
                           campaign=campaign, figures=figures, chart=chart,
                           kind_labels=KIND_LABELS, phase=phases.phase(campaign, utcnow()),
                           phase_labels=phases.LABELS, approval_labels=Approval.LABELS,
                           has_claims=bool(per_hour),
                           exports=_exports_of(campaign),
                           refusal=approval.approval_refusal(g.db, g.user, campaign, account),
                           may_run=bool(roles_on(g.db, g.user, account) & set(campaigns.RUNNERS)),
                           value_fen=approval.value_fen(campaign),
                           waitlist=_waitlist(campaign),
                           persisting=_persisting(campaign),
                           merchant=g.db.get(Merchant, campaign.merchant_id)
                           if campaign.merchant_id else None,
                           **attribution_views.source_section(campaign, account))


def _persisting(campaign: Campaign) -> dict | None:
    """While Redis decides this campaign's claims: how far the persister is behind writing
    them into the database (one stream for every campaign), or {"down": True}."""
    if campaign.decided_in != "redis":
        return None
    try:
        rush = redis_claims.for_config(current_app.config["HUB"])
        return rush.lag() if rush is not None else {"down": True}
    except redis_claims.REDIS_ERRORS:
        return {"down": True}


def _exports_of(campaign: Campaign) -> dict[str, str]:
    """The exports that can hold rows for this kind of campaign."""
    wanted = {"claims"}
    if campaign.kind == Kind.quiz:
        wanted.add("winners")
    if campaign.kind in Kind.WITH_CODES or campaign.merchant_id:
        wanted.add("redemptions")
    return {what: label for what, label in campaign_exports.EXPORTS.items() if what in wanted}


def _waitlist(campaign: Campaign) -> list[tuple[int, str, object]]:
    """Who waits for a seat, in the order seats will be offered (names masked)."""
    if campaign.kind != Kind.course:
        return []
    rows = g.db.execute(select(Claim.id, Member.name, Claim.created_at)
                        .join(Member, Member.id == Claim.member_id)
                        .where(Claim.campaign_id == campaign.id,
                               Claim.status == ClaimStatus.waitlisted)
                        .order_by(Claim.id).limit(200))
    return [(claim_id, mask_name(name), at) for claim_id, name, at in rows]


@bp.post("/campaigns/<int:campaign_id>/close")
def close_campaign(campaign_id: int):
    campaign, account = campaigns.editable_campaign(g.db, g.user, campaign_id,
                                                    roles=campaigns.RUNNERS)
    if campaign.state != CampaignState.open:
        flash("活动不在进行中，无需结束", "error")
        return redirect(url_for("console.campaign_page", campaign_id=campaign.id))
    campaign.state = CampaignState.closed
    # Answering ends now, so a quiz's draw may follow at once (run_draw waits for ends_at).
    campaign.ends_at = min(campaign.ends_at, utcnow())
    record(g.db, actor=g.user, action="campaign.close", account_id=account.id,
           subject_type="campaign", subject_id=campaign.id)
    g.db.commit()
    _forget_facts(campaign.id)
    flash(f"活动「{campaign.title}」已提前结束，不再接受领取；已领取的券码仍可核销", "info")
    return redirect(url_for("console.campaign_page", campaign_id=campaign.id))


@bp.post("/campaigns/<int:campaign_id>/draw")
def draw_campaign(campaign_id: int):
    campaign, winners = campaigns.draw_early(g.db, g.user, campaign_id)
    g.db.commit()
    flash(f"已开奖：{len(winners)} 人中奖", "info")
    return redirect(url_for("console.campaign_page", campaign_id=campaign.id))


@bp.post("/campaigns/<int:campaign_id>/export/<what>.xlsx")
def export_campaign(campaign_id: int, what: str):
    # A POST: it writes an audit event (a GET's session must not write) and carries CSRF.
    if what not in campaign_exports.EXPORTS:
        abort(404)
    campaign, account = campaigns.editable_campaign(g.db, g.user, campaign_id,
                                                    roles=campaigns.RUNNERS)
    data, count = campaign_exports.workbook(g.db, campaign, what, current_keys())
    record(g.db, actor=g.user, action="campaign.export", account_id=account.id,
           subject_type="campaign", subject_id=campaign.id, export=what, rows=count)
    g.db.commit()
    name = f"{campaign.title}-{campaign_exports.EXPORTS[what]}.xlsx"
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=campaign-{campaign.id}-{what}.xlsx; "
                               f"filename*=UTF-8''{quote(name)}"})
