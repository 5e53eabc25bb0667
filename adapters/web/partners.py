"""Partner websites: API keys (one per partner, good for an account and its subtree) and the
read API they use to mirror what the union sites publish.

`GET /api/partner/v1/posts` lists the posts written by the account and the unions beneath
it, as their own sites show them, newest first. With `since`, it lists instead what changed
after that time, oldest first and including withdrawals (`state: withdrawn`), so a partner
can keep a copy in step. Both page with an opaque `cursor`. Partners hear of changes as they
happen through the signed webhooks (adapters/webhook), bound as a "webhook" outlet.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets

from flask import Blueprint, current_app, g, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from adapters.web.models import PartnerKey, WebEntry
from hub import ports
from hub.api import route
from hub.clock import as_utc, local_iso, to_local
from hub.errors import BadRequest, Forbidden, NotFound, Unauthorized
from hub.ports import AccountInfo, utcnow

KEY_PREFIX = "wpk_"
# Changes younger than this are not listed yet: a transaction that started earlier but
# commits later could otherwise slip in behind a partner's `since` and never be seen.
SETTLE_SECONDS = 2.0
bp = Blueprint("web_partner_api", __name__, url_prefix="/api/partner/v1")
TAG = "partner sites"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(db: Session, account: AccountInfo, partner: str, *,
              actor=None) -> tuple[PartnerKey, str]:
    """A new key for `partner` on `account` (audited; `actor` None for the command line);
    the key itself is returned this once only."""
    if not partner.strip():
        raise BadRequest("合作方名称不能为空", field="partner")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = PartnerKey(account_id=account.id, partner=partner.strip()[:100], key_hash=_hash(key),
                     hint=key[:10])
    db.add(row)
    db.flush()
    ports.audit(db, actor=actor, action="partner.key.issue", account_id=account.id,
                subject_type="partner_key", subject_id=row.id, partner=row.partner)
    return row, key


def revoke_key(db: Session, key_id: int, *, actor=None) -> PartnerKey:
    row = db.get(PartnerKey, key_id)
    if row is None:
        raise NotFound(f"没有编号为 {key_id} 的合作方密钥", field="key")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        ports.audit(db, actor=actor, action="partner.key.revoke", account_id=row.account_id,
                    subject_type="partner_key", subject_id=row.id, partner=row.partner)
    return row


def list_keys(db: Session) -> list[tuple[PartnerKey, AccountInfo]]:
    rows = list(db.scalars(select(PartnerKey).order_by(PartnerKey.id)))
    accounts = ports.accounts_by_id(db, {row.account_id for row in rows})
    return [(row, accounts[row.account_id]) for row in rows]


def key_from_request(db: Session) -> tuple[PartnerKey, AccountInfo]:
    header = request.headers.get("X-Api-Key", "").strip()
    if not header:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        header = token.strip() if scheme.lower() == "bearer" else ""
    if not header:
        raise Unauthorized("需要合作方 API 密钥（X-Api-Key 请求头）")
    row = db.scalar(select(PartnerKey).where(PartnerKey.key_hash == _hash(header)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("API 密钥无效或已撤销")
    return row, ports.account_by_id(db, row.account_id)


# -- the read API --------------------------------------------------------------------------

class PostsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str | None = Field(default=None,
                                description="账号代码；缺省为密钥所属账号。含其下级账号")
    since: dt.datetime | None = Field(
        default=None, description="只列此时间之后的变化（含撤回），ISO 8601，无时区按北京时间")
    cursor: str | None = Field(default=None, description="上一页返回的 next_cursor")
    limit: int = Field(default=50, ge=1, le=200)


class PartnerPost(BaseModel):
    id: int
    version: int
    state: str = Field(description="published 或 withdrawn")
    account: str
    account_name: str
    kind: str
    title: str
    summary: str
    html: str
    column: str | None
    url: str
    cover_url: str | None
    link_url: str | None
    valid_from: str | None
    valid_until: str | None
    published_at: str
    updated_at: str


class PartnerPostList(BaseModel):
    posts: list[PartnerPost]
    next_cursor: str | None = Field(description="下一页的游标；没有更多时为 null")
    until: str | None = Field(default=None, description="按 since 查询时：本次结果截至的时间。"
                              "翻完所有页后，以它作为下次的 since")


def _encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list:
    """["latest", published_at, id] or ["changes", updated_at, id, until]."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if values[0] not in ("latest", "changes") or len(values) != 3 + (values[0] ==
                                                                         "changes"):
            raise ValueError
        values[1:] = [dt.datetime.fromisoformat(values[1]), int(values[2]),
                      *[dt.datetime.fromisoformat(v) for v in values[3:]]]
        return values
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, RecursionError):
        raise BadRequest("cursor 无效：请使用上一页返回的 next_cursor", field="cursor") from None


def _subtree_entries(account: AccountInfo):
    """Each post once: the entry on the site of the account that wrote it."""
    return select(WebEntry).where(WebEntry.account_id == WebEntry.origin_account_id,
                                  WebEntry.account_id.in_(ports.subtree_ids(g.db, account.code)))


def _with_sites(entries: list[WebEntry]) -> list[tuple]:
    """Each entry with the outlet and account of the site it is on."""
    outlets = {i: ports.outlet(g.db, i) for i in {e.outlet_id for e in entries}}
    accounts = ports.accounts_by_id(g.db, {e.account_id for e in entries})
    return [(e, outlets[e.outlet_id], accounts[e.account_id]) for e in entries]


def _precise(value: dt.datetime | None) -> str | None:
    """Beijing time to the microsecond: a partner's next `since` must not round down."""
    local = to_local(value)
    return local.isoformat() if local else None


def _post_out(entry: WebEntry, outlet, account: AccountInfo, public_url: str
              ) -> PartnerPost:
    domain = (outlet.config or {}).get("domain")
    base = f"{outlet.config.get('scheme', 'https')}://{domain}" if domain \
        else f"{public_url}/sites/{account.code}"
    column = next((c.slug for c in account.columns if c.slug == entry.column_slug), None)
    live = entry.live
    return PartnerPost(
        id=entry.post_id, version=entry.version, state="published" if live else "withdrawn",
        account=account.code, account_name=account.name, kind=entry.kind, title=entry.title,
        summary=entry.summary if live else "", html=entry.body_html if live else "",
        column=column, url=f"{base}/posts/{entry.post_id}", cover_url=entry.cover_url,
        link_url=entry.link_url, valid_from=local_iso(entry.valid_from),
        valid_until=local_iso(entry.valid_until), published_at=_precise(entry.published_at),
        updated_at=_precise(entry.updated_at))


def _latest(account: AccountInfo, query: PostsQuery, cursor: list | None):
    statement = _subtree_entries(account).where(WebEntry.live.is_(True))
    if cursor:
        _, at, last_id = cursor
        statement = statement.where(or_(WebEntry.published_at < at,
                                        and_(WebEntry.published_at == at,
                                             WebEntry.id < last_id)))
    statement = statement.order_by(WebEntry.published_at.desc(), WebEntry.id.desc())
    rows = list(g.db.scalars(statement.limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    following = _encode_cursor(["latest", rows[-1].published_at.isoformat(),
                                rows[-1].id]) if more else None
    return rows, following, None


def _changes(account: AccountInfo, query: PostsQuery, cursor: list | None):
    if cursor:
        _, at, last_id, until = cursor
        after = or_(WebEntry.updated_at > at, and_(WebEntry.updated_at == at,
                                                    WebEntry.id > last_id))
    else:
        until = utcnow() - dt.timedelta(seconds=SETTLE_SECONDS)
        after = WebEntry.updated_at > as_utc(query.since)
    statement = (_subtree_entries(account).where(after, WebEntry.updated_at <= until)
                 .order_by(WebEntry.updated_at, WebEntry.id))
    rows = list(g.db.scalars(statement.limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    following = _encode_cursor(["changes", rows[-1].updated_at.isoformat(),
                                rows[-1].id, until.isoformat()]) if more else None
    return rows, following, until


@route(bp, "/posts", "GET", summary="Partner sites: posts of an account and its subtree as "
       "their sites show them; with `since`, what changed (withdrawals too). Needs the "
       "partner's key in X-Api-Key", tag=TAG, query=PostsQuery, response=PartnerPostList,
       auth=None, errors=(401, 403, 404))
def list_posts(query: PostsQuery):
    key, key_account = key_from_request(g.db)
    account = ports.account(g.db, query.account) if query.account else key_account
    if not account.is_within(key_account):
        raise Forbidden(f"此密钥只能读取「{key_account.name}」及其下级账号的内容",
                        field="account")
    cursor = _decode_cursor(query.cursor) if query.cursor else None
    changes = cursor[0] == "changes" if cursor else query.since is not None
    rows, cursor, until = (_changes if changes else _latest)(account, query, cursor)
    public_url = current_app.config["HUB"].public_url
    return PartnerPostList(posts=[_post_out(e, o, a, public_url)
                                  for e, o, a in _with_sites(rows)],
                           next_cursor=cursor, until=_precise(until))
