"""One access token per app, shared by every hub process, refreshed by one holder at a time.

Each process keeps the token it last saw in memory; the shared copy lives in the database
(`wechat_access_tokens`) or, with HUB_REDIS_URL, in Redis. Whoever finds it missing, near
expiry or refused takes the hold (a conditional UPDATE, or SET NX in Redis), fetches it
through `stable_token`, stores it, and lets go; the others wait for the new one rather than
fetch their own, so processes never knock each other's tokens out. A refused token leads
to at most one normal and one forced `stable_token` call: never a loop.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.wechat.models import WeChatAccessToken
from hub import ports
from hub.channels import TransientError
from hub.ports import utcnow

log = logging.getLogger("adapters.wechat")

# fetch(force_refresh) -> (access_token, expires_in seconds)
Fetch = Callable[[bool], tuple[str, int]]


@dataclass(frozen=True)
class Held:
    token: str
    expires_at: dt.datetime


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class _Base:
    """The logic every store shares; subclasses say where the shared copy and the hold live."""

    def __init__(self, *, margin: float = 300.0, hold: float = 15.0):
        self.margin = dt.timedelta(seconds=margin)
        self.hold = hold
        self._memory: dict[str, Held] = {}
        self._lock = threading.Lock()

    def token(self, appid: str, fetch: Fetch) -> str:
        """A token that is not near expiry."""
        with self._lock:
            held = self._memory.get(appid)
        if self._usable(held, None):
            return held.token
        return self._obtain(appid, fetch, refused=None)

    def replace(self, appid: str, refused: str, fetch: Fetch) -> str:
        """WeChat refused `refused` (40001/40014/42001): a different token, if there is one."""
        with self._lock:
            held = self._memory.get(appid)
            if held is not None and held.token == refused:
                del self._memory[appid]
        return self._obtain(appid, fetch, refused=refused)

    def _usable(self, held: Held | None, refused: str | None) -> bool:
        return (held is not None and held.token != refused
                and held.expires_at - self.margin > utcnow())

    def _remember(self, appid: str, held: Held) -> str:
        with self._lock:
            self._memory[appid] = held
        return held.token

    def _obtain(self, appid: str, fetch: Fetch, refused: str | None) -> str:
        deadline = time.monotonic() + self.hold + 5
        delay = 0.02
        while True:
            shared = self._read(appid)
            if self._usable(shared, refused):
                return self._remember(appid, shared)
            if self._take_hold(appid):
                written = False
                try:
                    shared = self._read(appid)  # someone may have just finished
                    if self._usable(shared, refused):
                        return self._remember(appid, shared)
                    fresh = self._fetch(fetch, refused)
                    self._write_and_release(appid, fresh)
                    written = True
                    return self._remember(appid, fresh)
                finally:
                    if not written:
                        self._release(appid)
            if time.monotonic() > deadline:
                raise TransientError("等待其他进程刷新 access_token 超时")
            time.sleep(delay)
            delay = min(delay * 2, 0.25)

    @staticmethod
    def _fetch(fetch: Fetch, refused: str | None) -> Held:
        token, expires_in = fetch(False)
        if refused is not None and token == refused:
            # stable_token still hands out the token WeChat just refused: ask for a new one
            # (force_refresh is rationed, 20 a day, so only here).
            token, expires_in = fetch(True)
        log.info("access token refreshed (expires in %s s)", expires_in)
        return Held(token, utcnow() + dt.timedelta(seconds=int(expires_in)))

    # -- where the shared copy lives ----------------------------------------------------
    def _read(self, appid: str) -> Held | None:
        raise NotImplementedError

    def _write(self, appid: str, held: Held) -> None:
        raise NotImplementedError

    def _take_hold(self, appid: str) -> bool:
        raise NotImplementedError

    def _release(self, appid: str) -> None:
        raise NotImplementedError

    def _write_and_release(self, appid: str, held: Held) -> None:
        """Share the fresh token and let go of the hold (a store may do both at once)."""
        try:
            self._write(appid, held)
        finally:
            self._release(appid)


class DatabaseTokenStore(_Base):
    """The shared copy in `wechat_access_tokens`, encrypted like outlet secrets."""

    def __init__(self, sessions, hub_secret: str, **kwargs):
        super().__init__(**kwargs)
        self.sessions = sessions
        self.hub_secret = hub_secret

    def _read(self, appid: str) -> Held | None:
        with self.sessions() as db:
            row = db.get(WeChatAccessToken, appid)
            if row is None or not row.token_encrypted or row.expires_at is None:
                return None
            return Held(ports.decrypt(self.hub_secret, row.token_encrypted), row.expires_at)

    def _write(self, appid: str, held: Held) -> None:
        with self.sessions() as db:
            self._store(db, appid, held)
            db.commit()

    def _store(self, db, appid: str, held: Held) -> None:
        db.execute(update(WeChatAccessToken).where(WeChatAccessToken.appid == appid).values(
            token_encrypted=ports.encrypt(self.hub_secret, held.token),
            expires_at=held.expires_at, refreshed_at=utcnow(),
            refreshes=func.coalesce(WeChatAccessToken.refreshes, 0) + 1)
            .execution_options(synchronize_session=False))

    def _write_and_release(self, appid: str, held: Held) -> None:
        """Both in one transaction: one commit instead of two."""
        with self.sessions() as db:
            self._store(db, appid, held)
            self._let_go(db, appid)
            db.commit()

    def _take_hold(self, appid: str) -> bool:
        """The row made if missing and the hold taken, in one transaction."""
        now = utcnow()
        with self.sessions() as db:
            dialect = postgresql if db.bind.dialect.name == "postgresql" else sqlite
            db.execute(dialect.insert(WeChatAccessToken).values(appid=appid, refreshes=0)
                       .on_conflict_do_nothing(index_elements=["appid"]))
            taken = db.execute(
                update(WeChatAccessToken)
                .where(WeChatAccessToken.appid == appid,
                       or_(WeChatAccessToken.held_until.is_(None),
                           WeChatAccessToken.held_until < now))
                .values(holder=_me(), held_until=now + dt.timedelta(seconds=self.hold))
                .execution_options(synchronize_session=False))
            db.commit()
            return taken.rowcount == 1

    def _release(self, appid: str) -> None:
        with self.sessions() as db:
            self._let_go(db, appid)
            db.commit()

    @staticmethod
    def _let_go(db, appid: str) -> None:
        db.execute(update(WeChatAccessToken)
                   .where(WeChatAccessToken.appid == appid, WeChatAccessToken.holder == _me())
                   .values(holder=None, held_until=None)
                   .execution_options(synchronize_session=False))


_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisTokenStore(_Base):
    """The shared copy in Redis (`hub:wechat:token:<appid>`), the hold a SET NX with expiry."""

    def __init__(self, url: str, hub_secret: str, *, prefix: str = "hub:wechat:", **kwargs):
        import redis

        super().__init__(**kwargs)
        self.redis = redis.Redis.from_url(url, socket_timeout=5)
        self.hub_secret = hub_secret
        self.prefix = prefix

    def _key(self, kind: str, appid: str) -> str:
        return f"{self.prefix}{kind}:{appid}"

    def _read(self, appid: str) -> Held | None:
        stored = self.redis.hgetall(self._key("token", appid))
        if not stored:
            return None
        token = ports.decrypt(self.hub_secret, stored[b"token"].decode())
        expires = dt.datetime.fromtimestamp(float(stored[b"expires_at"]), dt.UTC)
        return Held(token, expires)

    def _write(self, appid: str, held: Held) -> None:
        key = self._key("token", appid)
        pipe = self.redis.pipeline()
        pipe.hset(key, mapping={"token": ports.encrypt(self.hub_secret, held.token),
                                "expires_at": str(held.expires_at.timestamp())})
        pipe.expireat(key, int(held.expires_at.timestamp()))
        pipe.execute()

    def _take_hold(self, appid: str) -> bool:
        return bool(self.redis.set(self._key("hold", appid), _me(), nx=True,
                                   px=int(self.hold * 1000)))

    def _release(self, appid: str) -> None:
        self.redis.eval(_RELEASE, 1, self._key("hold", appid), _me())
