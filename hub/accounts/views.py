"""Editor API for the account tree, profiles and columns."""

from __future__ import annotations

from flask import Blueprint, g
from pydantic import BaseModel, ConfigDict, Field

from hub.accounts import services
from hub.accounts.models import Account
from hub.api import refuse_nulls, route
from hub.users.permissions import require_role

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")
TAG = "accounts"
COLOR = r"^#[0-9A-Fa-f]{6}$"


class ColumnOut(BaseModel):
    slug: str
    name: str
    position: int


class AccountOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None
    region_code: str | None
    short_name: str | None
    logo_url: str | None
    theme_color: str
    intro: str
    requires_review: bool
    columns: list[ColumnOut]


class AccountList(BaseModel):
    accounts: list[AccountOut]


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=2, max_length=64, description="小写字母、数字和横线")
    name: str = Field(min_length=1, max_length=100)
    level: str
    parent: str
    region_code: str | None = Field(default=None, max_length=12)
    short_name: str | None = Field(default=None, max_length=30)
    theme_color: str | None = Field(default=None, pattern=COLOR)
    intro: str = Field(default="", max_length=2000)
    requires_review: bool = False


class AccountUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    short_name: str | None = Field(default=None, max_length=30)
    logo_url: str | None = Field(default=None, max_length=500)
    theme_color: str | None = Field(default=None, pattern=COLOR)
    intro: str | None = Field(default=None, max_length=2000)
    requires_review: bool | None = None


class ColumnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    name: str = Field(min_length=1, max_length=40)


class ColumnsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: list[ColumnIn] = Field(min_length=1, max_length=20)


class ColumnList(BaseModel):
    columns: list[ColumnOut]


def account_out(account: Account, codes_by_id: dict[int, str] | None = None) -> AccountOut:
    if account.parent_id is None:
        parent = None
    elif codes_by_id is not None:
        parent = codes_by_id[account.parent_id]
    else:
        parent = account.parent.code
    return AccountOut(
        code=account.code, name=account.name, level=account.level, parent=parent,
        region_code=account.region_code, short_name=account.short_name,
        logo_url=account.logo_url, theme_color=account.theme_color, intro=account.intro,
        requires_review=account.requires_review,
        columns=[ColumnOut(slug=c.slug, name=c.name, position=c.position)
                 for c in account.columns],
    )


@route(bp, "/accounts", "GET", summary="The whole account tree, parents before children",
       tag=TAG, response=AccountList)
def list_accounts():
    accounts = services.all_accounts(g.db)
    codes = {a.id: a.code for a in accounts}
    return AccountList(accounts=[account_out(a, codes) for a in accounts])


@route(bp, "/accounts/<code>", "GET", summary="One account", tag=TAG, response=AccountOut)
def get_account(code: str):
    return account_out(services.get_account(g.db, code))


@route(bp, "/accounts", "POST", summary="Create a child account (admin of the parent)", tag=TAG,
       body=AccountCreate, response=AccountOut, status=201, errors=(409,))
def create_account(body: AccountCreate):
    parent = services.get_account(g.db, body.parent)
    require_role(g.db, g.user, parent, "admin")
    fields = body.model_dump(exclude={"parent", "code", "name", "level", "region_code"},
                             exclude_none=True)
    account = services.create_account(g.db, code=body.code, name=body.name, level=body.level,
                                      parent=parent, region_code=body.region_code,
                                      actor=g.user, **fields)
    return account_out(account)


@route(bp, "/accounts/<code>", "PATCH", summary="Change an account's profile (admin)", tag=TAG,
       body=AccountUpdate, response=AccountOut)
def update_account(code: str, body: AccountUpdate):
    account = services.get_account(g.db, code)
    require_role(g.db, g.user, account, "admin")
    changes = refuse_nulls(body.model_dump(exclude_unset=True), Account)
    services.update_profile(g.db, account, changes, actor=g.user)
    return account_out(account)


@route(bp, "/accounts/<code>/columns", "GET", summary="An account's ordered columns", tag=TAG,
       response=ColumnList)
def list_columns(code: str):
    account = services.get_account(g.db, code)
    return ColumnList(columns=account_out(account).columns)


@route(bp, "/accounts/<code>/columns", "PUT", summary="Replace an account's ordered columns "
       "(admin)", tag=TAG, body=ColumnsIn, response=ColumnList)
def replace_columns(code: str, body: ColumnsIn):
    account = services.get_account(g.db, code)
    require_role(g.db, g.user, account, "admin")
    services.replace_columns(g.db, account, [(c.slug, c.name) for c in body.columns],
                             actor=g.user)
    return ColumnList(columns=account_out(account).columns)
