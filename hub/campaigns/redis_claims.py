"""Claims decided in Redis (HUB_REDIS_URL, on PostgreSQL) for the kinds whose stock is split
before the rush: red packets, voucher and ticket codes here; course seats and instant quiz
prizes, which also queue, lose and give places up, in hub.campaigns.redis_places (on the same
stream, loaded the same way).

One Lua script decides a claim atomically: a repeated request id gets its first answer, a
member at their limit is turned away, else one pre-split item is popped, recorded as the
member's answer and appended to a Redis Stream. The persister (hub.campaigns.persister)
drains the stream into the database behind. Until it has, what members see of their claims
comes from Redis too (`unsaved`).

An item carries everything the answer needs and the claim's id, reserved from the claims
table's own sequence when the stock is loaded: the row the persister writes later has the
id the member was told, and a repeat of an entry writes nothing twice.

Loading: a campaign's free slots go to Redis on its first claim (or `hub campaigns
load-redis`, or the persister's round of open campaigns); the campaign row is marked
`decided_in = "redis"` first, in the same transaction that locks its free slots, so the
database's claim path never hands out a slot Redis also holds. Keys carry the campaign's
random seed besides its id (as the gate's do), so a restored or rebuilt database never meets
another campaign's stock or answers under a reused id.

Durability: an acknowledged claim lives only in Redis until persisted, so Redis must write
its append-only file before answering (`appendonly yes`, `appendfsync always`). The hub
checks this when it first connects and refuses to decide claims in a Redis that does not
(the database decides them instead, as without Redis) and says so in its log, unless
HUB_REDIS_DURABILITY=everysec (Config.redis_durability) accepts losing up to one second of
claims in a crash of the Redis machine.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from typing import NamedTuple

from redis.exceptions import RedisError
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from hub.campaigns import claim_script, redis_places
from hub.campaigns.claim_script import CLAIM_PRELUDE, RATE_PREFIX
from hub.campaigns.claim_statements import SlotRow
from hub.campaigns.gate import campaign_key
from hub.campaigns.models import Campaign, CampaignState, Claim, Slot

log = logging.getLogger("hub.campaigns.redis_claims")

REDIS_KINDS = ("red_packet", "voucher", "ticket")
REDIS_ERRORS = (RedisError, OSError)  # Redis down, slow or refusing
GROUP = "persister"
# What the claim script answers: its own answers, then the prelude's (callers read them all
# here).
CLAIMED, SOLD_OUT, LIMIT_USED = 0, 1, 2
REPEAT, RATE_LIMITED, NOT_LOADED = (claim_script.REPEAT, claim_script.RATE_LIMITED,
                                    claim_script.NOT_LOADED)

# KEYS: 1 loaded marker, 2 stock list, 3 the member's answers {request id: entry},
# 4 the stream, 5 the member's unsaved claims {claim id: campaign|entry|time}, 6 and 7 the
# identity's and the openid's rate-limit counters (the gate's keys).
# ARGV: 1 request id, 2 limit, 3 campaign id, 4 member id, 5 identity id, 6 time, 7 ck,
# 8 rate window ms, 9 claims per window (0: counted already, by the gate).
# An entry: nth|claim id|slot id|slot number|amount|code.
_CLAIM = CLAIM_PRELUDE + """
local n = redis.call('hlen', KEYS[3])
if n >= tonumber(ARGV[2]) then return {2} end
local item = redis.call('rpop', KEYS[2])
if not item then return {1} end
entry = (n + 1) .. '|' .. item
redis.call('hset', KEYS[3], ARGV[1], entry)
local claim = string.match(item, '^(%d+)|')
redis.call('hset', KEYS[5], claim, ARGV[7] .. '|' .. ARGV[3] .. '|' .. ARGV[6] .. '|' .. entry)
redis.call('xadd', KEYS[4], '*', 'k', ARGV[7], 'c', ARGV[3], 'm', ARGV[4], 'i', ARGV[5],
           'r', ARGV[1], 't', ARGV[6], 'e', entry)
return {0, entry}
"""
# KEYS: 1 loaded marker, 2 stock list, 3 the freshly built stock. ARGV: 1 the members'
# answers key prefix, then (member id, request id, entry) per claim already in the database.
# Installs the stock unless another process did first (then drops this one's copy).
_INSTALL = """
if redis.call('exists', KEYS[1]) == 1 then redis.call('del', KEYS[3]) return 0 end
redis.call('del', KEYS[2])
if redis.call('exists', KEYS[3]) == 1 then redis.call('rename', KEYS[3], KEYS[2]) end
for i = 2, #ARGV, 3 do redis.call('hset', ARGV[1] .. ARGV[i], ARGV[i + 1], ARGV[i + 2]) end
redis.call('set', KEYS[1], 1)
return 1
"""


class Entry(NamedTuple):
    """A claim as Redis holds it: the member's place number, the claim's id and its slot."""

    nth: int
    claim_id: int
    slot_id: int
    number: int
    amount_fen: int | None
    code: str | None

    @classmethod
    def parse(cls, raw: bytes | str) -> Entry:
        text_ = raw.decode() if isinstance(raw, bytes) else raw
        nth, claim, slot, number, amount, code = text_.split("|")
        return cls(int(nth), int(claim), int(slot), int(number),
                   int(amount) if amount else None, code or None)

    @property
    def slot(self) -> SlotRow:
        """The slot as answers read it (amount, code, number)."""
        return SlotRow(self.slot_id, self.number, self.amount_fen, self.code)


class Unsaved(NamedTuple):
    """A claim answered from Redis that the persister has not written yet: a packet's
    `entry`, or a course's or quiz's `row` (its state now)."""

    campaign_key: str
    campaign_id: int
    created_at: str  # ISO UTC
    entry: Entry | None
    row: redis_places.Row | None = None

    @property
    def claim_id(self) -> int:
        return self.entry.claim_id if self.entry else self.row.entry.claim_id


def decides(kind: str, quiz_mode: str | None = None) -> bool:
    """Whether Redis decides the claims of a campaign of this kind (when it decides any)."""
    return kind in REDIS_KINDS or redis_places.decided_in_redis(kind, quiz_mode)


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _item(claim_id: int, slot) -> str:
    amount = "" if slot.amount_fen is None else str(slot.amount_fen)
    return f"{claim_id}|{slot.id}|{slot.number}|{amount}|{slot.code or ''}"


def durability_problem(config: dict, accepted: str) -> str | None:
    """Why a Redis with this configuration (CONFIG GET append*) may not decide claims."""
    appendonly, fsync = config.get("appendonly"), config.get("appendfsync")
    if appendonly != "yes":
        return "Redis has appendonly off: an acknowledged claim would be lost in a restart"
    if fsync == "always" or (fsync == "everysec" and accepted == "everysec"):
        return None
    if fsync == "everysec":
        return ("Redis has appendfsync everysec: up to one second of acknowledged claims "
                "could be lost (set appendfsync always, or HUB_REDIS_DURABILITY=everysec "
                "to accept it)")
    return f"Redis has appendfsync {fsync}: acknowledged claims could be lost"


class RedisClaims:
    """The claim script, loading stock and what the persister and members read."""

    def __init__(self, url: str, prefix: str = "hub:rush"):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
        self.prefix = prefix
        self.stream = f"{prefix}:claims"
        self._claim = self.redis.register_script(_CLAIM)
        self._install = self.redis.register_script(_INSTALL)
        self._load_lock = threading.Lock()
        self.places = redis_places.RedisPlaces(self)

    # --- keys ---------------------------------------------------------------------------
    def _campaign(self, ck: str) -> str:
        return f"{self.prefix}:c{ck}"

    def _answers(self, ck: str, member_id: int) -> str:
        return f"{self._campaign(ck)}:m{member_id}"

    def unsaved_key(self, member_id: int) -> str:
        return f"{self.prefix}:unsaved:m{member_id}"

    # --- durability ---------------------------------------------------------------------
    def durability(self, accepted: str = "always") -> str | None:
        """None when this Redis may decide claims with the durability the operator accepts
        (HUB_REDIS_DURABILITY), else why not (raises if unreachable)."""
        found = self.redis.config_get("append*")
        return durability_problem({_text(k): _text(v) for k, v in found.items()}, accepted)

    # --- claiming -----------------------------------------------------------------------
    def claim(self, campaign_id: int, seed: str, member_id: int, identity_id: int,
              request_id: str, limit: int, now_iso: str, *, openid: str = "",
              rate: tuple[int, float] | None = None) -> tuple[int, object]:
        """(CLAIMED|REPEAT, the entry), (RATE_LIMITED, seconds to wait) or
        (SOLD_OUT|LIMIT_USED|NOT_LOADED, None). `rate` (claims per window, window seconds)
        counts this claim against the member's rate limits first (as the gate would)."""
        ck = campaign_key(campaign_id, seed)
        per_window, window = rate or (0, 0.0)
        found = self._claim(
            keys=[f"{self._campaign(ck)}:loaded", f"{self._campaign(ck)}:stock",
                  self._answers(ck, member_id), self.stream, self.unsaved_key(member_id),
                  f"{RATE_PREFIX}:identity:{identity_id}", f"{RATE_PREFIX}:openid:{openid}"],
            args=[request_id, limit, campaign_id, member_id, identity_id, now_iso, ck,
                  int(window * 1000), per_window])
        code = int(found[0])
        if code == RATE_LIMITED:
            return code, max(int(found[1]), 1) / 1000
        return code, Entry.parse(found[1]) if len(found) > 1 else None

    def stored(self, campaign_id: int, seed: str, member_id: int,
               request_id: str) -> Entry | None:
        """This very request's entry, if Redis answered it before."""
        ck = campaign_key(campaign_id, seed)
        found = self.redis.hget(self._answers(ck, member_id), request_id)
        return Entry.parse(found) if found is not None else None

    def is_loaded(self, campaign_id: int, seed: str) -> bool:
        return bool(self.redis.exists(f"{self._campaign(campaign_key(campaign_id, seed))}:loaded"))

    def stock_left(self, campaign_id: int, seed: str) -> int:
        return int(self.redis.llen(f"{self._campaign(campaign_key(campaign_id, seed))}:stock"))

    # --- loading ------------------------------------------------------------------------
    def load(self, db: Session, campaign_id: int) -> bool:
        """Put the campaign's free slots and its claims so far into Redis, once (a second
        call, here or in another process, changes nothing); True when Redis holds them
        afterwards. Commits `db`."""
        with self._load_lock:  # one load per process at a time; Redis settles the rest
            return self._load(db, campaign_id)

    def _load(self, db: Session, campaign_id: int) -> bool:
        campaign = db.get(Campaign, campaign_id)
        if (campaign is None or not decides(campaign.kind, campaign.quiz_mode)
                or campaign.opened_at is None or db.bind.dialect.name != "postgresql"):
            db.rollback()
            return False
        if self.is_loaded(campaign.id, campaign.seed):
            db.rollback()
            return True
        ck = campaign_key(campaign.id, campaign.seed)
        redis_places.lock_for_load(db, campaign)
        # Marked first, with its free slots locked: a database claim in flight finishes
        # before they are read, and none starts after (its slot query checks the mark).
        db.execute(update(Campaign).where(Campaign.id == campaign.id).values(decided_in="redis"))
        free = db.execute(select(Slot.id, Slot.number, Slot.amount_fen, Slot.code).where(
            Slot.campaign_id == campaign.id, Slot.claim_id.is_(None)).order_by(Slot.number.desc())
            .with_for_update()).all()
        if campaign.kind in redis_places.PLACE_KINDS:
            if self.places.install(db, campaign, free):
                log.info("campaign %s: %d slots loaded into Redis", campaign.id, len(free))
            return True
        ids = list(db.scalars(text(
            "SELECT nextval(pg_get_serial_sequence('campaign_claims', 'id')) "
            "FROM generate_series(1, :n)"), {"n": len(free)})) if free else []
        known = db.execute(select(Claim.member_id, Claim.request_id, Claim.nth, Claim.id,
                                  Slot.id, Slot.number, Slot.amount_fen, Slot.code)
                           .join(Slot, Slot.id == Claim.slot_id)
                           .where(Claim.campaign_id == campaign.id)).all()
        db.commit()
        building = f"{self._campaign(ck)}:building:{secrets.token_hex(6)}"
        items = [_item(claim_id, slot) for claim_id, slot in zip(ids, free, strict=True)]
        pipe = self.redis.pipeline(transaction=False)
        for start in range(0, len(items), 5000):
            pipe.rpush(building, *items[start:start + 5000])
        pipe.expire(building, 3600)
        pipe.execute()
        args = [f"{self._campaign(ck)}:m"]
        for member_id, request_id, nth, claim_id, *slot in known:
            args += [member_id, request_id, f"{nth}|{_item(claim_id, SlotRow(*slot))}"]
        installed = self._install(keys=[f"{self._campaign(ck)}:loaded",
                                        f"{self._campaign(ck)}:stock", building], args=args)
        if installed:
            log.info("campaign %s: %d slots loaded into Redis", campaign.id, len(items))
        return True

    def load_open(self, db: Session) -> int:
        """Load every open campaign of the Redis kinds not loaded yet (the persister's round:
        a campaign opened at publication is in Redis within seconds). How many it loaded."""
        rows = db.execute(select(Campaign.id, Campaign.seed).where(
            Campaign.state == CampaignState.open,
            Campaign.kind.in_(REDIS_KINDS) | (Campaign.kind == "course")
            | ((Campaign.kind == "quiz") & (Campaign.quiz_mode == "instant")))).all()
        db.rollback()
        loaded = 0
        for campaign_id, seed in rows:
            if not self.is_loaded(campaign_id, seed):
                loaded += self.load(db, campaign_id)
        return loaded

    def forget_campaign(self, campaign_id: int, seed: str) -> None:
        """Drop a campaign's keys (reload: only once the persister has drained)."""
        ck = campaign_key(campaign_id, seed)
        for key in self.redis.scan_iter(match=f"{self._campaign(ck)}:*", count=1000):
            self.redis.delete(key)

    # --- what members see before the persister wrote it ---------------------------------
    def unsaved(self, member_id: int) -> list[Unsaved]:
        found = []
        for raw in self.redis.hvals(self.unsaved_key(member_id)):
            ck, campaign_id, rest = raw.decode().split("|", 2)
            if rest.count("|") == 6:  # created|entry: a packet's
                created_at, entry = rest.split("|", 1)
                found.append(Unsaved(ck, int(campaign_id), created_at, Entry.parse(entry)))
            else:
                row = redis_places.Row.parse(rest)
                found.append(Unsaved(ck, int(campaign_id), row.created_at, None, row))
        return found

    # --- the stream, for the persister --------------------------------------------------
    def ensure_group(self) -> None:
        import redis

        try:
            self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def lag(self) -> dict:
        """How far the persister is behind: entries not yet written and acknowledged (each
        is deleted from the stream once acknowledged, so that is the stream's length), and
        how long the oldest of them has waited, in seconds (its id is Redis's clock then)."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.xlen(self.stream)
        pipe.xrange(self.stream, count=1)
        pipe.time()
        length, first, (seconds, micros) = pipe.execute()
        oldest = 0.0
        if first:
            added_ms = int(_text(first[0][0]).split("-")[0])
            oldest = max(0.0, (seconds * 1000 + micros / 1000 - added_ms) / 1000)
        return {"unpersisted": int(length), "oldest_seconds": round(oldest, 1)}

    def forget(self) -> None:
        """Delete every key under this prefix (tests and benchmarks clean up)."""
        for key in self.redis.scan_iter(match=f"{self.prefix}:*", count=1000):
            self.redis.delete(key)


# --- one per process and URL ------------------------------------------------------------

_ready: dict[tuple[str, str], RedisClaims | None] = {}
_unreachable_until: dict[tuple[str, str], float] = {}
_ready_lock = threading.Lock()
RETRY_SECONDS = 5.0  # an unreachable Redis is asked again after this long, not every claim


def for_config(config) -> RedisClaims | None:
    """The Redis claims of this process for a hub Config (see for_url)."""
    return for_url(config.redis_url, config.database_url, config.redis_durability)


def for_url(url: str | None, database_url: str, durability: str = "always"
            ) -> RedisClaims | None:
    """The Redis claims of this process, or None when claims stay in the database: no Redis,
    not PostgreSQL, or a Redis not as durable as `durability` asks (said once in the log).
    While Redis cannot be reached this raises one of REDIS_ERRORS (at most once per
    RETRY_SECONDS: in between, a ConnectionError at once), and it is asked again later."""
    if not url or not database_url.startswith("postgresql"):
        return None
    key = (url, durability)
    found = _ready.get(key, _ready)
    if found is not _ready:
        return found
    with _ready_lock:
        if key in _ready:
            return _ready[key]
        if time.monotonic() < _unreachable_until.get(key, 0.0):
            raise ConnectionError("Redis for claims unreachable a moment ago")
        made = RedisClaims(url)
        try:
            problem = made.durability(durability)
        except REDIS_ERRORS:
            _unreachable_until[key] = time.monotonic() + RETRY_SECONDS
            raise
        if problem:
            log.error("Redis at %s will not decide claims: %s. Claims stay in the database.",
                      url.rsplit("@", 1)[-1], problem)
            made = None
        else:
            log.info("claims of %s are decided in Redis", ", ".join(REDIS_KINDS))
        _ready[key] = made
        return made
