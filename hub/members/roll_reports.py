"""Workbooks about rolls: the rejection report of an import (line, reason, the row's cells
with the ID number masked) and the template roll unions fill in, with the grassroots unions
it may name (full name and code) on a sheet of their own."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.members.models import RollImport, RollRejection
from hub.members.roll_parsing import LABELS
from hub.members.roll_unions import Union

UNIONS_SHEET = "工会代码"
TEMPLATE_NOTES = (
    ("姓名", "必填，最多 50 字"),
    ("身份证号", "必填，18 位；请把该列设为「文本」，否则 Excel 会把号码改成科学计数法"),
    ("手机号", "可空，11 位大陆手机号"),
    ("基层工会代码或全称", "必填，本账号之下的基层工会的代码（如 dg-humen-garment）或全称"
                         "（如 虎门镇服装行业联合工会，须与系统中的名称完全一致）；"
                         "可填的工会见「工会代码」工作表"),
    ("入会日期", "可空，如 2020-03-01"),
)


def rejection_report(db: Session, job: RollImport) -> bytes:
    """Every rejected row of the import, in line order, streamed into a write-only book."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("未导入的行")
    sheet.append(["行号", "原因", "代码", *LABELS.values(), "（其余列）"])
    rows = db.scalars(select(RollRejection).where(RollRejection.import_id == job.id)
                      .order_by(RollRejection.line, RollRejection.id)
                      .execution_options(yield_per=2000))
    for rejected in rows:
        sheet.append([rejected.line, rejected.reason, rejected.code, *(rejected.cells or [])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_roll(unions: list[Union] = ()) -> bytes:
    """An empty roll with the header the importer reads, its ID column as text, notes, and
    the grassroots `unions` a row may name."""
    book = Workbook()
    sheet = book.active
    sheet.title = "会员名册"
    sheet.append([label for label, _ in TEMPLATE_NOTES])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (12, 22, 14, 30, 12), strict=True):
        sheet.column_dimensions[column].width = width
        for row in range(2, 1002):  # text cells, so Excel keeps numbers as typed
            sheet[f"{column}{row}"].number_format = "@"
    notes = book.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for label, note in TEMPLATE_NOTES:
        notes.append([label, note])
    notes.append(["", "只读取第一个工作表；第一行为表头，列的顺序可调换。"])
    notes.column_dimensions["B"].width = 90
    codes = book.create_sheet(UNIONS_SHEET)
    codes.append(["基层工会全称", "代码", "上级工会"])
    for cell in codes[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABC", (34, 28, 24), strict=True):
        codes.column_dimensions[column].width = width
    for union in unions:
        codes.append([union.name, union.code, union.parent_name])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
