"""What every `hub …` subcommand needs (the hub's own and those adapters bring): database
sessions from the environment's configuration, and failing with a message in Chinese."""

from __future__ import annotations

import sys

import click

from hub.config import Config


def sessions():
    """A session factory on HUB_DATABASE_URL, with every table known (foreign keys resolve)."""
    import hub.models  # noqa: F401
    from hub.db import make_engine, make_session_factory

    return make_session_factory(make_engine(Config.from_env().database_url))


def fail(exc) -> None:
    """Print what went wrong (a HubError's message, or the exception) and exit 1."""
    click.echo(f"错误：{getattr(exc, 'message', exc)}", err=True)
    sys.exit(1)
