"""Fixtures for the WeChat sandbox tests: sandboxes on real ports, apps, callback receivers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from wechat_sandbox_helpers import FAST, CallbackReceiver, SandboxApp, register

from adapters.wechat.sandbox import SandboxServer, SandboxSettings, serve


@pytest.fixture
def start_sandbox() -> Iterator[Callable[[SandboxSettings], SandboxServer]]:
    started: list[SandboxServer] = []

    def start(settings: SandboxSettings = FAST) -> SandboxServer:
        server = serve(settings=settings)
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()


@pytest.fixture
def sandbox(start_sandbox: Callable[[SandboxSettings], SandboxServer]) -> SandboxServer:
    return start_sandbox(FAST)


@pytest.fixture
def app(sandbox: SandboxServer) -> SandboxApp:
    return register(sandbox)


@pytest.fixture
def start_receiver() -> Iterator[Callable[..., CallbackReceiver]]:
    started: list[CallbackReceiver] = []

    def start(**behaviour: Any) -> CallbackReceiver:
        receiver = CallbackReceiver(**behaviour)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.close()
