"""The monthly report (月报) a union sends upward: the month's KPIs of the account over its
subtree and of each child, beside the month before, as a workbook that opens with openpyxl
and agrees with `GET /api/v1/kpis`."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

from openpyxl import load_workbook

from hub.accounts.services import get_account
from hub.kpis import counting
from hub.kpis.refresh import write_welfare
from hub.kpis.services import LABELS, as_shown


def _month(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def test_the_monthly_report_compares_the_month_with_the_one_before(client, db, demo, token_for):
    today = counting.local_day()
    first = today.replace(day=1)
    last_month = first - dt.timedelta(days=1)
    humen, changan = get_account(db, "dg-humen"), get_account(db, "dg-changan")
    counting.add(db, {(humen.id, first): Counter(reads=100),
                      (humen.id, last_month): Counter(reads=40),
                      (humen.id, last_month - dt.timedelta(days=3)): Counter(reads=10),
                      (changan.id, today): Counter(led_plays=7)})
    db.commit()
    editor = token_for("dg-editor")
    answer = client.get(f"/api/v1/kpis/report.xlsx?account=dongguan&month={_month(today)}",
                        headers=editor)
    assert answer.status_code == 200, answer.get_json()
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    assert _month(today) in answer.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["本级汇总", "下级账号"]

    summary = {row[0]: row[1:] for row in book["本级汇总"].iter_rows(min_row=3, values_only=True)
               if row[0] in LABELS.values()}
    assert summary["阅读量"] == (100, 50, 50, 100.0)
    assert summary["大屏播放次数"] == (7, 0, 7, None)  # nothing the month before: no ratio

    days = (today - last_month.replace(day=1)).days + 1
    api = client.get(f"/api/v1/kpis?account=dongguan&days={days}", headers=editor).get_json()
    for name, label in LABELS.items():
        this_month = [p["value"] for p in api[name]["series"] if p["date"] >= f"{first}"]
        expected = sum(this_month) if name in {"reads", "active_members", "led_plays",
                                               "splash_impressions", "splash_clicks",
                                               "welfare_value_fen"} else this_month[-1]
        assert summary[label][0] == as_shown(name, expected), name  # money in yuan

    children = list(book["下级账号"].iter_rows(min_row=2, values_only=True))
    header, rows = children[0], {row[0]: row for row in children[1:]}
    assert len(rows) == 33 and header[:2] == ("账号代码", "账号名称")
    reads = header.index(f"阅读量 {today.year}年{today.month}月")
    assert rows["dg-humen"][reads:reads + 2] == (100, 100.0)
    assert rows["dg-changan"][header.index(f"大屏播放次数 {today.year}年{today.month}月")] == 7


def test_a_report_needs_a_month_it_can_answer(client, demo, token_for):
    today = counting.local_day()
    next_month = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    editor = token_for("mz-editor")
    for query, status in ((f"account=meizhou&month={_month(next_month)}", 400),
                          ("account=meizhou&month=2026-13", 400),
                          ("account=meizhou&month=11-2026", 400),
                          (f"account=meizhou&month={today.year - 2}-01", 400),
                          ("account=meizhou", 400),
                          (f"account=dongguan&month={_month(today)}", 403),
                          (f"account=nowhere&month={_month(today)}", 404)):
        answer = client.get(f"/api/v1/kpis/report.xlsx?{query}", headers=editor)
        assert answer.status_code == status, query
        body = answer.get_json()
        assert body["message"], query
        if status == 400:
            assert "month" in body["fields"], query
    assert client.get(f"/api/v1/kpis/report.xlsx?account=meizhou&month={_month(today)}"
                      ).status_code == 401


def test_money_is_reported_in_yuan_in_cells_formatted_as_money(client, db, demo, token_for):
    """Staff send the report upward as it is: a figure in fen would read 100 times too big."""
    last_month = counting.local_day().replace(day=1) - dt.timedelta(days=1)
    humen = get_account(db, "dg-humen")
    write_welfare(db, last_month, {humen.path: 123_456})  # ¥1,234.56 delivered in 虎门
    db.commit()
    editor = token_for("dg-editor")
    report = client.get(f"/api/v1/kpis/report.xlsx?account=dongguan&month={_month(last_month)}",
                        headers=editor)
    book = load_workbook(io.BytesIO(report.data))
    summary = {row[0].value: row for row in book["本级汇总"].iter_rows(min_row=3) if row[0].value}
    assert "福利价值（分）" not in summary
    welfare = summary["福利价值（元）"]
    assert welfare[1].value == 1234.56 and welfare[3].value == 1234.56  # the month, 增减
    assert {cell.number_format for cell in welfare[1:4]} == {"#,##0.00"}
    assert summary["阅读量"][1].number_format == "General"  # counts stay counts

    header, *rows = book["下级账号"].iter_rows(min_row=2)
    column = [cell.value for cell in header].index(f"福利价值（元） {last_month.year}年"
                                                   f"{last_month.month}月")
    [humen_row] = [row for row in rows if row[0].value == "dg-humen"]
    assert humen_row[column].value == 1234.56
    assert humen_row[column].number_format == "#,##0.00"

    days = (counting.local_day() - last_month).days + 1
    export = client.get(f"/api/v1/kpis/export.xlsx?account=dongguan&days={days}",
                        headers=editor)
    sheet = load_workbook(io.BytesIO(export.data))["福利价值(元)"]
    [humen_line] = [row for row in sheet.iter_rows(min_row=2) if row[0].value == "dg-humen"]
    assert humen_line[2].value == 1234.56 and humen_line[2].number_format == "#,##0.00"
