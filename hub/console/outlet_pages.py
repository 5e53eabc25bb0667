"""The account menu's outlet pages: each enabled channel's `console_pages`, which hub.console.tabs
puts beside the hub's own tabs (WeChat binding, LED screens), each only for editors whose
roles on the account open it (the page's `min_role`).

An outlet's page is served by the outlet's own blueprint under /console/ (where the console's
cookie goes) and is guarded exactly as the console's pages are: a logged-in editor whose
session is current (`g.user`), CSRF on every form, the console's security headers, and its
errors (a HubError, Werkzeug's refusals) answered as the console's pages answer them (hub.app's
handlers ask `is_outlet_page`), so an outlet has no error handler of its own. The outlet's
view then checks roles through hub.ports."""

from __future__ import annotations

from flask import request, url_for

from hub.channels import Channel, ConsolePage, all_channels
from hub.console import security
from hub.console.blueprint import _guard, answer_refusal, bp
from hub.errors import HubError


def outlet_pages() -> list[ConsolePage]:
    """The pages of every enabled channel, in the registry's (alphabetical) order."""
    return [page for channel in all_channels() for page in channel.console_pages()]


def _page_serving_request() -> tuple[Channel, ConsolePage] | None:
    """The outlet page (and its channel) whose blueprint serves this request, if any."""
    for channel in all_channels():
        for page in channel.console_pages():
            if page.endpoint.rpartition(".")[0] == request.blueprint:
                return channel, page
    return None


def is_outlet_page() -> bool:
    return _page_serving_request() is not None


def answer_outlet_refusal(exc: HubError):
    """A HubError on an outlet page, answered as on the console's own pages; a refused form
    goes back to the page the outlet names (`Channel.console_refusal_page`)."""
    channel, page = _page_serving_request()
    back = channel.console_refusal_page(page, request.view_args or {})
    return answer_refusal(exc, None if back is None else url_for(back[0], **back[1]))


@bp.before_app_request
def _guard_outlet_pages():
    if is_outlet_page():
        return _guard()
    return None


@bp.after_app_request
def _outlet_page_headers(response):
    return security.console_headers(response) if is_outlet_page() else response
