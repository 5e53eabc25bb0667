"""The demo's official accounts: one per union of Dongguan's matrix (东莞 and its 33 towns and
streets, 34 in all), each an app in the sandbox with its own credentials."""

from __future__ import annotations

import base64
import hashlib
import secrets

from sqlalchemy.orm import Session

from adapters.wechat.credentials import Credentials
from hub import ports
from hub.channels import OutletInfo
from hub.ports import AccountInfo

MATRIX_ROOT = "dongguan"
SAFE_MODE = ("dongguan",)  # the city's account runs in safe mode, as most real ones do


def demo_appid(code: str) -> str:
    return "wx" + hashlib.sha1(f"demo:{code}".encode()).hexdigest()[:16]  # noqa: S324


def matrix_accounts(db: Session) -> list[AccountInfo]:
    root = ports.find_account(db, MATRIX_ROOT)
    if root is None:
        return []
    return [root, *ports.children(db, root.id)]


def new_credentials(appid: str, safe_mode: bool) -> Credentials:
    key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=") if safe_mode else None
    return Credentials(appid, secrets.token_hex(16), "tok" + secrets.token_hex(8), key)


def load_demo(db: Session, config) -> list[OutletInfo]:
    """Bind a sandbox official account to 东莞 and each of its towns; idempotent."""
    bound = []
    taken = ports.outlet_keys(db, "wechat")
    for account in matrix_accounts(db):
        appid = demo_appid(account.code)
        if appid in taken:
            continue
        creds = new_credentials(appid, account.code in SAFE_MODE)
        bound.append(ports.bind_outlet(
            db, account.code, channel="wechat", key=appid, name=f"{account.name}公众号",
            config={"sandbox": True}, secret=creds.to_json(), hub_secret=config.secret()))
    return bound
