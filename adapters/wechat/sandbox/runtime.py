"""The sandbox object a Flask app carries: state, settings and background work."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from .background import Background
from .callbacks import CallbackSender
from .settings import SandboxSettings
from .state import SandboxState

EXTENSION_KEY = "wechat_sandbox"


@dataclass
class SandboxRuntime:
    settings: SandboxSettings
    state: SandboxState
    background: Background
    sender: CallbackSender

    @classmethod
    def create(cls, settings: SandboxSettings) -> SandboxRuntime:
        background = Background()
        sender = CallbackSender(settings.callback_timeout, settings.callback_tries,
                                settings.callback_retry_delay, background.stop)
        return cls(settings, SandboxState(settings), background, sender)

    def note_base_url(self) -> None:
        """Learn the base URL from a request if none was configured (a before_request hook)."""
        self.base_url()

    def base_url(self) -> str:
        """Where the sandbox is reachable, for the image and article URLs it hands out."""
        with self.state.lock:
            if self.state.base_url is None:
                # No configured URL: the first request tells where we are served.
                self.state.base_url = request.host_url.rstrip("/")
            return self.state.base_url


def runtime() -> SandboxRuntime:
    return current_app.extensions[EXTENSION_KEY]
