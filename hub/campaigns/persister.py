"""The persister: writes the claims Redis decided (hub.campaigns.redis_claims) into the
database behind the rush, in batches, at least once and never twice.

Each round reads a batch from the claims stream as one consumer of the group (XREADGROUP),
writes it in one statement (a multi-row INSERT … ON CONFLICT DO NOTHING of the claims, and
the update of their slots), commits, and only then acknowledges the batch (XACK, XDEL) and
drops it from the members' unsaved claims. A persister that dies before acknowledging leaves
its batch pending: whichever persister comes next takes it over once it has been idle a
while (XAUTOCLAIM) and writes it again, which changes nothing: a claim's id was fixed when
the stock was loaded, and a slot taken is never taken again.

It runs in `hub worker` and in the embedded mode (hub.runtime.Workers), or alone as
`hub campaigns persist`; any number at once, each its own consumer. Each round also loads
open campaigns Redis does not hold yet, so a campaign is in Redis seconds after it opens.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import socket
import threading
import time

from hub.campaigns.claim_rules import Stated, answer_for
from hub.campaigns.gate import campaign_key
from hub.campaigns.models import Campaign, ClaimStatus
from hub.campaigns.redis_claims import GROUP, REDIS_ERRORS, Entry, RedisClaims
from hub.campaigns.redis_places import RANK, Row

log = logging.getLogger("hub.campaigns.persister")

BATCH = 500
# A batch read and not acknowledged this long is taken to belong to a dead persister.
IDLE_MS = 30_000
LOAD_EVERY_SECONDS = 5.0
# Test-only fault, asked for by name: SIGKILL this process after its Nth commit, before the
# acknowledgement (the window an at-least-once writer must survive).
FAULT_ENV = "HUB_PERSISTER_KILL_AFTER_COMMIT"

# Every claim of the batch in one statement: rows arrive as arrays (one parameter each, any
# batch size). A claim already written is updated only by a row further on in its life
# (waitlisted, then claimed, won or lost, then cancelled), so batches written twice or out of
# order (two persisters) change nothing back.
_WRITE = """
INSERT INTO campaign_claims (id, campaign_id, member_id, identity_id, request_id, nth,
                             status, slot_id, score, answer, created_at, updated_at)
SELECT id, campaign, member, identity, request, nth, status, slot, score, answer::json, at,
       updated
FROM unnest(%(id)s::int[], %(campaign)s::int[], %(member)s::int[], %(identity)s::int[],
            %(request)s::text[], %(nth)s::int[], %(status)s::text[], %(slot)s::int[],
            %(score)s::int[], %(answer)s::text[], %(at)s::timestamp[], %(updated)s::timestamp[])
  AS b(id, campaign, member, identity, request, nth, status, slot, score, answer, at, updated)
ON CONFLICT (id) DO UPDATE SET status = excluded.status, nth = excluded.nth,
  slot_id = excluded.slot_id, updated_at = excluded.updated_at
WHERE CASE campaign_claims.status WHEN 'waitlisted' THEN 1 WHEN 'cancelled' THEN 3 ELSE 2 END
    < CASE excluded.status WHEN 'waitlisted' THEN 1 WHEN 'cancelled' THEN 3 ELSE 2 END
"""
# Then the slots follow their claims as they now stand: a seat given up is freed (unless it
# went on to another claim already), a slot held is marked taken by its holder.
_FREE_SLOTS = """
UPDATE campaign_slots s SET claim_id = NULL, taken_at = NULL FROM campaign_claims c
WHERE c.id = ANY(%(id)s::int[]) AND s.claim_id = c.id AND c.slot_id IS DISTINCT FROM s.id
"""
_TAKE_SLOTS = """
UPDATE campaign_slots s SET claim_id = c.id, taken_at = c.updated_at FROM campaign_claims c
WHERE c.id = ANY(%(id)s::int[]) AND s.id = c.slot_id AND s.claim_id IS DISTINCT FROM c.id
"""
# Acknowledge a batch and drop its claims from the members' unsaved ones, unless Redis has
# changed one since (a seat given up meanwhile: the member sees that until it is written).
# KEYS: 1 stream. ARGV: 1 group, then (entry id, unsaved key, claim id, value or '').
_ACK = """
local ids = {}
for i = 2, #ARGV, 4 do
  ids[#ids + 1] = ARGV[i]
  if ARGV[i + 3] == '' or redis.call('hget', ARGV[i + 1], ARGV[i + 2]) == ARGV[i + 3] then
    redis.call('hdel', ARGV[i + 1], ARGV[i + 2])
  end
end
redis.call('xack', KEYS[1], ARGV[1], unpack(ids))
redis.call('xdel', KEYS[1], unpack(ids))
return #ids
"""
COLUMNS = ("id", "campaign", "member", "identity", "request", "nth", "status", "slot", "score",
           "answer", "at", "updated")


def _utc(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).astimezone(dt.UTC).replace(tzinfo=None)


class Persister:
    """One consumer of the claims stream."""

    def __init__(self, rush: RedisClaims, sessions, public_url: str, *,
                 consumer: str | None = None, batch: int = BATCH, idle_ms: int = IDLE_MS):
        self.rush = rush
        self.sessions = sessions
        self.public_url = public_url
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.batch = batch
        self.idle_ms = idle_ms
        self._stopped = threading.Event()
        self._campaigns: dict[int, Campaign] = {}
        self._commits = 0
        self._loaded_at = 0.0
        self._ack = rush.redis.register_script(_ACK)

    def stop(self) -> None:
        self._stopped.set()

    def run_forever(self, block_ms: int = 1000) -> None:
        """Rounds until `stop()`; an unreachable Redis or database is waited out."""
        while not self._stopped.is_set():
            try:
                self.rush.ensure_group()
                self._load_open()
                self.drain_once(block_ms)
            except REDIS_ERRORS as exc:
                log.warning("persister: Redis unavailable (%s)", type(exc).__name__)
                self._stopped.wait(2)
            except Exception:  # noqa: BLE001  (a database outage: the batch stays pending)
                log.exception("persister: batch not written; it stays pending")
                self._stopped.wait(2)

    def drain(self) -> int:
        """Write everything the stream holds now (tests, benchmarks); how many entries."""
        self.rush.ensure_group()
        total = 0
        while True:
            written = self.drain_once()
            if not written:
                return total
            total += written

    def drain_once(self, block_ms: int = 0) -> int:
        """One batch: read, write, commit, acknowledge. How many entries it held."""
        entries = self._take(block_ms)
        if not entries:
            return 0
        self._write(entries)
        self._commits += 1
        if os.environ.get(FAULT_ENV) == str(self._commits):
            os.kill(os.getpid(), signal.SIGKILL)
        self._acknowledge(entries)
        return len(entries)

    # --- the steps ----------------------------------------------------------------------
    def _take(self, block_ms: int) -> list[tuple[bytes, dict]]:
        redis = self.rush.redis
        stale = redis.xautoclaim(self.rush.stream, GROUP, self.consumer,
                                 min_idle_time=self.idle_ms, start_id="0-0", count=self.batch)
        if stale[1]:
            return [entry for entry in stale[1] if entry[1]]
        found = redis.xreadgroup(GROUP, self.consumer, {self.rush.stream: ">"},
                                 count=self.batch, block=block_ms or None)
        return [entry for _, entries in found or () for entry in entries if entry[1]]

    def _write(self, entries: list[tuple[bytes, dict]]) -> None:
        rows: dict[int, dict] = {}
        with self.sessions() as db:
            for _, fields in entries:
                row = self._row(db, {k.decode(): v.decode() for k, v in fields.items()})
                if row is not None and _rank(row) >= _rank(rows.get(row["id"])):
                    rows[row["id"]] = row  # a claim twice in one batch: its latest state
            if rows:
                # Cancels first: a place number given up is free for a claim later on.
                ordered = sorted(rows.values(), key=_rank, reverse=True)
                columns = {name: [row[name] for row in ordered] for name in COLUMNS}
                cursor = db.connection().connection.driver_connection.cursor()
                for statement in (_WRITE, _FREE_SLOTS, _TAKE_SLOTS):
                    cursor.execute(statement, columns)
                cursor.close()
            db.commit()

    def _row(self, db, fields: dict) -> dict | None:
        """One stream entry as the columns of its claim; None for a campaign this database
        does not have (keys another database left in a shared Redis)."""
        campaign = self._campaign(db, int(fields["c"]))
        if campaign is None or campaign_key(campaign.id, campaign.seed) != fields["k"]:
            log.warning("persister: entry for unknown campaign %s skipped", fields["k"])
            return None
        if "w" in fields:
            return self._place_row(campaign, fields)
        entry = Entry.parse(fields["e"])
        answer = answer_for(campaign, Stated(ClaimStatus.claimed), entry.slot, self.public_url)
        answer.pop("claim_id")
        at = _utc(fields["t"])
        return {"id": entry.claim_id, "campaign": campaign.id, "member": int(fields["m"]),
                "identity": int(fields["i"]), "request": fields["r"], "nth": entry.nth,
                "status": ClaimStatus.claimed, "slot": entry.slot_id, "score": None,
                "answer": json.dumps(answer), "at": at, "updated": at}

    def _place_row(self, campaign: Campaign, fields: dict) -> dict:
        """A course's or quiz's claim as it stands now; its answer as it was first given."""
        row = Row.parse(fields["w"])
        entry = row.entry
        answer = answer_for(campaign, Stated(entry.status, score=entry.score), entry.slot,
                            self.public_url, position=entry.position)
        answer.pop("claim_id")
        return {"id": entry.claim_id, "campaign": campaign.id, "member": row.member_id,
                "identity": row.identity_id, "request": row.request_id, "nth": row.nth,
                "status": row.status, "slot": row.slot.id if row.slot else None,
                "score": entry.score, "answer": json.dumps(answer), "at": _utc(row.created_at),
                "updated": _utc(fields["u"])}

    def _campaign(self, db, campaign_id: int) -> Campaign | None:
        if campaign_id not in self._campaigns:
            found = db.get(Campaign, campaign_id)
            if found is not None:
                db.expunge(found)  # kept across sessions: only its fixed terms are read
            self._campaigns[campaign_id] = found
        return self._campaigns[campaign_id]

    def _acknowledge(self, entries: list[tuple[bytes, dict]]) -> None:
        args = [GROUP]
        for entry_id, fields in entries:
            if b"w" in fields:
                row = Row.parse(fields[b"w"])
                value = b"|".join((fields[b"k"], fields[b"c"], fields[b"w"]))
                args += [entry_id, self.rush.unsaved_key(row.member_id), row.entry.claim_id,
                         value]
            else:
                claim_id = Entry.parse(fields[b"e"].decode()).claim_id
                args += [entry_id, self.rush.unsaved_key(int(fields[b"m"])), claim_id, ""]
        self._ack(keys=[self.rush.stream], args=args)

    def _load_open(self) -> None:
        now = time.monotonic()
        if now - self._loaded_at < LOAD_EVERY_SECONDS:
            return
        self._loaded_at = now
        with self.sessions() as db:
            self.rush.load_open(db)


def _rank(row: dict | None) -> int:
    return 0 if row is None else RANK.get(row["status"], 2)


def for_config(config, sessions) -> Persister | None:
    """The persister of a worker process, when Redis decides claims; else None."""
    from hub.campaigns import redis_claims

    try:
        rush = redis_claims.for_config(config)
    except REDIS_ERRORS:
        # Unreachable now: run anyway (the loop waits Redis out) if it is configured.
        rush = RedisClaims(config.redis_url) if config.redis_url and \
            config.database_url.startswith("postgresql") else None
    return Persister(rush, sessions, config.public_url) if rush is not None else None
