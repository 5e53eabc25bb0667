"""Fixtures for the members tests: the keys for ID numbers."""

from __future__ import annotations

import pytest

from hub.members import identity


@pytest.fixture
def keys(config) -> identity.IdKeys:
    return identity.IdKeys.from_config(config)
