"""The console's 开屏位 page (an outlet page, see hub.channels.ConsolePage): the app's splash
slots an account owns or reaches through its splash outlets, each with its sizes and the
rules its splashes follow in plain words, what is live in it, and, for admins of the slot's
account, forms to create a slot and to rename it or change its sizes (audited)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from adapters.app_splash import rules, services
from adapters.app_splash.models import DEFAULT_SIZES, SplashItem, SplashSlot
from hub import ports
from hub.channels import EDITOR_ROLES
from hub.errors import NotFound

bp = Blueprint("splash_console", __name__, url_prefix="/console", template_folder="templates")


def size_words(width: int, height: int) -> str:
    """1080×1920 -> "1080×1920 竖屏（约 16:9）": what a designer needs to hear."""
    if width == height:
        return f"{width}×{height} 方形"
    long, short = max(width, height), min(width, height)
    ratio = round(long / short * 9 * 2) / 2
    return f"{width}×{height} {'竖屏' if height > width else '横屏'}（约 {ratio:g}:9）"


def _reached_slot_codes(account) -> dict[str, list[str]]:
    """{slot code: names of this account's splash outlets that put splashes in it}."""
    reached: dict[str, list[str]] = {}
    for outlet in ports.outlets(g.db, services.CHANNEL, account_ids=[account.id]):
        reached.setdefault((outlet.config or {}).get("slot", outlet.key), []).append(outlet.name)
    return reached


def _slot_row(slot: SplashSlot, reached: dict[str, list[str]]) -> dict:
    owner = ports.account_by_id(g.db, slot.account_id)
    live = g.db.scalar(select(func.count(SplashItem.id)).where(
        SplashItem.slot_id == slot.id, SplashItem.withdrawn_at.is_(None),
        SplashItem.is_default.is_(False)))
    default = g.db.scalar(select(SplashItem).where(
        SplashItem.slot_id == slot.id, SplashItem.is_default.is_(True),
        SplashItem.withdrawn_at.is_(None)).order_by(SplashItem.id.desc()).limit(1))
    held = ports.roles_of(g.db, g.user, owner.code)
    return {"slot": slot, "owner": owner, "live": live, "outlets": reached.get(slot.code, []),
            "sizes": [size_words(w, h) for w, h in slot.sizes],
            "sizes_text": "\n".join(f"{w}×{h}" for w, h in slot.sizes),
            "default": default, "default_rules": rules.describe(default.rules or {})
            if default else [], "may_edit": "admin" in held}


@bp.get("/a/<code>/splash-slots")
def slots(code: str):
    account = ports.account(g.db, code)
    held = ports.require_role(g.db, g.user, code, *EDITOR_ROLES)
    reached = _reached_slot_codes(account)
    found = g.db.scalars(select(SplashSlot).where(
        (SplashSlot.account_id.in_(ports.subtree_ids(g.db, code)))
        | SplashSlot.code.in_(list(reached))).order_by(SplashSlot.code))
    return render_template(
        "splash/slots.html", account=account, page="splash-slots",
        rows=[_slot_row(slot, reached) for slot in found], standard=rules.STANDARD,
        may_create="admin" in held,
        default_sizes="\n".join(f"{w}×{h}" for w, h in DEFAULT_SIZES))


@bp.post("/a/<code>/splash-slots")
def create(code: str):
    account = ports.account(g.db, code)
    ports.require_role(g.db, g.user, code, "admin")
    form = request.form
    slot = services.create_slot(g.db, account, (form.get("code") or "").strip(),
                                form.get("name", ""), services.parse_sizes(form.get("sizes", "")),
                                actor=g.user)
    g.db.commit()
    flash(f"已创建开屏位「{slot.name}」（{slot.code}）。App 以此代码拉取开屏配置；"
          "要让本账号的活动出现在这里，请为账号绑定指向它的开屏终端。", "ok")
    return redirect(url_for(".slots", code=code))


@bp.post("/a/<code>/splash-slots/<slot_code>")
def edit(code: str, slot_code: str):
    account = ports.account(g.db, code)
    slot = services.get_slot(g.db, slot_code)
    owner = ports.account_by_id(g.db, slot.account_id)
    if not (owner.is_within(account) or slot.code in _reached_slot_codes(account)):
        raise NotFound(f"{account.name} 没有开屏位 {slot_code}", field="slot")
    ports.require_role(g.db, g.user, owner.code, "admin")
    services.update_slot(g.db, slot, request.form.get("name", ""),
                         services.parse_sizes(request.form.get("sizes", "")), actor=g.user)
    g.db.commit()
    flash(f"已保存开屏位「{slot.name}」", "ok")
    return redirect(url_for(".slots", code=code))
