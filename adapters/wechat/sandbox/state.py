"""State of the sandbox: registered apps and everything they sent, under one lock, in memory
and (with a state file, see store.py) on disk."""

from __future__ import annotations

import itertools
import threading
from typing import TYPE_CHECKING

from .records import AppRecord
from .settings import SandboxSettings
from .tokens import IssuedToken

if TYPE_CHECKING:
    from .store import StateFile


class SandboxState:
    """All apps of one sandbox. Hold `lock` while reading or changing anything here.

    With a state file (store.StateFile) the apps are loaded from it, and each thread writes
    back the apps it looked up (`app()`) when its request or background step ends
    (`save_touched()`): every change is made after such a look-up, under the lock."""

    def __init__(self, settings: SandboxSettings, store: StateFile | None = None) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.apps: dict[str, AppRecord] = {}
        self.tokens: dict[str, tuple[str, IssuedToken]] = {}
        self.base_url: str | None = settings.public_base_url
        # Bumped by reset, so that work started before a reset does not write into after it.
        self.generation = 0
        self._serial = itertools.count(1)
        self.store = store
        self._touched = threading.local()
        for app in store.load_apps() if store is not None else ():
            self._add(app)

    def now(self) -> float:
        return self.settings.clock()

    def next_serial(self) -> int:
        # From the file when there is one: a restarted sandbox never reissues an id.
        return self.store.next_serial() if self.store is not None else next(self._serial)

    def register_app(self, record: AppRecord) -> AppRecord:
        """Add an app, or update the configuration of one registered before (keeping its data)."""
        existing = self.app(record.appid)
        if existing is None:
            self._add(record)
            self.touch(record.appid)
            return record
        for name in ("secret", "token", "encoding_aes_key", "callback_url", "account_type",
                     "ghid"):
            setattr(existing, name, getattr(record, name))
        return existing

    def _add(self, app: AppRecord) -> None:
        self.apps[app.appid] = app
        for family in app.token_families.values():
            for token in family.issued:
                self.tokens[token.value] = (app.appid, token)

    def app(self, appid: str) -> AppRecord | None:
        app = self.apps.get(appid)
        if app is not None:
            self.touch(appid)
        return app

    def touch(self, appid: str) -> None:
        """Note that this thread changes the app: its next `save_touched()` writes it."""
        if self.store is not None:
            touched = getattr(self._touched, "appids", None)
            if touched is None:
                touched = self._touched.appids = set()
            touched.add(appid)

    def save_touched(self) -> None:
        """Write the apps this thread looked up since it last saved (no-op in memory)."""
        touched = getattr(self._touched, "appids", None)
        if not touched:
            return
        self._touched.appids = set()
        with self.lock:
            for appid in touched:
                app = self.apps.get(appid)
                if app is not None:
                    self.store.save_app(app)

    def issue_token(self, app: AppRecord, family: str) -> IssuedToken:
        token = app.token_families[family].issue(
            family, self.now(), self.settings.token_lifetime, self.settings.token_overlap)
        self.tokens[token.value] = (app.appid, token)
        return token

    def reset(self) -> None:
        self.apps.clear()
        self.tokens.clear()
        self.generation += 1
        if self.store is not None:
            self.store.forget_apps()
