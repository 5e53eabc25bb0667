"""Editor API for members: upload a roll (a worker imports it: 202 and a progress URL), cancel
it, list imports and their rejected rows, figures per account with its children and history,
and looking a member up (ID numbers shown masked)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from hub.accounts.models import Account
from hub.accounts.services import get_account
from hub.api import route
from hub.clock import local_iso
from hub.errors import BadRequest, NotFound
from hub.media.names import display_name
from hub.members import identity, rebinding, roll_jobs, rolls, stats
from hub.members import lookup as lookup_members
from hub.members.models import Member, RollImport
from hub.users.permissions import require_role

bp = Blueprint("members_api", __name__, url_prefix="/api/v1/members")
TAG = "members"
EDITORS = ("author", "reviewer", "admin")
# A million-row roll is about 60 MB as CSV; the app-wide upload limit is for images.
ROLL_MAX_BYTES = 256 * 1024 * 1024


class RejectionOut(BaseModel):
    line: int
    code: str
    reason: str
    cells: list[str] | None = Field(default=None,
                                    description="该行各单元格（身份证号已隐藏）")


class ImportOut(BaseModel):
    id: int
    account: str
    filename: str
    format: str
    state: str
    rows_total: int
    rows_accepted: int
    rows_rejected: int
    inserted: int
    updated: int
    error: str | None
    started_at: str
    finished_at: str | None
    rows_per_second: float | None = Field(description="开始处理以来每秒读取的行数")
    cancel_requested: bool
    progress_url: str = Field(description="轮询此地址查看进度（state: queued → running → "
                                          "done / failed / cancelled）")


class ImportReportOut(ImportOut):
    rejections: list[RejectionOut]
    rejections_truncated: bool = Field(
        description="true when more rows were rejected than listed here: read them all from "
                    "/api/v1/members/imports/{id}/rejections")


class ImportList(BaseModel):
    imports: list[ImportOut]
    next_before: int | None


class ImportListQuery(BaseModel):
    account: str
    limit: int = Field(default=20, ge=1, le=100)
    before: int | None = None


class RejectionQuery(BaseModel):
    after_line: int = Field(default=0, ge=0, description="行号之后（分页）")
    limit: int = Field(default=500, ge=1, le=5000)


class RejectionList(BaseModel):
    rejections: list[RejectionOut]
    next_after_line: int | None


class FiguresOut(BaseModel):
    imported: int
    registered: int
    verified: int
    rate: float = Field(description="实名率（%），verified ÷ imported")


class AccountFiguresOut(FiguresOut):
    account: str
    name: str


class DayOut(FiguresOut):
    day: str


class StatsOut(AccountFiguresOut):
    children: list[AccountFiguresOut]
    history: list[DayOut]


class StatsQuery(BaseModel):
    days: int = Field(default=30, ge=1, le=366)


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str = Field(description="在该账号（及其下级）的名册中查找；需管理员权限")
    id_number: str | None = Field(default=None, max_length=30, description="完整身份证号")
    mobile: str | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _one_key(self):
        if not self.id_number and not self.mobile:
            raise ValueError("需要 id_number 或 mobile")
        return self


class MemberOut(BaseModel):
    id: int
    name: str
    id_number_masked: str = Field(description="如 4419**********1234，从不返回完整号码")
    mobile_masked: str | None
    union: str
    union_name: str
    state: str
    join_date: str | None
    registered_at: str | None
    verified_at: str | None


class MemberList(BaseModel):
    members: list[MemberOut]


def import_out(record: RollImport, account_code: str) -> ImportOut:
    return ImportOut(
        id=record.id, account=account_code, filename=record.filename, format=record.format,
        state=record.state, rows_total=record.rows_total, rows_accepted=record.rows_accepted,
        rows_rejected=record.rows_rejected, inserted=record.inserted, updated=record.updated,
        error=record.error, started_at=local_iso(record.started_at),
        finished_at=local_iso(record.finished_at), rows_per_second=roll_jobs.rate(record),
        cancel_requested=bool(record.cancel_requested),
        progress_url=f"/api/v1/members/imports/{record.id}")


def roll_max_bytes() -> int:
    """The largest roll upload (the app-wide limit is for images)."""
    return current_app.config.get("HUB_ROLL_MAX_BYTES", ROLL_MAX_BYTES)


def _rejection_out(row) -> RejectionOut:
    return RejectionOut(line=row.line, code=row.code, reason=row.reason, cells=row.cells)


def _keys() -> identity.IdKeys:
    return identity.current_keys()


@route(bp, "/imports", "POST", summary="Upload a member roll (multipart: account, file; CSV in "
       "UTF-8 or GB18030, or XLSX; each row names its grassroots union by code or by exact "
       "full name, unique below the account): 202 with the queued import; a worker imports "
       "it, poll progress_url", tag=TAG, response=ImportOut, status=202, errors=(413,),
       multipart={"account": "导入到的账号代码", "file": "file"})
def upload_roll():
    # Set before the body is read, so Werkzeug answers 413 without reading past the limit.
    request.max_content_length = roll_max_bytes()
    code = request.form.get("account", "")
    if not code:
        raise BadRequest("缺少 account 字段", field="account")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest("缺少 file 文件", field="file")
    account = get_account(g.db, code)
    require_role(g.db, g.user, account, "admin")
    job = roll_jobs.queue(g.db, account, upload.stream,
                          display_name(upload.filename, default="roll"), actor=g.user,
                          keys=_keys())
    return import_out(job, account.code)


@route(bp, "/imports/<int:import_id>/cancel", "POST", summary="Cancel a roll import: a queued "
       "one at once, a running one after its current chunk (rows already written stay)",
       tag=TAG, response=ImportOut, errors=(409,))
def cancel_import(import_id: int):
    record, account = _import(import_id)
    return import_out(roll_jobs.cancel(g.db, record, actor=g.user), account.code)


@route(bp, "/imports", "GET", summary="Roll imports into an account and below, newest first",
       tag=TAG, query=ImportListQuery, response=ImportList)
def list_imports(query: ImportListQuery):
    account = get_account(g.db, query.account)
    require_role(g.db, g.user, account, "admin")
    statement = (select(RollImport, Account.code).join(Account)
                 .where(Account.path.startswith(account.path)))
    if query.before:
        statement = statement.where(RollImport.id < query.before)
    rows = g.db.execute(statement.order_by(RollImport.id.desc()).limit(query.limit)).all()
    next_before = rows[-1][0].id if len(rows) == query.limit else None
    return ImportList(imports=[import_out(record, code) for record, code in rows],
                      next_before=next_before)


def _import(import_id: int) -> tuple[RollImport, Account]:
    record = g.db.get(RollImport, import_id)
    if record is None:
        raise NotFound(f"没有编号为 {import_id} 的导入", field="import")
    account = g.db.get(Account, record.account_id)
    require_role(g.db, g.user, account, "admin")
    return record, account


@route(bp, "/imports/<int:import_id>", "GET", summary="One roll import and the first rejected "
       "rows", tag=TAG, response=ImportReportOut)
def get_import(import_id: int):
    record, account = _import(import_id)
    listed = rolls.rejections(g.db, record, limit=rolls.REPORTED_REJECTIONS)
    return ImportReportOut(**import_out(record, account.code).model_dump(),
                           rejections=[_rejection_out(r) for r in listed],
                           rejections_truncated=record.rows_rejected > len(listed))


@route(bp, "/imports/<int:import_id>/rejections", "GET", summary="Every rejected row of an "
       "import, by line number (page on with after_line)", tag=TAG, query=RejectionQuery,
       response=RejectionList)
def list_rejections(import_id: int, query: RejectionQuery):
    record, _ = _import(import_id)
    listed = rolls.rejections(g.db, record, after_line=query.after_line, limit=query.limit)
    next_after = listed[-1].line if len(listed) == query.limit else None
    return RejectionList(rejections=[_rejection_out(r) for r in listed],
                         next_after_line=next_after)


def _figures_out(figures: stats.Figures) -> dict:
    return {"imported": figures.imported, "registered": figures.registered,
            "verified": figures.verified, "rate": figures.rate}


@route(bp, "/stats/<code>", "GET", summary="Members imported, registered, verified and the "
       "real-name rate of an account (its subtree), its children, and day by day", tag=TAG,
       query=StatsQuery, response=StatsOut)
def account_stats(code: str, query: StatsQuery):
    account = get_account(g.db, code)
    require_role(g.db, g.user, account, *EDITORS)
    own, children = stats.figures_for(g.db, account)
    return StatsOut(
        account=account.code, name=account.name, **_figures_out(own),
        children=[AccountFiguresOut(account=child.code, name=child.name, **_figures_out(f))
                  for child, f in children],
        history=[DayOut(day=day.isoformat(), **_figures_out(f))
                 for day, f in stats.history(g.db, account, query.days)])


@route(bp, "/lookup", "POST", summary="Find members on the rolls of an account and below by ID "
       "number or mobile (admin; the answer shows the ID number masked)", tag=TAG,
       body=LookupIn, response=MemberList)
def lookup(body: LookupIn):
    # POST, not GET: an ID number in a query string would land in access logs.
    account = get_account(g.db, body.account)
    require_role(g.db, g.user, account, "admin")
    keys = _keys()
    rows = lookup_members.find(g.db, account, keys, id_number=body.id_number,
                               mobile=body.mobile)
    lookup_members.audit(g.db, g.user, account, [member.id for member, _ in rows],
                         id_number=body.id_number, mobile=body.mobile)
    return MemberList(members=[_member_out(member, union, keys) for member, union in rows])


@route(bp, "/<int:member_id>/unbind", "POST", summary="Unbind a member's roll entry from its "
       "WeChat identity (换绑 when the member cannot share their phone number; admin, audited): "
       "the member verifies again from their new WeChat account", tag=TAG, response=MemberOut)
def unbind(member_id: int):
    member = g.db.get(Member, member_id)
    if member is None:
        raise NotFound(f"没有编号为 {member_id} 的会员", field="member")
    union = g.db.get(Account, member.account_id)
    require_role(g.db, g.user, union, "admin")
    rebinding.unbind(g.db, member, actor=g.user)
    return _member_out(member, union, _keys())


def _member_out(member: Member, union: Account, keys: identity.IdKeys) -> MemberOut:
    return MemberOut(
        id=member.id, name=member.name, id_number_masked=keys.masked(member.id_encrypted),
        mobile_masked=identity.mask_mobile(member.mobile), union=union.code,
        union_name=union.name, state=member.state,
        join_date=member.join_date.isoformat() if member.join_date else None,
        registered_at=local_iso(member.registered_at),
        verified_at=local_iso(member.verified_at))
