"""Reading member rolls (会员名册): CSV or XLSX into rows, each validated into a `Row` to
write or a `Rejected` with its line number and a reason in Chinese.

Everything is lazy: a roll is read row by row, and `parsed_chunks` hands out a chunk at a
time, so memory stays flat however long the file is. Nothing here touches the database;
hub.members.roll_writing writes the chunks.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from hub.errors import BadRequest
from hub.members import identity, roll_limits

SNIFF_BYTES = 64 * 1024
COLUMNS = ("name", "id_number", "mobile", "union_code", "join_date")
REQUIRED = ("name", "id_number", "union_code")
HEADERS = {
    "name": ("姓名", "会员姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number", "id"),
    "mobile": ("手机号", "手机号码", "手机", "联系电话", "mobile", "phone"),
    # A union is named by its code or its full name (hub.members.roll_unions resolves both).
    "union_code": ("基层工会代码或全称", "基层工会代码", "工会代码", "所属工会代码", "基层工会",
                   "基层工会名称", "工会名称", "所属工会", "union_code", "union"),
    "join_date": ("入会日期", "入会时间", "join_date"),
}
LABELS = {"name": "姓名", "id_number": "身份证号", "mobile": "手机号",
          "union_code": "基层工会代码或全称", "join_date": "入会日期"}
MOBILE = re.compile(r"^1[3-9]\d{9}$")
DATE_PATTERNS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


@dataclass
class Row:
    line: int
    name: str
    number: str = field(repr=False)  # never in a repr, so never in a traceback or a log
    mobile: str | None
    union: str  # a union's code or full name, as written
    join_date: dt.date | None
    digest: str = ""  # the number's keyed hash, set by the writer
    union_id: int = 0  # the union `union` names, set by the writer


@dataclass
class Rejected:
    line: int
    code: str
    reason: str
    cells: list[str] | None = None  # as read, the ID number masked (the rejection report)


CELL_SHOWN = 60  # characters of a rejected cell kept for the report


def masked_number(value) -> str:
    """An ID number as the report shows it: 4419**********1234; short ones wholly hidden."""
    text = _cell(value).encode("utf-8", "replace").decode()
    return identity.mask(text) if len(text) >= 12 else "*" * len(text)


def shown_cells(cells: list, columns: dict[str, int]) -> list[str]:
    """A rejected row's cells for the report, in the documented column order (then any
    others): text, cut short, the ID number masked."""
    def shown(position: int | None, column: str = "") -> str:
        if position is None or position >= len(cells):
            return ""
        if column == "id_number":
            return masked_number(cells[position])
        # Bytes that did not decode (kept as surrogates) show as "?": the report is text.
        return _cell(cells[position])[:CELL_SHOWN].encode("utf-8", "replace").decode()

    known = [shown(columns.get(column), column) for column in COLUMNS]
    others = [shown(p) for p in range(len(cells)) if p not in columns.values()]
    return known + others


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
    union = _cell(at("union_code"))
    if not union:
        return Rejected(line, "union_missing", "基层工会（代码或全称）为空")
    try:
        mobile = _mobile(at("mobile"))
        joined = _join_date(at("join_date"), today)
    except ValueError as exc:
        return Rejected(line, "field_invalid", str(exc))
    return Row(line, name, number, mobile, union, joined)


def is_blank(cells: list) -> bool:
    return all(value is None or (value.__class__ is str and not value.strip())
               for value in cells)


# --- in chunks ---------------------------------------------------------------------------


def read_columns(rows: Iterable[tuple[int, list]]
                 ) -> tuple[dict[str, int], Iterator[tuple[int, list]]]:
    """Column positions from the first non-blank row when it is a header (the data follows
    it); otherwise the documented order, and that row is handed back as data."""
    rows = iter(rows)
    for line, cells in rows:
        if is_blank(cells):
            continue
        found = header_map(cells)
        if found is not None:
            return found, rows
        return POSITIONAL, itertools.chain([(line, cells)], rows)
    raise BadRequest("文件中没有任何数据行", field="file")


def parsed_chunks(rows: Iterable[tuple[int, list]], columns: dict[str, int], *,
                  today: dt.date, size: int) -> Iterator[list[Row | Rejected]]:
    """The non-blank rows validated, `size` at a time."""
    chunk: list[Row | Rejected] = []
    for line, cells in rows:
        if is_blank(cells):
            continue
        parsed = parse_row(line, cells, columns, today)
        if parsed.__class__ is Rejected:
            parsed.cells = shown_cells(cells, columns)
        chunk.append(parsed)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
