"""The console's 账号设置 page, for an account's admins: its profile (name, short name, theme
colour, logo — uploaded, picked from the account's media library or given by address —,
introduction, whether posts need review), its columns (renamed, reordered,
added, taken away: a column taken away keeps its posts, which then sit in no column) and new
child accounts below it. The checks are the editor API's own (its request models and
services), so the console and the API refuse the same things in the same words."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from pydantic import BaseModel
from sqlalchemy import select

from hub.accounts import services as accounts
from hub.accounts.models import LEVEL_TIER, Account, Level
from hub.accounts.views import AccountCreate, AccountUpdate, ColumnsIn
from hub.api import parse_model, refuse_nulls
from hub.console.blueprint import bp
from hub.console.media_views import keep_upload, library, media_url
from hub.console.views import account_for
from hub.errors import BadRequest
from hub.media.models import Media
from hub.users.permissions import require_role

LEVEL_LABELS = {"province": "省级", "city": "市级", "district": "区县级", "town": "镇级",
                "street": "街道级", "grassroots": "基层工会"}


def _admin_account(code: str) -> Account:
    account = account_for(code)
    require_role(g.db, g.user, account, "admin")
    return account


def _form(model: type[BaseModel], data: dict):
    """The form's fields checked by the API's own model; a BadRequest naming what is wrong."""
    return parse_model(model, data, "表单")


def _child_levels(account: Account) -> list[str]:
    tier = LEVEL_TIER[Level(account.level)]
    return [level.value for level in Level if LEVEL_TIER[level] > tier]


@bp.get("/a/<code>/settings")
def account_settings(code: str):
    account = _admin_account(code)
    return render_template("console/settings.html", account=account, page="settings",
                           levels=[(level, LEVEL_LABELS[level]) for level in
                                   _child_levels(account)],
                           children=list(g.db.scalars(select(Account).where(
                               Account.parent_id == account.id).order_by(Account.name))),
                           level_labels=LEVEL_LABELS,
                           logo_choices=[(item, media_url(item)) for item in library(account)])


def _logo_from_library(account: Account) -> str | None:
    """The logo the form takes from the account's media library, as its media address: a
    picture uploaded with the form (kept in the library first) or one picked there. None:
    neither, and the address typed in the form is the logo."""
    upload = request.files.get("logo_file")
    if upload is not None and upload.filename:
        return media_url(keep_upload(account, upload))
    picked = request.form.get("logo_media_id", "")
    if not picked:
        return None
    item = g.db.get(Media, int(picked)) if picked.isdigit() else None
    if item is None or item.account_id != account.id:
        raise BadRequest("素材库里没有这张图片，请重新选择", field="logo_media_id")
    return media_url(item)


@bp.post("/a/<code>/settings/profile")
def save_profile(code: str):
    account = _admin_account(code)
    form = request.form
    body = _form(AccountUpdate, {
        "name": form.get("name", "").strip(), "short_name": form.get("short_name", "").strip(),
        "theme_color": form.get("theme_color", "").strip(),
        "logo_url": _logo_from_library(account) or form.get("logo_url", "").strip() or None,
        "intro": form.get("intro", "").strip(),
        "requires_review": form.get("requires_review") == "on"})
    changes = refuse_nulls(body.model_dump(exclude_unset=True), Account)
    accounts.update_profile(g.db, account, changes, actor=g.user)
    g.db.commit()
    flash("已保存账号资料", "success")
    return redirect(url_for("console.account_settings", code=code))


def _columns_from_form(account: Account) -> list[dict]:
    """The rows of the columns form in their new order, without those taken away, and the
    new one at the end if one was filled in."""
    rows = []
    for index, column in enumerate(account.columns):
        if request.form.get(f"remove_{column.slug}") == "on":
            continue
        try:
            order = float(request.form.get(f"order_{column.slug}", index + 1))
        except ValueError:
            raise BadRequest("顺序请填数字", field=f"order_{column.slug}") from None
        rows.append((order, index, {"slug": column.slug,
                                    "name": request.form.get(f"name_{column.slug}", "").strip()}))
    columns = [row for _, _, row in sorted(rows, key=lambda row: row[:2])]
    new_name, new_slug = (request.form.get("new_name", "").strip(),
                          request.form.get("new_slug", "").strip())
    if new_name or new_slug:
        columns.append({"slug": new_slug, "name": new_name})
    return columns


@bp.post("/a/<code>/settings/columns")
def save_columns(code: str):
    account = _admin_account(code)
    body = _form(ColumnsIn, {"columns": _columns_from_form(account)})
    accounts.replace_columns(g.db, account, [(c.slug, c.name) for c in body.columns],
                             actor=g.user)
    g.db.commit()
    flash("已保存栏目", "success")
    return redirect(url_for("console.account_settings", code=code))


@bp.post("/a/<code>/settings/children")
def add_child(code: str):
    account = _admin_account(code)
    form = request.form
    body = _form(AccountCreate, {
        "code": form.get("code", "").strip(), "name": form.get("name", "").strip(),
        "level": form.get("level", ""), "parent": account.code,
        "region_code": form.get("region_code", "").strip() or None,
        "requires_review": form.get("requires_review") == "on"})
    child = accounts.create_account(
        g.db, code=body.code, name=body.name, level=body.level, parent=account,
        region_code=body.region_code, requires_review=body.requires_review, actor=g.user)
    g.db.commit()
    flash(f"已建立下级账号「{child.name}」，可在「用户」里为它添加编辑", "success")
    return redirect(url_for("console.account_settings", code=code))
