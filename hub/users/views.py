"""Editor API about oneself (who am I, my grants, my tokens) and about other editors: an
admin unlocks a colleague's login."""

from __future__ import annotations

from flask import Blueprint, g
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from hub.api import route
from hub.clock import local_iso
from hub.users import services
from hub.users.models import ApiToken

bp = Blueprint("users_api", __name__, url_prefix="/api/v1")
TAG = "me"


class GrantOut(BaseModel):
    account: str
    account_name: str
    role: str


class MeOut(BaseModel):
    username: str
    display_name: str
    email: str | None = Field(description="Where review alerts go (when the hub sends e-mail)")
    grants: list[GrantOut]




class MeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(default=None, max_length=254,
                              description="An address for review alerts; empty or null: none")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(default="", max_length=100)


class TokenOut(BaseModel):
    id: int
    label: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None
    token: str | None = Field(default=None, description="只在创建时返回一次")


class TokenList(BaseModel):
    tokens: list[TokenOut]


def token_out(row: ApiToken, token: str | None = None) -> TokenOut:
    return TokenOut(id=row.id, label=row.label, created_at=local_iso(row.created_at),
                    last_used_at=local_iso(row.last_used_at),
                    revoked_at=local_iso(row.revoked_at), token=token)


@route(bp, "/me", "GET", summary="The editor behind the token and their grants", tag=TAG,
       response=MeOut)
def me():
    return _me_out(g.user)


@route(bp, "/me", "PATCH", summary="Set my e-mail address for review alerts (sent only where "
       "the hub has an SMTP server, HUB_SMTP_URL)", tag=TAG, body=MeIn, response=MeOut)
def update_me(body: MeIn):
    services.set_email(g.db, g.user, body.email)
    return _me_out(g.user)


def _me_out(user) -> MeOut:
    return MeOut(username=user.username, display_name=user.display_name, email=user.email,
                 grants=[GrantOut(account=gr.account.code, account_name=gr.account.name,
                                  role=gr.role) for gr in user.grants])


@route(bp, "/me/tokens", "GET", summary="My API tokens (never the secrets)", tag=TAG,
       response=TokenList)
def list_tokens():
    rows = g.db.scalars(select(ApiToken).where(ApiToken.user_id == g.user.id)
                        .order_by(ApiToken.id))
    return TokenList(tokens=[token_out(r) for r in rows])


@route(bp, "/me/tokens", "POST", summary="Issue another token", tag=TAG, body=TokenIn,
       response=TokenOut, status=201)
def create_token(body: TokenIn):
    token = services.issue_token(g.db, g.user, body.label)
    row = g.db.scalar(select(ApiToken).where(ApiToken.token_hash == services.hash_token(token)))
    return token_out(row, token)


@route(bp, "/me/tokens/<int:token_id>", "DELETE", summary="Revoke one of my tokens", tag=TAG,
       response=TokenOut)
def revoke_token(token_id: int):
    return token_out(services.revoke_token(g.db, g.user, token_id, actor=g.user))


class UnlockOut(BaseModel):
    username: str
    unlocked: bool


@route(bp, "/users/<username>/unlock", "POST", summary="Forget a user's failed console logins "
       "from every address and end their sessions (admin of an account they have grants on, "
       "or the province admin); audited", tag="users", response=UnlockOut, errors=(403, 404))
def unlock_user(username: str):
    services.unlock_login(g.db, services.get_user(g.db, username), actor=g.user)
    return UnlockOut(username=username, unlocked=True)
