"""The claim's lean path: a WSGI shortcut in front of Flask for
`POST /mp/v1/campaigns/<id>/claim` while Redis decides the campaign's claims.

Under a rush the web process's own CPU is what runs out: Flask's request machinery, a
SQLAlchemy session and a second Redis round trip cost more than deciding the claim. The
shortcut does only what the claim needs: check the member's signed token, parse the body,
one read of the database (the same statement as the full path: the campaign's state and
approval stamp, the member, their earlier claims) on a connection of its own in autocommit,
then one call of the claim script (rate limits, replay, limit, stock, stream) and the answer.

Anything else goes to Flask untouched, which answers it in full: a course or a quiz (their
script is hub.campaigns.redis_places), a campaign not yet in Redis
(Flask loads it), terms this process has not read at this approval, a refusal, a body with
more than a request id, a bad token, any error. So the shortcut never answers differently
from the full path; it only answers the common case sooner.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import threading

from hub.campaigns import claim_statements as sql
from hub.campaigns import limits, redis_claims
from hub.campaigns.claim_rules import Claimant, Stated, answer_for, refusal
from hub.campaigns.errors import TooManyRequests, already_claimed, sold_out
from hub.campaigns.models import ClaimStatus
from hub.campaigns.schemas import REQUEST_ID
from hub.db import utcnow
from hub.members import sessions
from hub.members.models import MemberState

log = logging.getLogger("hub.campaigns.fastclaim")
PATH = re.compile(r"^/mp/v1/campaigns/(\d{1,12})/claim$")
MAX_BODY = 4096
_REQUEST_ID = re.compile(REQUEST_ID)
_READ = sql._SQL["postgresql"][sql.READ_CONTEXT]
HEADERS = [("Content-Type", "application/json"), ("X-Content-Type-Options", "nosniff")]
STATUS = {200: "200 OK", 409: "409 CONFLICT", 429: "429 TOO MANY REQUESTS"}


class ClaimShortcut:
    """WSGI middleware: answers the common claim itself, hands everything else to Flask."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app
        config = app.config["HUB"]
        self.config = config
        self.database_url = config.database_url
        self.secret = config.secret()
        self.public_url = config.public_url
        self.facts = app.extensions.setdefault("hub.campaigns.facts", {})
        self._local = threading.local()

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST":
            match = PATH.match(environ.get("PATH_INFO", ""))
            if match:
                answered = self._try(environ, int(match[1]))
                if answered is not None:
                    status, body, extra = answered
                    start_response(STATUS[status], [*HEADERS, *extra,
                                                    ("Content-Length", str(len(body)))])
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _try(self, environ, campaign_id: int):
        body = _read_body(environ)
        if body is None:
            return None
        try:
            return self._answer(environ, campaign_id, body)
        except Exception:  # noqa: BLE001  (Flask meets the same problem and answers it)
            log.debug("claim shortcut: handed to Flask", exc_info=True)
            self._local.__dict__.pop("db", None)  # a broken connection is not reused
            return None

    def _answer(self, environ, campaign_id: int, body: bytes):
        rush = redis_claims.for_config(self.config)
        if rush is None:
            return None
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        asked = json.loads(body)
        if scheme != sessions.SCHEME or not isinstance(asked, dict) or set(asked) != {
                "request_id"} or not isinstance(asked["request_id"], str) \
                or not _REQUEST_ID.match(asked["request_id"]):
            return None
        member = sessions.read(self.secret, token.strip())
        rows = self._read(campaign_id, member.identity_id)
        if not rows or rows[0].openid != member.openid or rows[0].decided_in != "redis":
            return None
        first = rows[0]
        cached = self.facts.get(campaign_id)
        if cached is None or cached[0] != first.terms_approved_at:
            return None  # Flask reads the terms afresh (and keeps them for next time)
        facts = cached[1]
        if facts.kind not in redis_claims.REDIS_KINDS:
            return None  # seats and quizzes: Flask runs their script (redis_places)
        request_id = asked["request_id"]
        for row in rows:  # a repeat the database already holds
            if row.request_id == request_id:
                return self._ok({**sql.loaded_json(row.answer), "claim_id": row.claim_id})
        claimant = Claimant(member.identity_id, member.openid, first.member_id,
                            first.member_state == MemberState.verified, first.union_path)
        now = utcnow()
        if refusal(first.campaign_state, facts, facts.allowed_paths, claimant, now):
            return None
        code, found = rush.claim(facts.id, facts.seed, claimant.member_id,
                                 claimant.identity_id, request_id, facts.per_member_limit,
                                 now.isoformat(), openid=member.openid,
                                 rate=(limits.CLAIMS_PER_WINDOW, limits.WINDOW_SECONDS))
        if code in (redis_claims.CLAIMED, redis_claims.REPEAT):
            return self._ok(answer_for(facts, Stated(ClaimStatus.claimed, id=found.claim_id),
                                       found.slot, self.public_url))
        if code == redis_claims.RATE_LIMITED:
            limited = TooManyRequests(max(1, math.ceil(found)))
            return 429, self._json(limited.to_json()), [
                ("Retry-After", str(limited.retry_after))]
        if code in (redis_claims.LIMIT_USED, redis_claims.SOLD_OUT):
            refused = already_claimed() if code == redis_claims.LIMIT_USED else sold_out()
            return 409, self._json(refused.to_json()), []
        return None

    def _ok(self, answer: dict):
        return 200, self._json(answer), []

    def _json(self, value: dict) -> bytes:
        """The bytes Flask's jsonify would send (its compact form outside debug mode): a
        repeat answered by the other path gets the very same body."""
        return f"{self.app.json.dumps(value, separators=(',', ':'))}\n".encode()

    def _read(self, campaign_id: int, identity_id: int) -> list[sql.ContextRow]:
        """The claim's one read, on this thread's own connection (autocommit: one statement
        is its own snapshot, with no BEGIN or ROLLBACK around it)."""
        db = self._local.__dict__.get("db")
        if db is None:
            import psycopg

            db = psycopg.connect(self.database_url.replace("+psycopg", "", 1), autocommit=True)
            self._local.db = db
        with db.cursor() as cursor:
            cursor.execute(_READ, {"campaign": campaign_id, "identity": identity_id})
            return list(map(sql.ContextRow._make, cursor.fetchall()))


def _read_body(environ) -> bytes | None:
    """The request's body, put back for Flask to read again; None when too large to be a
    claim the shortcut answers."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def install(app) -> None:
    """Put the shortcut in front of `app` when it has a Redis and PostgreSQL configured (it
    still hands every claim to Flask while Redis does not decide claims)."""
    config = app.config.get("HUB")
    if config is None or not config.redis_url or not config.database_url.startswith(
            "postgresql") or app.extensions.get("hub.campaigns.fastclaim"):
        return
    app.wsgi_app = ClaimShortcut(app.wsgi_app, app)
    app.extensions["hub.campaigns.fastclaim"] = True
