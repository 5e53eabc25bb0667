"""How a `hub …` command (the hub's or an adapter's) ends when it fails: the message, in
Chinese, on standard error, and exit status 1. Apart from the CLI's wiring, so that hub.api
can hand it to adapters without building anything."""

from __future__ import annotations

import sys

import click


def fail(exc) -> None:
    """Print what went wrong (a HubError's message, or the exception) and exit 1."""
    click.echo(f"错误：{getattr(exc, 'message', exc)}", err=True)
    sys.exit(1)
