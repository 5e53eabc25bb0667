"""The LED editors' API (`/api/v1/led`): its blueprint and what its resources share."""

from __future__ import annotations

from flask import Blueprint, g
from pydantic import BaseModel, ConfigDict

from hub import ports

bp = Blueprint("led_api", __name__, url_prefix="/api/v1/led")
TAG = "led"
READERS = ("author", "reviewer", "admin")


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str



def post_for(post_id: int) -> ports.PostInfo:
    """The post, if the request's editor may read it."""
    post = ports.post_info(g.db, post_id)
    ports.require_role(g.db, g.user, post.account_code, *READERS)
    return post
