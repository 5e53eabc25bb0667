"""Timers the sandbox runs work on (publish jobs finishing, callbacks), stoppable at once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


class Background:
    """Runs functions after a delay on daemon threads; `shutdown` cancels what has not run."""

    def __init__(self, after_each: Callable[[], Any] | None = None) -> None:
        # Run on the same thread after each piece of work (the state saves what it touched).
        self.after_each = after_each
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._timers: set[threading.Timer] = set()

    def later(self, delay: float, work: Callable[..., Any], *args: Any) -> None:
        if self.stop.is_set():
            return
        timer: threading.Timer

        def run() -> None:
            try:
                if not self.stop.is_set():
                    work(*args)
            except Exception:
                # A background failure must not die silently: it is a sandbox bug.
                logger.exception("sandbox background work failed")
            finally:
                self._after(timer)

        timer = threading.Timer(max(0.0, delay), run)
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def _after(self, timer: threading.Timer) -> None:
        try:
            if self.after_each is not None:
                self.after_each()
        except Exception:
            logger.exception("sandbox background work could not save its state")
        finally:
            with self._lock:
                self._timers.discard(timer)

    def pending(self) -> int:
        with self._lock:
            return len(self._timers)

    def shutdown(self, wait: float = 5.0) -> None:
        """Cancel what has not started; give what is running up to `wait` seconds to end
        (and save what it did: a push just answered is recorded before the state closes)."""
        self.stop.set()
        with self._lock:
            timers, self._timers = list(self._timers), set()
        for timer in timers:
            timer.cancel()
        deadline = time.monotonic() + wait
        for timer in timers:
            if timer is not threading.current_thread():
                timer.join(max(0.0, deadline - time.monotonic()))
