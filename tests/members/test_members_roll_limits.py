"""Rolls that used to cost a 500, a failed import, hundreds of megabytes or minutes: a CSV field
over 128 KiB, a NUL in a cell, an XLSX whose shared strings inflate past 50 MB, and a sheet of
a million empty rows."""

from __future__ import annotations

import io
import zipfile

from members_helpers import HEADER, make_number, roll_csv, upload_and_import
from openpyxl import Workbook

from hub.members import roll_limits
from hub.members.models import RollImport


def upload(client, headers, data: bytes, filename="roll.csv"):
    return upload_and_import(client, headers, data, filename=filename)


def _good(serial: int, name: str = "会员") -> list:
    return [f"{name}{serial}", make_number(serial), "", "dg-humen-port", ""]


def test_a_csv_field_over_128_kib_rejects_that_row_only(client, token_for):
    rows = [_good(31), ["长" * (roll_limits.FIELD_LIMIT + 1), make_number(32), "",
                        "dg-humen-port", ""], _good(33)]
    answer = upload(client, token_for("gd-admin"), roll_csv(rows))
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert (report["state"], report["rows_accepted"], report["rows_rejected"]) == ("done", 2, 1)
    assert [(r["line"], r["code"]) for r in report["rejections"]] == [(3, "field_too_long")]


def test_a_nul_in_a_cell_rejects_the_row_on_every_database(client, token_for):
    rows = [_good(41), ["有空字符", make_number(42), "", "dg-humen-port\x00", ""],
            ["名\x00字", make_number(43), "", "dg-humen-port", ""], _good(44)]
    answer = upload(client, token_for("gd-admin"), roll_csv(rows))
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert (report["state"], report["rows_accepted"]) == ("done", 2)
    assert [(r["line"], r["code"]) for r in report["rejections"]] == [
        (3, "nul_byte"), (4, "nul_byte")]


def _xlsx(rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名册")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_shared_strings(workbook: bytes, inflated_bytes: int) -> bytes:
    """The workbook with a sharedStrings part of `inflated_bytes` (a few KB once zipped)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/sharedStrings.xml":
                target.writestr(info, source.read(info))
        head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        tail = b"</t></si></sst>"
        target.writestr("xl/sharedStrings.xml",
                        head + b"a" * (inflated_bytes - len(head) - len(tail)) + tail)
    return out.getvalue()


def test_an_xlsx_whose_shared_strings_inflate_past_the_limit_is_413_before_reading(
        client, token_for, db):
    bomb = _with_shared_strings(_xlsx([_good(51)]), roll_limits.XLSX_MAX_INFLATED_BYTES + 1)
    assert len(bomb) < 1024 * 1024
    answer = upload(client, token_for("gd-admin"), bomb, filename="名册.xlsx")
    assert answer.status_code == 413 and "file" in answer.get_json()["fields"]
    db.rollback()
    assert db.query(RollImport).count() == 0  # refused before any import began
    fine = _with_shared_strings(_xlsx([_good(52)]), 1024)
    assert upload(client, token_for("gd-admin"), fine, filename="名册.xlsx").status_code == 200


def test_a_sheet_of_a_million_empty_rows_ends_after_a_run_of_them(client, token_for):
    book = Workbook()
    sheet = book.active
    for row in (HEADER, _good(61), _good(62)):
        sheet.append(row)
    for column, value in enumerate(_good(63), start=1):  # a million rows further down
        sheet.cell(row=1_000_000, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    answer = upload(client, token_for("gd-admin"), out.getvalue(), filename="名册.xlsx")
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    # Reading stopped after MAX_BLANK_RUN empty rows: the row a million down was never read.
    assert (report["state"], report["rows_total"], report["rows_accepted"]) == ("done", 2, 2)


def test_the_roll_file_name_is_kept_as_a_safe_display_name(client, token_for):
    answer = upload(client, token_for("gd-admin"), roll_csv([_good(71)]),
                    filename="../../导出/名册\u202e\t.csv")
    assert answer.status_code == 200 and answer.get_json()["filename"] == "名册.csv"
