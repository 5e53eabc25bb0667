"""The reference controller client (`hub led-player`): what a billboard controller does.

It pulls its playlist with If-None-Match, downloads the files it lacks and checks their
sha256 and size before switching to the new playlist, plays from its cache (so it plays on
while the hub is unreachable), logs each play to disk and reports the plays in batches
when the hub answers again. A batch keeps its id until the hub has it, so a batch resent
after a lost answer counts once; plays of items the hub never gave this screen are answered
as rejected, logged and not resent. Everything lives under one cache directory and survives a
restart. It talks to the hub over HTTP only: no hub imports besides the schedule rules.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import requests

from adapters.led_screen import schedule

log = logging.getLogger("hub.led_player")
BATCH_SIZE = 50  # Xibo's batch size for proof of play
USER_AGENT = "yuegonghui-led-player/1"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class Player:
    def __init__(self, hub_url: str, token: str, cache_dir: str | os.PathLike, *,
                 timeout: float = 10.0, clock: Callable[[], dt.datetime] | None = None):
        self.hub_url = hub_url.rstrip("/")
        self.token = token
        self.cache = Path(cache_dir)
        self.files = self.cache / "files"
        self.outbox = self.cache / "outbox"
        self.timeout = timeout
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {token}",
                                  "User-Agent": USER_AGENT})
        self.position = 0
        self.not_before = 0.0  # monotonic time before which the hub asked us not to poll
        self.last_sync = "never"
        for folder in (self.files, self.outbox):
            folder.mkdir(parents=True, exist_ok=True)

    # -- the playlist ----------------------------------------------------------------------
    @property
    def playlist(self) -> dict | None:
        path = self.cache / "playlist.json"
        return json.loads(path.read_text("utf-8")) if path.exists() else None

    def _etag(self) -> str | None:
        path = self.cache / "etag"
        return path.read_text().strip() if path.exists() else None

    def sync(self) -> str:
        """Pull the playlist; "updated", "unchanged", "offline", "unauthorised", "wait"."""
        if time.monotonic() < self.not_before:
            return self._done("wait")
        headers = {}
        etag = self._etag()
        if etag and self.playlist is not None:
            headers["If-None-Match"] = etag
        try:
            response = self.http.get(f"{self.hub_url}/led/v1/playlist", headers=headers,
                                     timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("hub unreachable (%s): playing from the cache", type(exc).__name__)
            return self._done("offline")
        if response.status_code == 304:
            return self._done("unchanged")
        if response.status_code == 429:
            self.not_before = time.monotonic() + float(response.headers.get("Retry-After", 5))
            return self._done("wait")
        if response.status_code == 401:
            log.error("the hub refused this device token: pair the screen again")
            return self._done("unauthorised")
        if response.status_code != 200:
            return self._done("offline")
        document = response.json()
        if not self._fetch_files(document):
            return self._done("offline")  # keep the old playlist until every file is here
        _write_atomically(self.cache / "playlist.json",
                          json.dumps(document, ensure_ascii=False).encode())
        _write_atomically(self.cache / "etag", response.headers.get("ETag", "").encode())
        self._prune(document)
        self.position = 0
        return self._done("updated")

    def _done(self, outcome: str) -> str:
        self.last_sync = outcome
        return outcome

    def _fetch_files(self, document: dict) -> bool:
        for entry in document.get("files", []):
            if self.has_file(entry):
                continue
            try:
                response = self.http.get(entry["url"], timeout=self.timeout)
            except requests.RequestException:
                return False
            data = response.content
            if response.status_code != 200 or len(data) != entry["byte_size"] or \
                    hashlib.sha256(data).hexdigest() != entry["sha256"]:
                log.warning("file %s came back wrong (status %s, %d bytes): not used",
                            entry["sha256"][:12], response.status_code, len(data))
                return False
            _write_atomically(self.files / entry["sha256"], data)
        return True

    def has_file(self, entry: dict) -> bool:
        path = self.files / entry["sha256"]
        return path.exists() and path.stat().st_size == entry["byte_size"]

    def _prune(self, document: dict) -> None:
        keep = {entry["sha256"] for entry in document.get("files", [])}
        for path in self.files.iterdir():
            if path.name not in keep and not path.name.startswith("."):
                path.unlink()

    # -- playing ---------------------------------------------------------------------------
    def screen_on(self, now: dt.datetime) -> bool:
        power = (self.playlist or {}).get("power") or {}
        if not power.get("on") or not power.get("off"):
            return True
        window = {"start": power["on"], "end": power["off"]}
        return schedule.window_open(window, now.astimezone(schedule.SHANGHAI))

    def next_item(self, now: dt.datetime | None = None) -> dict | None:
        """Choose what plays now, log the play, and return it (None: nothing to show)."""
        now = now or self.clock()
        document = self.playlist
        if document is None or not self.screen_on(now):
            return None
        loop = [item for item in schedule.program(document.get("items", []), now)
                if "file" not in item or item["type"] == "video" or self.has_file(item["file"])]
        if not loop:
            return None
        item = loop[self.position % len(loop)]
        self.position += 1
        self._log_play(item, now)
        return item

    def _log_play(self, item: dict, now: dt.datetime) -> None:
        record = {"item_id": item["id"], "started_at": now.isoformat(),
                  "duration_seconds": item.get("duration_seconds", 10)}
        with open(self.cache / "plays.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    # -- reporting -------------------------------------------------------------------------
    def _seal_batches(self) -> None:
        """Move logged plays into numbered batches, each with the id it keeps until sent."""
        log_path = self.cache / "plays.jsonl"
        if not log_path.exists():
            return
        lines = [line for line in log_path.read_text("utf-8").splitlines() if line.strip()]
        for start in range(0, len(lines), BATCH_SIZE):
            plays = [json.loads(line) for line in lines[start:start + BATCH_SIZE]]
            batch_id = f"{int(time.time() * 1000):013d}-{uuid.uuid4().hex[:12]}"
            _write_atomically(self.outbox / f"{batch_id}.json",
                              json.dumps({"batch_id": batch_id, "plays": plays}).encode())
        log_path.unlink()

    def pending_plays(self) -> int:
        count = 0
        for path in self.outbox.glob("*.json"):
            count += len(json.loads(path.read_text("utf-8"))["plays"])
        log_path = self.cache / "plays.jsonl"
        if log_path.exists():
            count += sum(1 for line in log_path.read_text("utf-8").splitlines() if line)
        return count

    def report(self) -> int:
        """Send the batches waiting in the outbox, oldest first; returns plays accepted."""
        self._seal_batches()
        accepted = 0
        for path in sorted(self.outbox.glob("*.json")):
            batch = json.loads(path.read_text("utf-8"))
            try:
                response = self.http.post(f"{self.hub_url}/led/v1/plays", json=batch,
                                          timeout=self.timeout)
            except requests.RequestException:
                break  # offline: try again next time, with the same batch id
            if response.status_code == 200:
                answer = response.json()
                accepted += answer.get("accepted", 0)
                if answer.get("rejected"):
                    # Plays of items the hub says this screen was never given (a playlist
                    # cached from before a regrouping, say): resending cannot change that.
                    log.warning("hub rejected %s plays of batch %s", answer["rejected"],
                                batch["batch_id"])
                path.unlink()
            elif response.status_code == 400:
                log.error("hub refused batch %s: %s; dropped", batch["batch_id"], response.text)
                path.unlink()  # it will never be accepted: do not block the others
            else:
                break
        return accepted

    def heartbeat(self) -> dict | None:
        body = {"playlist_etag": self._etag(), "status": {"player": USER_AGENT,
                                                          "last_sync": self.last_sync,
                                                          "plays_waiting": self.pending_plays()}}
        try:
            response = self.http.post(f"{self.hub_url}/led/v1/heartbeat", json=body,
                                      timeout=self.timeout)
        except requests.RequestException:
            return None
        return response.json() if response.status_code == 200 else None

    # -- the loop --------------------------------------------------------------------------
    def run(self, seconds: float, *, time_scale: float = 1.0,
            poll_seconds: float | None = None, on_play: Callable[[dict], None] | None = None
            ) -> None:
        """Play for `seconds` of wall time; item durations are multiplied by `time_scale`
        (a test plays a 10-second item in 0.1 s with 0.01). Polls every `poll_seconds`
        (default: what the playlist says)."""
        deadline = time.monotonic() + seconds
        next_poll = 0.0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_poll:
                if self.sync() not in ("offline", "unauthorised"):
                    self.report()
                    self.heartbeat()
                interval = poll_seconds or (self.playlist or {}).get("poll_seconds", 60)
                next_poll = time.monotonic() + interval
            item = self.next_item()
            if item is not None:
                if on_play is not None:
                    on_play(item)
                pause = item.get("duration_seconds", 10) * time_scale
            else:
                pause = min(1.0, max(0.01, next_poll - time.monotonic()))
            time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
        self.report()
