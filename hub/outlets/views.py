"""Editor API for binding outlets to an account and replacing their credentials (admins), and
listing them."""

from __future__ import annotations

from flask import Blueprint, current_app, g
from pydantic import BaseModel, ConfigDict, Field

from hub import channels
from hub.accounts.services import get_account
from hub.api import route
from hub.clock import local_iso
from hub.errors import NotFound
from hub.outlets import services
from hub.outlets.models import Outlet
from hub.users.permissions import require_role

bp = Blueprint("outlets_api", __name__, url_prefix="/api/v1")
TAG = "outlets"


class OutletIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: str
    key: str = Field(min_length=1, max_length=128, description="终端在其渠道内的标识")
    name: str = Field(min_length=1, max_length=100)
    config: dict = Field(default_factory=dict, description="渠道配置（不含密钥）")
    secret: str | None = Field(default=None, max_length=500, description="凭据，加密保存，不回显")


class SecretIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret: str | None = Field(max_length=500,
                               description="新的凭据，加密保存，不回显；null 表示删除")


class OutletOut(BaseModel):
    id: int
    account: str
    channel: str
    key: str
    name: str
    config: dict
    has_secret: bool
    enabled: bool
    broken_reason: str | None
    broken_at: str | None


class OutletList(BaseModel):
    outlets: list[OutletOut]
    channels: list[str]


def outlet_out(outlet: Outlet) -> OutletOut:
    return OutletOut(id=outlet.id, account=outlet.account.code, channel=outlet.channel,
                     key=outlet.key, name=outlet.name, config=outlet.config or {},
                     has_secret=outlet.secret_encrypted is not None, enabled=outlet.enabled,
                     broken_reason=outlet.broken_reason, broken_at=local_iso(outlet.broken_at))


@route(bp, "/accounts/<code>/outlets", "GET", summary="Outlets bound to an account", tag=TAG,
       response=OutletList)
def list_outlets(code: str):
    account = get_account(g.db, code)
    require_role(g.db, g.user, account, "author", "reviewer", "admin")
    return OutletList(outlets=[outlet_out(o) for o in services.outlets_of(g.db, [account.id])],
                      channels=channels.channel_names())


@route(bp, "/accounts/<code>/outlets", "POST", summary="Bind an outlet to an account (admin)",
       tag=TAG, body=OutletIn, response=OutletOut, status=201, errors=(409,))
def bind_outlet(code: str, body: OutletIn):
    account = get_account(g.db, code)
    require_role(g.db, g.user, account, "admin")
    outlet = services.bind_outlet(
        g.db, account, channel=body.channel, key=body.key, name=body.name, config=body.config,
        secret=body.secret, hub_secret=current_app.config["HUB"].secret(), actor=g.user)
    return outlet_out(outlet)


@route(bp, "/accounts/<code>/outlets/<int:outlet_id>/secret", "PUT", summary="Replace an "
       "outlet's credentials (admin; audited, never echoed)", tag=TAG, body=SecretIn,
       response=OutletOut)
def replace_secret(code: str, outlet_id: int, body: SecretIn):
    account = get_account(g.db, code)
    require_role(g.db, g.user, account, "admin")
    outlet = g.db.get(Outlet, outlet_id)
    if outlet is None or outlet.account_id != account.id:
        raise NotFound(f"账号 {code} 没有编号为 {outlet_id} 的终端", field="outlet")
    services.replace_secret(g.db, outlet, body.secret,
                            hub_secret=current_app.config["HUB"].secret(), actor=g.user)
    return outlet_out(outlet)
