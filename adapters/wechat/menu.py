"""An account's columns and local services as its official accounts' menu (`menu/create`).

WeChat allows 1-3 buttons of 1-5 entries. Up to three columns get a button each; more get
two buttons and a "更多" button holding the rest (at most five). A column's button answers
CLICK `column:<slug>` with that column's latest articles (see inbox.py). An account with
local services (本地服务, its own and those from above) gives the last button to them: the
first five, a web page opened as it is, a mini-program page in its mini-program (with the
account's site as the page older WeChat versions open instead); the columns then have two.
"""

from __future__ import annotations

import logging

import requests
from pydantic import BaseModel
from wechatpy.exceptions import WeChatClientException

from adapters.wechat.errors import classify
from hub import ports
from hub.channels import DeliveryError
from hub.errors import BadRequest, Conflict
from hub.ports import AccountInfo, ServiceLinkInfo

log = logging.getLogger("adapters.wechat")
TOP_NAME_MAX_BYTES = 16
SUB_NAME_MAX_BYTES = 60
MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5


class OutletMenuResult(BaseModel):
    outlet: str
    appid: str
    ok: bool
    error: str | None = None


class MenuOut(BaseModel):
    account: str
    menu: dict
    outlets: list[OutletMenuResult]


def _button(column, max_bytes: int) -> dict:
    if len(column.name.encode("utf-8")) > max_bytes:
        raise BadRequest(f"栏目名「{column.name}」超过微信菜单名上限（{max_bytes} 字节，"
                         f"约 {max_bytes // 3} 个汉字）", field="columns")
    return {"type": "click", "name": column.name, "key": f"column:{column.slug}"}


def _service_button(link: ServiceLinkInfo, own_appid: str | None, fallback_url: str
                    ) -> dict | None:
    """A local service as a menu entry; None for a mini-program page with no appid known."""
    if len(link.name.encode("utf-8")) > SUB_NAME_MAX_BYTES:
        return None
    if link.kind == "web" and link.url:
        return {"type": "view", "name": link.name, "url": link.url}
    appid = link.mp_appid or own_appid
    if link.kind == "miniprogram" and link.mp_path and appid:
        return {"type": "miniprogram", "name": link.name, "url": fallback_url,
                "appid": appid, "pagepath": link.mp_path.lstrip("/")}
    return None


def menu_for(account: AccountInfo, links: list[ServiceLinkInfo] = (), *,
             own_appid: str | None = None, fallback_url: str = "") -> dict:
    services = [button for link in links
                if (button := _service_button(link, own_appid, fallback_url))]
    services = services[:MAX_SUB_BUTTONS]
    slots = MAX_BUTTONS - (1 if services else 0)
    columns = list(account.columns)
    if not columns:
        raise BadRequest(f"账号 {account.code} 没有栏目，无法生成菜单", field="columns")
    if len(columns) <= slots:
        buttons = [_button(c, TOP_NAME_MAX_BYTES) for c in columns]
    else:
        shown, rest = columns[:slots - 1], columns[slots - 1:]
        if len(rest) > MAX_SUB_BUTTONS:
            raise BadRequest(f"栏目共 {len(columns)} 个，微信菜单最多放 "
                             f"{slots - 1 + MAX_SUB_BUTTONS} 个（{slots - 1} 个一级菜单，"
                             f"“更多”里 {MAX_SUB_BUTTONS} 个）", field="columns")
        more = {"name": "更多", "sub_button": [_button(c, SUB_NAME_MAX_BYTES) for c in rest]}
        buttons = [_button(c, TOP_NAME_MAX_BYTES) for c in shown] + [more]
    if services:
        buttons.append({"name": "本地服务", "sub_button": services})
    return {"button": buttons}


def menu_of(channel, db, account: AccountInfo) -> dict:
    """The menu of `account` as it stands: its columns and the local services it shows."""
    public = channel.config.public_url.rstrip("/")
    return menu_for(account, ports.service_links(db, account.code),
                    own_appid=channel.settings.miniprogram_appid,
                    fallback_url=f"{public}/sites/{account.code}/")


def push_menu(channel, db, account: AccountInfo, *, actor) -> MenuOut:
    """Create the menu on every official account bound to `account`, and record in the
    audit log (in the caller's transaction) who pushed it to which of them: here, so the
    API's, the console's and the command line's pushes are audited alike. `actor` is the
    User pushing, None for the command line."""
    targets = ports.outlets(db, "wechat", account_ids=[account.id],
                            hub_secret=channel.config.secret())
    if not targets:
        raise Conflict(f"账号 {account.code} 没有绑定公众号", field="account")
    menu = menu_of(channel, db, account)
    db.commit()  # no transaction held open while WeChat answers
    results = []
    for outlet in targets:
        try:
            client = channel.client_for(outlet)
            client.menu.create(menu)
            results.append(OutletMenuResult(outlet=outlet.name, appid=outlet.key, ok=True))
        except (WeChatClientException, requests.RequestException, DeliveryError) as exc:
            error = classify(exc, doing="创建菜单")
            log.warning("menu for %s not created: %s", outlet.key, error.message)
            results.append(OutletMenuResult(outlet=outlet.name, appid=outlet.key, ok=False,
                                            error=error.message))
    ports.audit(db, actor=actor, action="wechat.menu.push", account_id=account.id,
                subject_type="account", subject_id=None,
                outlets=[result.appid for result in results if result.ok])
    return MenuOut(account=account.code, menu=menu, outlets=results)
