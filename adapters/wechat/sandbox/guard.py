"""What every WeChat call goes through: latency, access_token checks and switched-on faults."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from flask import Response, request

from .errors import WeChatError
from .records import AppRecord
from .runtime import SandboxRuntime, runtime
from .wire import error_response


def _pause(milliseconds: int) -> None:
    if milliseconds > 0:
        time.sleep(milliseconds / 1000)


def begin_call(rt: SandboxRuntime, app: AppRecord, takes_access_token: bool) -> None:
    """Apply the app's latency and faults to a call identified as coming from `app`."""
    with rt.state.lock:
        latency = app.faults.latency_ms
    _pause(latency)  # outside the lock: a slow app must not slow the others
    with rt.state.lock:
        app.faults.hit_call(takes_access_token)


def app_for_access_token(rt: SandboxRuntime) -> AppRecord:
    """The app whose access_token came with the request, after every check WeChat makes."""
    value = request.args.get("access_token", "")
    if not value:
        raise WeChatError(41001)
    with rt.state.lock:
        found = rt.state.tokens.get(value)
        app = rt.state.app(found[0]) if found else None
    if found is None or app is None:
        raise WeChatError(40001)
    begin_call(rt, app, takes_access_token=True)
    with rt.state.lock:
        found[1].check(rt.state.now())
    return app


def wechat_call(view: Callable[..., Response]) -> Callable[..., Response]:
    """A WeChat call without an access_token (token, stable_token, jscode2session)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        rt = runtime()
        _pause(rt.settings.latency_ms)
        try:
            return view(rt, *args, **kwargs)
        except WeChatError as error:
            return error_response(error)

    return wrapper


def with_access_token(view: Callable[..., Response]) -> Callable[..., Response]:
    """A WeChat call that needs a valid access_token; the view gets the runtime and the app."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        rt = runtime()
        _pause(rt.settings.latency_ms)
        try:
            app = app_for_access_token(rt)
            return view(rt, app, *args, **kwargs)
        except WeChatError as error:
            return error_response(error)

    return wrapper
