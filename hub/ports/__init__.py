"""What adapters may read from (and ask of) the core: for one commit, the whole of it still in
`hub.ports.accounts` (moved there whole so its history follows), split by section next."""

from hub.ports.accounts import *  # noqa: F403
