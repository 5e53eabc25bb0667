"""LED editors' API, screen groups: a group is what an LED outlet names as its key."""

from __future__ import annotations

from flask import g
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from adapters.led_screen import publishing, services
from adapters.led_screen.api.common import READERS, TAG, ListQuery, bp
from adapters.led_screen.api.screens import screens_by_code
from adapters.led_screen.models import ScreenGroup
from hub import ports
from hub.api import route


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str
    code: str
    name: str = Field(min_length=1, max_length=100)
    screens: list[str] = Field(default_factory=list)


class MembersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    screens: list[str]


class GroupOut(BaseModel):
    code: str
    account: str
    name: str
    screens: list[str]


class GroupList(BaseModel):
    groups: list[GroupOut]


def group_out(group: ScreenGroup) -> GroupOut:
    return GroupOut(code=group.code, account=services.owner_of(g.db, group).code, name=group.name,
                    screens=[s.code for s in group.screens])


@route(bp, "/groups", "GET", summary="Screen groups of an account and its subtree", tag=TAG,
       query=ListQuery, response=GroupList)
def list_groups(query: ListQuery):
    ports.require_role(g.db, g.user, query.account, *READERS)
    groups = g.db.scalars(select(ScreenGroup).where(
        ScreenGroup.account_id.in_(ports.subtree_ids(g.db, query.account)))
        .order_by(ScreenGroup.code))
    return GroupList(groups=[group_out(group) for group in groups])


@route(bp, "/groups", "POST", summary="Create a screen group (admin); bind it as an outlet "
       "of channel led with the group's code as key", tag=TAG, body=GroupIn,
       response=GroupOut, status=201, errors=(409,))
def create_group(body: GroupIn):
    account = ports.account(g.db, body.account)
    ports.require_role(g.db, g.user, account.code, "admin")
    group = services.create_group(g.db, account, body.code, body.name, actor=g.user)
    services.set_members(g.db, group, screens_by_code(body.screens), actor=g.user)
    return group_out(group)


@route(bp, "/groups/<code>/screens", "PUT", summary="Set a group's screens (admin)", tag=TAG,
       body=MembersIn, response=GroupOut)
def set_members(code: str, body: MembersIn):
    group = services.get_group(g.db, code)
    ports.require_role(g.db, g.user, services.owner_of(g.db, group).code, "admin")
    screens = screens_by_code(body.screens)
    services.set_members(g.db, group, screens, actor=g.user)
    for screen in screens:
        publishing.redraw_for_screen(g.db, screen)
    return group_out(group)


