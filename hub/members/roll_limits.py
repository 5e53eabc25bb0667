"""Guards on reading a member roll, so that no file can cost a 500, a failed import, hundreds
of megabytes or minutes: a CSV field too long, a NUL in a cell, an XLSX whose parts inflate
past a limit, and a sheet of endless empty rows.

Each guard works on what `hub.members.rolls` reads (a csv.reader, the upload's stream, the
rows of a sheet) and turns a bad row into a rejection with a reason, like any other bad row.
"""

from __future__ import annotations

import csv
import logging
import zipfile
from collections.abc import Iterable, Iterator

from hub.errors import TooLarge

log = logging.getLogger("hub.members.rolls")

FIELD_LIMIT = csv.field_size_limit()  # 128 KiB: Python's csv refuses longer fields
# openpyxl holds the shared strings and styles of a workbook in memory (its sheets stream);
# 50 MB of them is far past any roll, and a few hundred KB of zip can inflate to gigabytes.
XLSX_MAX_INFLATED_BYTES = 50 * 1024 * 1024
# Past this many empty rows in a row the sheet is taken to have ended: a sheet formatted down
# to row 1,048,576 (or a file made to look like one) reads as millions of empty rows.
MAX_BLANK_RUN = 10_000


class UnreadableRow(list):
    """Stands for a record that could not be read: `roll_parsing.parse_row` rejects it."""

    def __init__(self, code: str, reason: str):
        super().__init__(["?"])  # not blank, so it reaches validation and is reported
        self.code, self.reason = code, reason


def csv_records(reader) -> Iterator[tuple[int, list]]:
    """(line, cells) of each record of a csv.reader; a record with a field over FIELD_LIMIT
    comes as an UnreadableRow (the reader goes on with the next line) instead of ending the
    import with an error."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            cells = UnreadableRow("field_too_long", f"有单元格超过 {FIELD_LIMIT // 1024} KB，"
                                                    "或引号不成对，该行未导入")
        yield reader.line_num, cells


def row_problem(cells: list) -> tuple[str, str] | None:
    """(code, reason) when a row must be rejected before its fields are looked at."""
    if isinstance(cells, UnreadableRow):
        return cells.code, cells.reason
    for value in cells:
        if value.__class__ is str and "\x00" in value:
            # SQLite would keep it; PostgreSQL refuses the whole statement, the chunk with it.
            return "nul_byte", "单元格中含有空字符（\\0），该行未导入"
    return None


def check_xlsx(stream) -> None:
    """Refuse (413) a workbook whose parts other than its sheets inflate past
    XLSX_MAX_INFLATED_BYTES, reading only the zip's directory. The sizes it declares bound
    what can be read (zipfile stops there), so a lie only makes the file unreadable."""
    try:
        with zipfile.ZipFile(stream) as archive:
            inflated = sum(info.file_size for info in archive.infolist()
                           if not info.filename.startswith("xl/worksheets/"))
    except (zipfile.BadZipFile, OSError, ValueError):
        inflated = 0  # not a zip: openpyxl says so in its own words
    finally:
        stream.seek(0)
    if inflated > XLSX_MAX_INFLATED_BYTES:
        raise TooLarge(f"该 .xlsx 解压后超过 {XLSX_MAX_INFLATED_BYTES // (1024 * 1024)} MB"
                       "（共享字符串或样式过大），请另存为 CSV 后导入", field="file")


def until_blank_run(rows: Iterable[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """The rows up to the first run of MAX_BLANK_RUN empty ones."""
    blank = 0
    for number, cells in rows:
        if all(value is None or (value.__class__ is str and not value.strip())
               for value in cells):
            blank += 1
            if blank >= MAX_BLANK_RUN:
                log.info("roll sheet read up to row %d: %d empty rows in a row", number, blank)
                return
        else:
            blank = 0
        yield number, cells
