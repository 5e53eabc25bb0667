"""The console's 网站 page (an outlet page, see hub.channels.ConsolePage), for an account's
admins: the site's title, custom domain and description, and the partner websites' API keys
(a new key is shown on that one answer only; revoking stops it at once). Every change is
audited, as `hub web partner-key` does from the command line."""

from __future__ import annotations

import re

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from adapters.web import partners
from adapters.web.models import PartnerKey
from adapters.web.store import CHANNEL
from hub import ports
from hub.errors import BadRequest, Conflict, NotFound

bp = Blueprint("web_console", __name__, url_prefix="/console", template_folder="templates")
DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LIMITS = {"title": 100, "tagline": 300}


def _admin(code: str) -> ports.AccountInfo:
    account = ports.account(g.db, code)
    ports.require_role(g.db, g.user, code, "admin")
    return account


def _site_outlet(account) -> ports.OutletInfo | None:
    found = ports.outlets(g.db, CHANNEL, account_ids=[account.id])
    return found[0] if found else None


def _keys(account) -> list[tuple[PartnerKey, ports.AccountInfo]]:
    """Partner keys of the account and the accounts beneath it, newest first."""
    ids = ports.subtree_ids(g.db, account.code)
    rows = list(g.db.scalars(select(PartnerKey).where(PartnerKey.account_id.in_(ids))
                             .order_by(PartnerKey.id.desc())))
    owners = ports.accounts_by_id(g.db, {row.account_id for row in rows})
    return [(row, owners[row.account_id]) for row in rows]


def _page(account, *, issued: tuple[PartnerKey, str] | None = None):
    outlet = _site_outlet(account)
    return render_template("web/console_site.html", account=account, page="web-site",
                           outlet=outlet, config=(outlet.config if outlet else {}) or {},
                           keys=_keys(account), issued=issued)


@bp.get("/a/<code>/site")
def site(code: str):
    return _page(_admin(code))


def _clean_domain(raw: str, outlet_id: int) -> str | None:
    domain = (raw or "").strip().lower().rstrip(".")
    domain = re.sub(r"^https?://", "", domain).split("/")[0]
    if not domain:
        return None
    if not DOMAIN.match(domain):
        raise BadRequest(f"域名「{raw.strip()}」格式不对：只填域名，如 gh.dg.example.cn",
                         field="domain")
    other = ports.outlet_where_config(g.db, CHANNEL, "domain", domain)
    if other is not None and other.id != outlet_id:
        raise Conflict(f"域名 {domain} 已由「{other.name}」使用", field="domain")
    return domain


@bp.post("/a/<code>/site")
def save_site(code: str):
    account = _admin(code)
    outlet = _site_outlet(account)
    if outlet is None:
        raise NotFound(f"{account.name} 还没有开通网站", field="site")
    config = dict(outlet.config or {})
    for name, limit in LIMITS.items():
        value = (request.form.get(name) or "").strip()
        if len(value) > limit:
            raise BadRequest(f"{'网站标题' if name == 'title' else '网站简介'}最多 {limit} 字",
                             field=name)
        config.pop(name, None)
        if value:
            config[name] = value
    domain = _clean_domain(request.form.get("domain", ""), outlet.id)
    config.pop("domain", None)
    if domain:
        config["domain"] = domain
    ports.set_outlet_config(g.db, outlet.id, config)
    ports.audit(g.db, actor=g.user, action="web.site.update", account_id=account.id,
                subject_type="outlet", subject_id=outlet.id, title=config.get("title"),
                domain=domain)
    g.db.commit()
    flash("网站设置已保存" + ("；请把该域名解析到本平台，约 10 秒后生效" if domain else ""), "ok")
    return redirect(url_for(".site", code=code))


@bp.post("/a/<code>/site/keys")
def issue_key(code: str):
    """The key is shown on this answer only (never flashed into the session cookie)."""
    account = _admin(code)
    row, key = partners.issue_key(g.db, account, request.form.get("partner", ""),
                                  actor=g.user)
    g.db.commit()
    return _page(account, issued=(row, key))


@bp.post("/a/<code>/site/keys/<int:key_id>/revoke")
def revoke_key(code: str, key_id: int):
    account = _admin(code)
    row = g.db.get(PartnerKey, key_id)
    if row is None or row.account_id not in ports.subtree_ids(g.db, account.code):
        raise NotFound(f"{account.name} 没有编号为 {key_id} 的合作方密钥", field="key")
    partners.revoke_key(g.db, key_id, actor=g.user)
    g.db.commit()
    flash(f"已撤销「{row.partner}」的 API 密钥，使用它的请求将被拒绝", "ok")
    return redirect(url_for(".site", code=code))
