"""Importing member rolls (会员导入): CSV or XLSX, streamed in chunks, upserted, reported.

A roll is read row by row and handled a chunk at a time: each chunk is validated, looked up
against the members already known (one query), written with bulk statements and committed,
so memory stays flat however long the file is and other writers get their turn on SQLite.
Duplicates within the file are found through the members table itself (the row last written
by this import remembers its line), never through a set of every number seen.

Every rejected row is recorded with its line number and a reason in Chinese; good rows go
in, bad rows change nothing, and importing the same roll again updates rather than adds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import String, bindparam, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from hub.accounts.models import Account, Level
from hub.db import utcnow
from hub.errors import BadRequest
from hub.members import bulk, identity, roll_limits, stats
from hub.members.models import Member, RollImport, RollRejection

log = logging.getLogger("hub.members.rolls")

CHUNK_ROWS = 2000
REPORTED_REJECTIONS = 1000  # kept in memory for the answer; all of them are in the database
SNIFF_BYTES = 64 * 1024
COLUMNS = ("name", "id_number", "mobile", "union_code", "join_date")
REQUIRED = ("name", "id_number", "union_code")
HEADERS = {
    "name": ("姓名", "会员姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number", "id"),
    "mobile": ("手机号", "手机号码", "手机", "联系电话", "mobile", "phone"),
    "union_code": ("基层工会代码", "工会代码", "所属工会代码", "所属工会", "union_code", "union"),
    "join_date": ("入会日期", "入会时间", "join_date"),
}
LABELS = {"name": "姓名", "id_number": "身份证号", "mobile": "手机号",
          "union_code": "基层工会代码", "join_date": "入会日期"}
MOBILE = re.compile(r"^1[3-9]\d{9}$")
DATE_PATTERNS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


@dataclass
class Row:
    line: int
    name: str
    number: str = field(repr=False)  # never in a repr, so never in a traceback or a log
    mobile: str | None
    union_code: str
    join_date: dt.date | None
    digest: str = ""


@dataclass
class Rejected:
    line: int
    code: str
    reason: str


@dataclass
class Report:
    """What an import did; `rejections` holds the first REPORTED_REJECTIONS of them."""

    record: RollImport
    rejections: list[Rejected] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.record.rows_rejected > len(self.rejections)


# --- reading -----------------------------------------------------------------------------


def detect_format(filename: str, head: bytes) -> str:
    name = (filename or "").lower()
    if head.startswith(b"PK\x03\x04") or name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".xls") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise BadRequest("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV（UTF-8）", field="file")
    return "csv"


def _encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) when the start reads as UTF-8 but for a stray bad byte or
    two, else GB18030 (Excel's "CSV" on Chinese Windows writes GBK, which GB18030 contains):
    GBK text fails as UTF-8 at almost every Chinese character, a damaged UTF-8 row only once."""
    decoded = head.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    good = sum(1 for char in decoded if char > "\x7f") - bad
    return "utf-8-sig" if good >= bad else "gb18030"


def text_lines(stream, head: bytes | None = None) -> Iterator[str]:
    """Decoded lines of a binary stream; bytes that do not decode become surrogates, so the
    row holding them is rejected instead of the whole file failing."""
    head = stream.read(SNIFF_BYTES) if head is None else head
    encoding = _encoding(head)
    rest = io.BufferedReader(_Prefixed(head, stream)) if head else stream
    yield from io.TextIOWrapper(rest, encoding=encoding, errors="surrogateescape", newline="")


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were already read for sniffing."""

    def __init__(self, head: bytes, stream):
        self.head, self.stream = memoryview(head), stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            size = min(len(buffer), len(self.head))
            buffer[:size] = self.head[:size]
            self.head = self.head[size:]
            return size
        data = self.stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, list]]:
    """(line number, cells) for each record of CSV text; the number is the record's last line."""
    yield from roll_limits.csv_records(csv.reader(iter(lines)))


def xlsx_rows(stream) -> Iterator[tuple[int, list]]:
    """(row number, cells) of the workbook's first sheet, read in openpyxl's streaming mode."""
    from openpyxl import load_workbook

    roll_limits.check_xlsx(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise BadRequest("无法读取该 .xlsx 文件，请确认文件完好", field="file") from None
    try:
        sheet = workbook.worksheets[0]
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        for number, cells in roll_limits.until_blank_run(rows):
            yield number, list(cells)
    finally:
        workbook.close()


def open_roll(stream, filename: str) -> tuple[str, Iterator[tuple[int, list]]]:
    """The roll's format and its rows, read lazily from a binary stream."""
    head = stream.read(SNIFF_BYTES)
    fmt = detect_format(filename, head)
    if fmt == "xlsx":
        stream.seek(0)
        return fmt, xlsx_rows(stream)
    return fmt, csv_rows(text_lines(stream, head))


# --- validating --------------------------------------------------------------------------


def _cell(value) -> str:
    if value.__class__ is str:  # every CSV cell: the fast way first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def header_map(cells: list) -> dict[str, int] | None:
    """Column positions when `cells` is a header row, None when it is already data."""
    found = {}
    for position, value in enumerate(cells):
        label = _cell(value).lower().replace(" ", "")
        for column, names in HEADERS.items():
            if label in names and column not in found:
                found[column] = position
    if len(found) < 2:
        return None
    missing = [LABELS[c] for c in REQUIRED if c not in found]
    if missing:
        raise BadRequest(f"表头缺少列：{'、'.join(missing)}", field="file")
    return found


POSITIONAL = {column: position for position, column in enumerate(COLUMNS)}


def _parse_date(text: str) -> dt.date | None:
    if len(text) == 10 and text[4] == "-":  # 2020-03-01, the usual form, without strptime
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    for pattern in DATE_PATTERNS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _join_date(value, today: dt.date) -> dt.date | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        parsed = value
    else:
        text = _cell(value)
        if not text:
            return None
        parsed = _parse_date(text)
        if parsed is None:
            raise ValueError("入会日期格式不正确（应为 2020-03-01）")
    if parsed > today or parsed.year < 1925:
        raise ValueError("入会日期不合理")
    return parsed


def _mobile(value) -> str | None:
    text = _cell(value).replace(" ", "").replace("-", "")
    if text.startswith("+86"):
        text = text[3:]
    if not text:
        return None
    if not MOBILE.match(text):
        raise ValueError("手机号格式不正确（应为 11 位大陆手机号）")
    return text


def parse_row(line: int, cells: list, columns: dict[str, int],
              today: dt.date) -> Row | Rejected:
    problem = roll_limits.row_problem(cells)
    if problem is not None:
        return Rejected(line, *problem)
    width = max(columns.values()) + 1
    if len(cells) < width:  # a short row reads as if the missing cells were empty
        cells = list(cells) + [None] * (width - len(cells))

    def at(column: str):
        position = columns.get(column)
        return None if position is None else cells[position]

    name = _cell(at("name"))
    if not name:
        return Rejected(line, "name_missing", "姓名为空")
    if len(name) > 50 or not name.isprintable():
        return Rejected(line, "name_invalid", "姓名含有无法识别的字符或超过 50 字")
    raw_number = at("id_number")
    if raw_number.__class__ in (int, float):
        return Rejected(line, "id_numeric", "身份证号被存成了数字，请把该列设为文本后重新导出")
    try:
        number = identity.validate(_cell(raw_number), today=today)
    except identity.IdNumberError as exc:
        return Rejected(line, exc.code, exc.reason)
    union_code = _cell(at("union_code")).lower()
    if not union_code:
        return Rejected(line, "union_missing", "基层工会代码为空")
    try:
        mobile = _mobile(at("mobile"))
        joined = _join_date(at("join_date"), today)
    except ValueError as exc:
        return Rejected(line, "field_invalid", str(exc))
    return Row(line, name, number, mobile, union_code, joined)


def _is_blank(cells: list) -> bool:
    return all(value is None or (value.__class__ is str and not value.strip())
               for value in cells)


# --- writing -----------------------------------------------------------------------------


@dataclass
class _Union:
    id: int
    code: str
    level: str
    path: str


class RollImporter:
    """Imports one roll into `account`'s subtree; `run(rows)` takes (line, cells) pairs."""

    def __init__(self, db: Session, account: Account, keys: identity.IdKeys, *, actor=None,
                 filename: str = "", fmt: str = "csv", chunk_rows: int | None = None,
                 commit: bool = True):
        self.db, self.account, self.keys = db, account, keys
        # Commit chunk by chunk (an upload); without, the caller's transaction holds it all.
        self._save = db.commit if commit else db.flush
        self.commits = commit
        self.chunk_rows = chunk_rows or CHUNK_ROWS
        self.today = dt.date.today()
        self.unions: dict[str, _Union | None] = {}
        self.record = RollImport(account_id=account.id, user_id=actor.id if actor else None,
                                 filename=(filename or "")[:200], format=fmt, state="running",
                                 rows_total=0, rows_accepted=0, rows_rejected=0, inserted=0,
                                 updated=0, started_at=utcnow())
        self.report = Report(self.record)

    def run(self, rows: Iterable[tuple[int, list]]) -> Report:
        rows = iter(rows)
        columns, first = self._columns(rows)
        self.db.add(self.record)
        self._save()
        try:
            for chunk in self._parsed_chunks(itertools.chain(first, rows), columns):
                self._write_chunk(chunk)
        except Exception as exc:
            self.db.rollback()
            self._finish("failed", _plain_error(exc))
            raise
        self._finish("done", None)
        return self.report

    def _parsed_chunks(self, rows, columns: dict[str, int]) -> Iterator[list[Row | Rejected]]:
        chunk: list[Row | Rejected] = []
        for line, cells in rows:
            if _is_blank(cells):
                continue
            parsed = parse_row(line, cells, columns, self.today)
            if isinstance(parsed, Row):
                parsed.digest = self.keys.digest(parsed.number)
            chunk.append(parsed)
            if len(chunk) >= self.chunk_rows:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _columns(self, rows: Iterator[tuple[int, list]]) -> tuple[dict[str, int], list]:
        """Column positions from the first non-blank row when it is a header; otherwise the
        documented order, and that row is handed back as data."""
        for line, cells in rows:
            if _is_blank(cells):
                continue
            found = header_map(cells)
            if found is not None:
                return found, []
            return POSITIONAL, [(line, cells)]
        raise BadRequest("文件中没有任何数据行", field="file")

    def _finish(self, state: str, error: str | None) -> None:
        self.record.state, self.record.error = state, error
        self.record.finished_at = utcnow()
        self.db.add(self.record)
        self._save()
        log.info("roll import %s into %s: %s, %d rows, %d accepted, %d rejected",
                 self.record.id, self.account.code, state, self.record.rows_total,
                 self.record.rows_accepted, self.record.rows_rejected)

    # one chunk: validate against the database, then write in three bulk statements

    def _write_chunk(self, parsed: list[Row | Rejected]) -> None:
        if self.commits and self.db.bind.dialect.name == "postgresql":
            # A chunk's commit need not wait for the disk: the import's last commit (its
            # record marked done) is synchronous and flushes every chunk before it, and an
            # import cut short is incomplete either way (importing again completes it).
            self.db.execute(text("SET LOCAL synchronous_commit = off"))
        rejected = [p for p in parsed if isinstance(p, Rejected)]
        rows = [p for p in parsed if isinstance(p, Row)]
        rows = self._known_unions(rows, rejected)
        rows = self._unique_in_chunk(rows, rejected)
        existing = self._existing(rows)
        new, known = [], []
        for row in rows:
            found = existing.get(row.digest)
            if found is None:
                new.append(row)
            elif found["last_import_id"] == self.record.id:
                line = found["last_import_line"]
                rejected.append(Rejected(row.line, "duplicate_in_file",
                                         f"身份证号与第 {line} 行重复"))
            elif found["account_id"] != self.unions[row.union_code].id:
                rejected.append(Rejected(row.line, "on_other_roll", "已在其他工会的会员名册中"))
            else:
                known.append(row)
        self._stage(new, known)
        self._reject(rejected)
        self.record.rows_total += len(parsed)
        self.record.rows_accepted += len(new) + len(known)
        self.record.rows_rejected += len(rejected)
        self.record.inserted += len(new)
        self.record.updated += len(known)
        self.db.add(self.record)
        self._save()

    def _known_unions(self, rows: list[Row], rejected: list[Rejected]) -> list[Row]:
        unknown = {row.union_code for row in rows} - self.unions.keys()
        if unknown:
            for account in self.db.execute(
                    select(Account.id, Account.code, Account.level, Account.path)
                    .where(Account.code.in_(unknown))):
                self.unions[account.code] = _Union(*account)
            for code in unknown - self.unions.keys():
                self.unions[code] = None
        kept = []
        for row in rows:
            union = self.unions[row.union_code]
            if union is None:
                rejected.append(Rejected(row.line, "union_unknown",
                                         f"工会代码 {row.union_code} 不存在"))
            elif union.level != Level.grassroots:
                rejected.append(Rejected(row.line, "union_not_grassroots",
                                         f"{row.union_code} 不是基层工会"))
            elif not union.path.startswith(self.account.path):
                rejected.append(Rejected(row.line, "union_outside",
                                         f"{row.union_code} 不在本账号之下"))
            else:
                kept.append(row)
        return kept

    def _unique_in_chunk(self, rows: list[Row], rejected: list[Rejected]) -> list[Row]:
        first_line: dict[str, int] = {}
        kept = []
        for row in rows:
            if row.digest in first_line:
                rejected.append(Rejected(row.line, "duplicate_in_file",
                                         f"身份证号与第 {first_line[row.digest]} 行重复"))
                continue
            first_line[row.digest] = row.line
            kept.append(row)
        return kept

    def _existing(self, rows: list[Row]) -> dict[str, dict]:
        if not rows:
            return {}
        digests = [row.digest for row in rows]
        if self.db.bind.dialect.name == "postgresql":
            # One array parameter instead of thousands: far less to send and to parse.
            matching = Member.id_hash == func.any(
                bindparam("digests", digests, type_=ARRAY(String)))
        else:
            matching = Member.id_hash.in_(digests)
        found = self.db.execute(
            select(Member.id_hash, Member.account_id, Member.last_import_id,
                   Member.last_import_line).where(matching))
        return {r.id_hash: r._asdict() for r in found}

    def _stage(self, new: list[Row], known: list[Row]) -> None:
        # Only new rows are encrypted: a known row has the same number (the hash matched).
        staged = [bulk.StagedRow(row.digest, self.unions[row.union_code].id, row.name,
                                 row.mobile, self.keys.encrypt(row.number), row.join_date,
                                 row.line, False) for row in new]
        staged += [bulk.StagedRow(row.digest, self.unions[row.union_code].id, row.name,
                                  row.mobile, "", row.join_date, row.line, True)
                   for row in known]
        bulk.write(self.db, staged, import_id=self.record.id, now=utcnow())

    def _reject(self, rejected: list[Rejected]) -> None:
        if not rejected:
            return
        rejected.sort(key=lambda r: r.line)
        room = REPORTED_REJECTIONS - len(self.report.rejections)
        if room > 0:
            self.report.rejections.extend(rejected[:room])
        self.db.execute(insert(RollRejection.__table__), [
            {"import_id": self.record.id, "line": r.line, "code": r.code, "reason": r.reason}
            for r in rejected])


def _plain_error(exc: Exception) -> str:
    # The type only: a driver's message can quote row values, and values here are personal.
    return f"导入中断（{type(exc).__name__}），已写入的行保留，可修正后重新导入"


def import_roll(db: Session, account: Account, rows: Iterable[tuple[int, list]], *,
                keys: identity.IdKeys, actor=None, filename: str = "", fmt: str = "csv",
                chunk_rows: int | None = None, commit: bool = True) -> Report:
    """Import (line, cells) rows into `account`'s subtree, chunk by chunk, then record the
    day's figures; commits as it goes unless `commit` is False."""
    importer = RollImporter(db, account, keys, actor=actor, filename=filename, fmt=fmt,
                            chunk_rows=chunk_rows, commit=commit)
    report = importer.run(rows)
    stats.take_snapshot(db)
    importer._save()
    return report


def import_file(db: Session, account: Account, stream, filename: str, *,
                keys: identity.IdKeys, actor=None) -> Report:
    """Import a roll from a binary stream (CSV in UTF-8 or GB18030, or XLSX)."""
    fmt, rows = open_roll(stream, filename)
    return import_roll(db, account, rows, keys=keys, actor=actor, filename=filename, fmt=fmt)


def rejections(db: Session, record: RollImport, *, after_line: int = 0,
               limit: int = 500) -> list[RollRejection]:
    return list(db.scalars(
        select(RollRejection).where(RollRejection.import_id == record.id,
                                    RollRejection.line > after_line)
        .order_by(RollRejection.line, RollRejection.id).limit(limit)))
