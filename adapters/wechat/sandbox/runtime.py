"""The sandbox object a Flask app carries: state, settings and background work."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from .background import Background
from .callbacks import CallbackSender
from .settings import SandboxSettings
from .state import SandboxState
from .store import StateFile

EXTENSION_KEY = "wechat_sandbox"


@dataclass
class SandboxRuntime:
    settings: SandboxSettings
    state: SandboxState
    background: Background
    sender: CallbackSender

    @classmethod
    def create(cls, settings: SandboxSettings) -> SandboxRuntime:
        store = StateFile(settings.state_file) if settings.state_file else None
        state = SandboxState(settings, store)
        background = Background(after_each=state.save_touched)
        sender = CallbackSender(settings.callback_timeout, settings.callback_tries,
                                settings.callback_retry_delay, background.stop)
        return cls(settings, state, background, sender)

    def save_touched(self, *_: object) -> None:
        """Write what this request changed (a teardown hook: before the answer goes out)."""
        self.state.save_touched()

    def close(self) -> None:
        """Stop background work, then let go of the state file."""
        self.background.shutdown()
        if self.state.store is not None:
            self.state.store.close()

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
