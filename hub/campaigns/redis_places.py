"""Course seats and instant quiz prizes decided in Redis, as red packets are
(hub.campaigns.redis_claims): one script decides each claim atomically and appends it to the
same stream, the persister writes it behind.

What differs from a packet: a claim may get no slot (a place on the waitlist, a quiz lost),
so its id comes from a pool of ids reserved from the claims table's sequence (topped up from
the database when it runs dry) instead of riding on the slot; and a claim changes after it is
answered: a course seat is given up, and the seat passes to the first waiting. A second
script does that cancel atomically: it marks the claim cancelled, hands the seat to the head
of the waitlist (or back to the stock) and appends every changed claim to the stream.

Each stream entry carries the claim's whole state as it now stands (a "row"), so the
persister can write entries in any order and more than once: a claim's status only moves
forward (waitlisted, then claimed, then cancelled), and a row never overwrites a later one.

Redis keys, beside the packets' (the campaign's prefix P): P:stock the free slots, P:ids the
reserved claim ids, P:wait the waitlisted claim ids in order, P:rows {claim id: row},
P:m<member> {request id: entry as answered}, P:a<member> {place number: active claim id}.
A row: member|identity|request|created|status|nth|slot|number|amount|code|<entry>, an entry:
nth|claim|slot|number|amount|code|status|score|position.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import NamedTuple

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hub.campaigns import rules
from hub.campaigns.claim_script import CLAIM_PRELUDE, RATE_LIMITED, RATE_PREFIX
from hub.campaigns.claim_statements import SlotRow, advisory_lock
from hub.campaigns.gate import campaign_key
from hub.campaigns.models import Campaign, Claim, ClaimStatus, Kind, Slot

PLACE_KINDS = (Kind.course, Kind.quiz)
NEED_IDS, QUIZ_FAILED, NOTHING = 8, 7, 1
IDS_PER_TOP_UP = 1000  # reserved per round trip to the database's sequence
# Waitlisted < claimed/won/lost < cancelled: a row written late never undoes a later one.
RANK = {ClaimStatus.waitlisted: 1, ClaimStatus.cancelled: 3}

_SPLIT = """
local function split(s)
  local out = {}
  for field in (s .. '|'):gmatch('([^|]*)|') do out[#out + 1] = field end
  return out
end
"""
# KEYS: 1 loaded, 2 stock, 3 the member's answers, 4 stream, 5 the member's unsaved claims,
# 6 and 7 rate-limit counters, 8 ids, 9 the member's active places, 10 waitlist, 11 rows.
# ARGV: 1 request id, 2 limit, 3 campaign id, 4 member, 5 identity, 6 time, 7 ck,
# 8 rate window ms, 9 claims per window, 10 kind, 11 luck per place number ("1": an
# instant prize if any is left), 12 score, 13 "failed" when the quiz was failed.
_CLAIM = CLAIM_PRELUDE + """
local nth
for n = 1, tonumber(ARGV[2]) do
  if redis.call('hexists', KEYS[9], n) == 0 then nth = n break end
end
if not nth then return {2} end
if ARGV[13] == 'failed' then return {7} end
local id = redis.call('lpop', KEYS[8])
if not id then return {8} end
local status, item, position = '', nil, ''
if ARGV[10] == 'course' then
  item = redis.call('rpop', KEYS[2])
  if item then status = 'claimed' else
    status = 'waitlisted'
    position = redis.call('rpush', KEYS[10], id)
  end
else
  if string.sub(ARGV[11], nth, nth) == '1' then item = redis.call('rpop', KEYS[2]) end
  if item then status = 'won' else status = 'lost' end
end
local slot = '|||'
if item then slot = string.match(item, '^[^|]*|(.*)$') end
entry = nth .. '|' .. id .. '|' .. slot .. '|' .. status .. '|' .. ARGV[12] .. '|' .. position
redis.call('hset', KEYS[3], ARGV[1], entry)
redis.call('hset', KEYS[9], nth, id)
local row = ARGV[4] .. '|' .. ARGV[5] .. '|' .. ARGV[1] .. '|' .. ARGV[6] .. '|' .. status ..
  '|' .. nth .. '|' .. slot .. '|' .. entry
redis.call('hset', KEYS[11], id, row)
redis.call('hset', KEYS[5], id, ARGV[7] .. '|' .. ARGV[3] .. '|' .. row)
redis.call('xadd', KEYS[4], '*', 'k', ARGV[7], 'c', ARGV[3], 'w', row, 'u', ARGV[6])
return {0, entry}
"""
# KEYS: 1 loaded, 2 stock, 3 the member's active places, 4 waitlist, 5 rows, 6 stream.
# ARGV: 1 time, 2 ck, 3 campaign id, 4 the unsaved claims' key prefix.
# Cancels the member's latest active claim; its seat goes to the first waiting, else back.
_CANCEL = _SPLIT + """
if redis.call('exists', KEYS[1]) == 0 then return {9} end
local id
for _, found in ipairs(redis.call('hvals', KEYS[3])) do
  if not id or tonumber(found) > tonumber(id) then id = found end
end
if not id then return {1} end
local function save(claim, row)
  local joined = table.concat(row, '|')
  redis.call('hset', KEYS[5], claim, joined)
  redis.call('hset', ARGV[4] .. row[1], claim, ARGV[2] .. '|' .. ARGV[3] .. '|' .. joined)
  redis.call('xadd', KEYS[6], '*', 'k', ARGV[2], 'c', ARGV[3], 'w', joined, 'u', ARGV[1])
end
local row = split(redis.call('hget', KEYS[5], id))
redis.call('hdel', KEYS[3], row[6])
if row[5] == 'waitlisted' then redis.call('lrem', KEYS[4], 0, id) end
local seat = {row[7], row[8], row[9], row[10]}
row[5], row[6], row[7], row[8], row[9], row[10] = 'cancelled', '', '', '', '', ''
save(id, row)
local promoted = ''
if seat[1] ~= '' then
  promoted = redis.call('lpop', KEYS[4])
  if promoted then
    local waiting = split(redis.call('hget', KEYS[5], promoted))
    waiting[5], waiting[7], waiting[8], waiting[9], waiting[10] =
      'claimed', seat[1], seat[2], seat[3], seat[4]
    save(promoted, waiting)
  else
    promoted = ''
    redis.call('rpush', KEYS[2], '0|' .. table.concat(seat, '|'))
  end
end
return {0, id, promoted}
"""
# KEYS: 1 loaded, 2 stock, 3 ids, 4 waitlist, 5 rows, then 6-8 the freshly built 2-4.
# ARGV: 1 answers key prefix, 2 active places key prefix, then per claim already in the
# database: member, request id, entry, place number ('' when inactive), claim id, row.
_INSTALL = """
if redis.call('exists', KEYS[1]) == 1 then
  redis.call('del', KEYS[6], KEYS[7], KEYS[8]) return 0
end
redis.call('del', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
for i = 6, 8 do
  if redis.call('exists', KEYS[i]) == 1 then redis.call('rename', KEYS[i], KEYS[i - 4]) end
end
for i = 3, #ARGV, 6 do
  redis.call('hset', ARGV[1] .. ARGV[i], ARGV[i + 1], ARGV[i + 2])
  if ARGV[i + 3] ~= '' then redis.call('hset', ARGV[2] .. ARGV[i], ARGV[i + 3], ARGV[i + 4]) end
  redis.call('hset', KEYS[5], ARGV[i + 4], ARGV[i + 5])
end
redis.call('set', KEYS[1], 1)
return 1
"""


def _blank(value: str) -> int | None:
    return int(value) if value else None


class PlaceEntry(NamedTuple):
    """A course or quiz claim as first answered (a replay gets this again)."""

    nth: int
    claim_id: int
    slot: SlotRow | None
    status: str
    score: int | None
    position: int | None

    @classmethod
    def parse(cls, raw: bytes | str) -> PlaceEntry:
        text_ = raw.decode() if isinstance(raw, bytes) else raw
        nth, claim, slot, number, amount, code, status, score, position = text_.split("|")
        found = SlotRow(int(slot), int(number), _blank(amount), code or None) if slot else None
        return cls(int(nth), int(claim), found, status, _blank(score), _blank(position))


class Row(NamedTuple):
    """A course or quiz claim as it stands now (what the persister writes)."""

    member_id: int
    identity_id: int
    request_id: str
    created_at: str  # ISO UTC
    status: str
    nth: int | None
    slot: SlotRow | None
    entry: PlaceEntry

    @classmethod
    def parse(cls, raw: bytes | str) -> Row:
        text_ = raw.decode() if isinstance(raw, bytes) else raw
        fields = text_.split("|", 10)
        member, identity, request, created, status, nth, slot, number, amount, code = \
            fields[:10]
        found = SlotRow(int(slot), int(number), _blank(amount), code or None) if slot else None
        return cls(int(member), int(identity), request, created, status, _blank(nth), found,
                   PlaceEntry.parse(fields[10]))

    @property
    def rank(self) -> int:
        return RANK.get(self.status, 2)


def _slot_text(slot) -> str:
    if slot is None:
        return "|||"
    amount = "" if slot.amount_fen is None else str(slot.amount_fen)
    return f"{slot.id}|{slot.number}|{amount}|{slot.code or ''}"


def decided_in_redis(kind: str, quiz_mode: str | None) -> bool:
    """Whether a campaign of this kind hands out places through this module (a quiz drawn
    later has no stock to split: its entrants stay in the database)."""
    return kind == Kind.course or (kind == Kind.quiz and quiz_mode == "instant")


class RedisPlaces:
    """The scripts for courses and instant quizzes, on a RedisClaims' connection and keys."""

    def __init__(self, claims):
        self.claims = claims
        self.redis = claims.redis
        self._claim = self.redis.register_script(_CLAIM)
        self._cancel = self.redis.register_script(_CANCEL)
        self._install = self.redis.register_script(_INSTALL)

    def _keys(self, ck: str) -> dict[str, str]:
        base = self.claims._campaign(ck)
        return {name: f"{base}:{name}" for name in ("loaded", "stock", "ids", "wait", "rows")}

    # --- claiming -----------------------------------------------------------------------
    def claim(self, facts, member_id: int, identity_id: int, request_id: str, now_iso: str,
              *, score: int | None, failed: bool, openid: str = "",
              rate: tuple[int, float] | None = None) -> tuple[int, object]:
        """(CLAIMED|REPEAT, the entry), (RATE_LIMITED, ms to wait) or (LIMIT_USED|
        QUIZ_FAILED|NEED_IDS|NOT_LOADED, None). A failed quiz is judged after the limit, as
        the database path judges it."""

        ck = campaign_key(facts.id, facts.seed)
        keys = self._keys(ck)
        luck = "".join("1" if rules.instant_win(facts.seed, f"{member_id}:{n}",
                                                facts.win_chance or 0) else "0"
                       for n in range(1, facts.per_member_limit + 1)) \
            if facts.kind == Kind.quiz else ""
        per_window, window = rate or (0, 0.0)
        found = self._claim(
            keys=[keys["loaded"], keys["stock"], self.claims._answers(ck, member_id),
                  self.claims.stream, self.claims.unsaved_key(member_id),
                  f"{RATE_PREFIX}:identity:{identity_id}", f"{RATE_PREFIX}:openid:{openid}",
                  keys["ids"], f"{self.claims._campaign(ck)}:a{member_id}", keys["wait"],
                  keys["rows"]],
            args=[request_id, facts.per_member_limit, facts.id, member_id, identity_id,
                  now_iso, ck, int(window * 1000), per_window, facts.kind, luck,
                  "" if score is None else score, "failed" if failed else ""])
        code = int(found[0])
        if code == RATE_LIMITED:
            return code, max(int(found[1]), 1) / 1000
        return code, PlaceEntry.parse(found[1]) if len(found) > 1 else None

    def stored(self, campaign_id: int, seed: str, member_id: int,
               request_id: str) -> PlaceEntry | None:
        found = self.redis.hget(self.claims._answers(campaign_key(campaign_id, seed),
                                                     member_id), request_id)
        return PlaceEntry.parse(found) if found is not None else None

    def cancel(self, campaign_id: int, seed: str, member_id: int, now_iso: str
               ) -> tuple[int, int | None, int | None]:
        """(0, the cancelled claim, the claim promoted to its seat or None), (NOTHING, ...)
        when the member holds nothing to give up, (NOT_LOADED, ...)."""
        ck = campaign_key(campaign_id, seed)
        keys = self._keys(ck)
        found = self._cancel(
            keys=[keys["loaded"], keys["stock"], f"{self.claims._campaign(ck)}:a{member_id}",
                  keys["wait"], keys["rows"], self.claims.stream],
            args=[now_iso, ck, campaign_id, f"{self.claims.prefix}:unsaved:m"])
        if int(found[0]) != 0:
            return int(found[0]), None, None
        return 0, int(found[1]), _blank(found[2].decode() if isinstance(found[2], bytes)
                                        else str(found[2]))

    def position(self, campaign_id: int, seed: str, claim_id: int) -> int | None:
        """Where a waitlisted claim stands now (1 is next), None when it does not wait."""
        found = self.redis.lpos(self._keys(campaign_key(campaign_id, seed))["wait"],
                                str(claim_id))
        return None if found is None else int(found) + 1

    def top_up(self, db: Session, campaign_id: int, seed: str) -> None:
        """Reserve more claim ids from the database's sequence (the pool ran dry)."""
        ids = _reserve(db, IDS_PER_TOP_UP)
        db.rollback()
        self.redis.rpush(self._keys(campaign_key(campaign_id, seed))["ids"], *ids)

    # --- loading ------------------------------------------------------------------------
    def install(self, db: Session, campaign: Campaign, free: list) -> bool:
        """Put a course's or quiz's free slots, a pool of ids and its claims so far into
        Redis (called by RedisClaims.load with the campaign marked and its free slots
        locked); commits `db`. True when this call installed them."""
        ck = campaign_key(campaign.id, campaign.seed)
        ids = _reserve(db, IDS_PER_TOP_UP)
        known = db.execute(select(Claim, Slot).outerjoin(Slot, Slot.id == Claim.slot_id)
                           .where(Claim.campaign_id == campaign.id).order_by(Claim.id)).all()
        args = [f"{self.claims._campaign(ck)}:m", f"{self.claims._campaign(ck)}:a"]
        waiting = []
        for record, slot in known:
            args += _known(record, slot)
            if record.status == ClaimStatus.waitlisted:
                waiting.append(record.id)
        db.commit()
        keys = self._keys(ck)
        suffix = secrets.token_hex(6)
        built = {name: f"{keys[name]}:building:{suffix}" for name in ("stock", "ids", "wait")}
        pipe = self.redis.pipeline(transaction=False)
        for name, items in (("stock", [f"0|{_slot_text(s)}" for s in free]), ("ids", ids),
                            ("wait", waiting)):
            for start in range(0, len(items), 5000):
                pipe.rpush(built[name], *items[start:start + 5000])
            pipe.expire(built[name], 3600)
        pipe.execute()
        return bool(self._install(
            keys=[keys["loaded"], keys["stock"], keys["ids"], keys["wait"], keys["rows"],
                  built["stock"], built["ids"], built["wait"]], args=args))


def lock_for_load(db: Session, campaign: Campaign) -> None:
    """Course claims and cancels in the database hold the campaign's advisory lock: the load
    waits for one in flight (a waitlist place holds no slot lock to wait on)."""
    if campaign.kind == Kind.course:
        advisory_lock(db, campaign.id)


def _reserve(db: Session, count: int) -> list[int]:
    return list(db.scalars(text(
        "SELECT nextval(pg_get_serial_sequence('campaign_claims', 'id')) "
        "FROM generate_series(1, :n)"), {"n": count}))


def _known(record: Claim, slot: Slot | None) -> list:
    """A claim already in the database, as the install script's arguments."""
    answer = record.answer or {}
    answered = answer.get("status", record.status)
    first_slot = slot if answered in (ClaimStatus.claimed, ClaimStatus.won) else None
    entry = "|".join(map(str, (record.nth or 0, record.id, _slot_text(first_slot), answered,
                               "" if record.score is None else record.score,
                               answer.get("position", ""))))
    active = record.status in ClaimStatus.ACTIVE and record.nth is not None
    created = record.created_at.replace(tzinfo=record.created_at.tzinfo or dt.UTC).isoformat()
    row = "|".join(map(str, (record.member_id, record.identity_id, record.request_id,
                             created, record.status, record.nth if active else "",
                             _slot_text(slot), entry)))
    return [record.member_id, record.request_id, entry, record.nth if active else "",
            record.id, row]
