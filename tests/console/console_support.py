"""Helpers shared by the console tests: a screen test double, CSRF-aware form posting."""

from __future__ import annotations

import re
from html import escape

from hub.channels import Channel, OutletInfo, PostSnapshot, Receipt

PASSWORD = "gonghui-demo-2026"


class ScreenDouble(Channel):
    """Stands in for an outlet with a pixel size (an LED screen): renders a slide of the
    screen's size, and takes every delivery."""

    name = "led"
    label = "LED 大屏（测试替身）"
    max_concurrency = 4
    updates_in_place = True

    def render(self, post: PostSnapshot, outlet: OutletInfo) -> dict:
        return {"title": post.title, "width": outlet.config["width"],
                "height": outlet.config["height"],
                "html": f'<div class="slide"><h1>{escape(post.title)}</h1></div>'}

    def deliver(self, job) -> Receipt:
        return Receipt(external_id=f"slide-{job.post.id}")

    def withdraw(self, job) -> None:
        pass

    def lane(self, outlet: OutletInfo) -> str:
        return "screens"


def csrf_of(response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page has no CSRF field"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    token = csrf_of(client.get("/console/login"))
    return client.post("/console/login", data={"username": username, "password": password,
                                               "csrf_token": token})


def post_form(client, page_url: str, data: dict, to: str | None = None, **kwargs):
    """POST a form found on the page at `page_url` (to `to`, or back to the page itself),
    with that page's CSRF token, as a browser would."""
    token = csrf_of(client.get(page_url))
    return client.post(to or page_url, data={"csrf_token": token, **data}, **kwargs)


def fresh(db) -> None:
    """Forget what this session read or loaded before: the demo's objects stay in its identity
    map (loaded with expire_on_commit off), and a rollback with no transaction open expires
    nothing, so a read would answer from them instead of from the database."""
    db.rollback()
    db.expire_all()
