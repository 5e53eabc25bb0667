"""The console's 合作方回调 page (an outlet page, see hub.channels.ConsolePage), for an
account's admins: the partners' webhooks bound to the account, a form to add one (the hub
makes its signing secret and shows it on that one answer), and a "发送测试事件" button that
really sends a signed `ping` event and shows what the partner's server answered."""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from adapters.webhook.signing import post_event
from hub import ports
from hub.channels import DeliveryError
from hub.clock import local_iso
from hub.errors import BadRequest, NotFound
from hub.ports import utcnow

bp = Blueprint("webhook_console", __name__, url_prefix="/console", template_folder="templates")
CHANNEL = "webhook"
URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


def _admin(code: str) -> ports.AccountInfo:
    account = ports.account(g.db, code)
    ports.require_role(g.db, g.user, code, "admin")
    return account


def _page(account, *, created=None, tested=None):
    hooks = ports.outlets(g.db, CHANNEL, account_ids=[account.id], enabled_only=False)
    return render_template("webhook/console_hooks.html", account=account, page="webhooks",
                           hooks=hooks, created=created, tested=tested)


@bp.get("/a/<code>/webhooks")
def hooks(code: str):
    return _page(_admin(code))


@bp.post("/a/<code>/webhooks")
def add(code: str):
    """The secret is made here and shown on this answer only (never flashed)."""
    account = _admin(code)
    name = (request.form.get("name") or "").strip()
    url = (request.form.get("url") or "").strip()
    if not name or len(name) > 100:
        raise BadRequest("请填写合作方名称（100 字以内）", field="name")
    if not URL.match(url) or len(url) > 1000:
        raise BadRequest("回调地址应为 http:// 或 https:// 开头的完整网址", field="url")
    secret = "whsec_" + secrets.token_urlsafe(24)
    outlet = ports.bind_outlet(g.db, account.code, channel=CHANNEL,
                               key=f"{account.code}-hook-{secrets.token_hex(4)}", name=name,
                               config={"url": url}, secret=secret,
                               hub_secret=current_app.config["HUB"].secret(), actor=g.user)
    g.db.commit()
    return _page(account, created={"outlet": outlet, "secret": secret})


@bp.post("/a/<code>/webhooks/<int:outlet_id>/test")
def test_event(code: str, outlet_id: int):
    """A signed `ping` sent now, outside the delivery pipeline: nothing is retried or
    recorded as a delivery; the partner's answer is shown as it came."""
    account = _admin(code)
    outlet = ports.outlet(g.db, outlet_id, hub_secret=current_app.config["HUB"].secret())
    if outlet is None or outlet.channel != CHANNEL or outlet.account_code != account.code:
        raise NotFound(f"{account.name} 没有编号为 {outlet_id} 的回调", field="outlet")
    g.db.rollback()  # no transaction held open while the partner's server thinks
    event = {"type": "ping", "id": f"ping-{secrets.token_hex(8)}", "account": account.code,
             "sent_at": local_iso(utcnow()), "test": True}
    try:
        answer = post_event(outlet, event, event["id"])
        tested = {"name": outlet.name, "ok": True,
                  "said": f"对方服务器返回 HTTP {answer.status}，签名测试事件已送达"}
    except DeliveryError as exc:
        tested = {"name": outlet.name, "ok": False, "said": exc.message}
    ports.audit(g.db, actor=g.user, action="webhook.test", account_id=account.id,
                subject_type="outlet", subject_id=outlet.id, ok=tested["ok"])
    g.db.commit()
    flash(f"「{tested['name']}」：{tested['said']}", "ok" if tested["ok"] else "error")
    return redirect(url_for(".hooks", code=code))
