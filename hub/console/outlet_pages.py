"""The account menu's outlet pages: each enabled channel's `console_pages`, offered to
base.html so an outlet (WeChat binding, LED screens) appears beside the hub's own tabs."""

from __future__ import annotations

from hub.channels import ConsolePage, all_channels
from hub.console.blueprint import bp


def outlet_pages() -> list[ConsolePage]:
    """The pages of every enabled channel, in the registry's (alphabetical) order."""
    return [page for channel in all_channels() for page in channel.console_pages()]


@bp.app_context_processor
def _outlet_pages():
    return {"outlet_pages": outlet_pages}
