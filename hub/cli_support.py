"""What every `hub …` subcommand needs: the process's wiring (built once by `hub.cli.main`
through the bootstrap) and its sessions. Failing is cli_exit.py's."""

from __future__ import annotations

from hub import bootstrap
from hub.config import Config

_wiring: bootstrap.Wiring | None = None


def wiring() -> bootstrap.Wiring:
    """This CLI process's engine, sessions and attached adapters, built on first use."""
    global _wiring
    if _wiring is None:
        _wiring = bootstrap.build(Config.from_env())
    return _wiring


def sessions():
    """The session factory on HUB_DATABASE_URL, every table known (foreign keys resolve)."""
    return wiring().sessions
