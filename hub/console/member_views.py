"""The console's members page: an account's real-name rate (verified ÷ imported) rolled up
its subtree, its history, and each child account's figures, drawn as charts; for admins,
uploading a roll (imported by a worker, its progress watched here, cancelled, its rejection
report downloaded), the grassroots unions below with their codes, the template roll (with
those unions on a sheet), and looking a member up (audited)."""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from hub.accounts.models import Account
from hub.console import charts
from hub.console.blueprint import bp
from hub.console.views import account_for
from hub.errors import BadRequest, NotFound
from hub.media.names import display_name
from hub.members import identity, rebinding, roll_jobs, roll_reports, rolls, stats
from hub.members import lookup as lookup_members
from hub.members.models import Member, RollImport
from hub.members.roll_unions import grassroots_below
from hub.members.views import roll_max_bytes
from hub.users.permissions import require_role, roles_on

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RUNNING = ("queued", "running")
IMPORT_STATES = {"queued": "排队中", "running": "导入中", "done": "已完成", "failed": "失败",
                 "cancelled": "已取消"}
MEMBER_STATES = {"imported": "已导入", "registered": "已注册", "verified": "已实名"}
UNIONS_LISTED = 100  # on the page; the template's sheet lists every one


@bp.before_app_request
def _roll_upload_limit():
    # App-wide hooks run before the console's CSRF check reads the form: the roll's limit
    # must be in place before its body is parsed.
    if request.endpoint == "console.upload_roll":
        request.max_content_length = roll_max_bytes()


def _recent_imports(account: Account) -> list[tuple[RollImport, Account]]:
    return list(g.db.execute(
        select(RollImport, Account).join(Account, Account.id == RollImport.account_id)
        .where(Account.path.startswith(account.path))
        .order_by(RollImport.id.desc()).limit(10)).all())


@bp.get("/a/<code>/members")
def account_members(code: str):
    account = account_for(code)
    figures, children = stats.figures_for(g.db, account)
    history = stats.history(g.db, account)
    ranked = sorted(children, key=lambda pair: pair[1].rate, reverse=True)
    is_admin = "admin" in roles_on(g.db, g.user, account)
    unions = grassroots_below(g.db, account) if is_admin else []
    return render_template(
        "console/members.html", account=account, page="members", figures=figures,
        children=ranked, is_admin=is_admin, unions=unions[:UNIONS_LISTED],
        unions_total=len(unions),
        imports=_recent_imports(account) if is_admin else [], import_states=IMPORT_STATES,
        history_chart=charts.line_by_day(
            "rate-history", f"{account.name}近 30 天实名率",
            [(f"{day.month}/{day.day}", f.rate) for day, f in history]),
        children_chart=charts.bars_by_row(
            "rate-children", "下级账号实名率",
            [(child.short_name or child.name, f.rate, f"（{f.verified:,}/{f.imported:,}）")
             for child, f in ranked if f.imported]))


@bp.post("/a/<code>/members/imports")
def upload_roll(code: str):
    account = account_for(code)
    require_role(g.db, g.user, account, "admin")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest("请选择要导入的名册文件（CSV 或 XLSX）", field="file")
    job = roll_jobs.queue(g.db, account, upload.stream,
                          display_name(upload.filename, default="roll"), actor=g.user,
                          keys=identity.current_keys())
    flash(f"已上传「{job.filename}」，正在排队导入；本页会自动刷新进度", "info")
    return redirect(url_for("console.roll_import", import_id=job.id))


def _job(import_id: int) -> tuple[RollImport, Account]:
    job = g.db.get(RollImport, import_id)
    if job is None:
        raise NotFound(f"没有编号为 {import_id} 的导入", field="import")
    account = g.db.get(Account, job.account_id)
    require_role(g.db, g.user, account, "admin")
    return job, account


@bp.get("/members/imports/<int:import_id>")
def roll_import(import_id: int):
    job, account = _job(import_id)
    return render_template(
        "console/roll_import.html", account=account, page="members", job=job,
        running=job.state in RUNNING, rate=roll_jobs.rate(job), import_states=IMPORT_STATES,
        rejections=rolls.rejections(g.db, job, limit=20))


@bp.post("/members/imports/<int:import_id>/cancel")
def cancel_roll_import(import_id: int):
    job, _ = _job(import_id)
    job = roll_jobs.cancel(g.db, job, actor=g.user)
    flash("已取消导入" if job.state == "cancelled" else "已请求取消，当前批次写完后停止", "info")
    return redirect(url_for("console.roll_import", import_id=job.id))


@bp.get("/members/imports/<int:import_id>/rejections.xlsx")
def roll_rejections(import_id: int):
    job, _ = _job(import_id)
    return _xlsx(roll_reports.rejection_report(g.db, job), f"roll-{job.id}-rejections.xlsx")


@bp.get("/members/roll-template.xlsx")
def roll_template():
    """The template without unions (an old link); the members page links the one below."""
    return _xlsx(roll_reports.template_roll(), "roll-template.xlsx")


@bp.get("/a/<code>/members/roll-template.xlsx")
def account_roll_template(code: str):
    """The template, its 工会代码 sheet listing the grassroots unions below the account."""
    account = account_for(code)
    return _xlsx(roll_reports.template_roll(grassroots_below(g.db, account)),
                 f"roll-template-{account.code}.xlsx")


def _xlsx(data: bytes, filename: str) -> Response:
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.post("/a/<code>/members/lookup")
def lookup_member(code: str):
    # A form POST: an ID number must not sit in a URL (history, access logs).
    account = account_for(code)
    require_role(g.db, g.user, account, "admin")
    key = request.form.get("q", "").strip()[:50]
    if not key:
        raise BadRequest("请输入姓名或身份证号", field="q")
    by_number = identity.normalise(key) if any(ch.isdigit() for ch in key) else None
    keys = identity.current_keys()
    found = lookup_members.find(g.db, account, keys, id_number=by_number,
                                name=None if by_number else key)
    lookup_members.audit(g.db, g.user, account, [member.id for member, _ in found],
                         id_number=by_number, name=None if by_number else key)
    g.db.commit()
    shown = [{"id": member.id, "bound": member.openid is not None, "name": member.name,
              "id_masked": keys.masked(member.id_encrypted),
              "mobile": identity.mask_mobile(member.mobile), "union": union.name,
              "state": MEMBER_STATES.get(member.state, member.state),
              "verified_at": member.verified_at} for member, union in found]
    return render_template("console/member_lookup.html", account=account, page="members",
                           found=shown, searched_by="身份证号" if by_number else "姓名")


@bp.post("/a/<code>/members/<int:member_id>/unbind")
def unbind_member(code: str, member_id: int):
    """换绑 by hand, for a member who changed phone and cannot share their number: the roll
    entry leaves its old WeChat account and the member verifies again from the new one."""
    account = account_for(code)
    member = g.db.get(Member, member_id)
    if member is None:
        raise NotFound(f"没有编号为 {member_id} 的会员", field="member")
    require_role(g.db, g.user, g.db.get(Account, member.account_id), "admin")  # audited below
    rebinding.unbind(g.db, member, actor=g.user)
    g.db.commit()
    flash(f"已解除「{member.name}」与原微信的绑定：请该会员用新的微信重新实名认证", "info")
    return redirect(url_for("console.account_members", code=account.code))
