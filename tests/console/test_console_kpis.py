"""The console's KPI dashboard: every KPI with its trend, the towns ranked this month, the
workbook; and charts that stay readable with one point or a thousand."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from hub.console import charts
from hub.kpis.services import KPIS, LABELS


def test_the_dashboard_shows_every_kpi_and_ranks_the_towns(console_as, sites):
    editor = console_as("dg-editor")
    html = editor.get("/console/a/dongguan/kpis?days=7").get_data(as_text=True)
    assert html.count('<svg class="chart"') == len(KPIS)
    for name, label in LABELS.items():
        assert (label if name != "welfare_value_fen" else "福利价值（元）") in html
    assert "一盘棋" in html and html.count("/console/a/dg-") >= 33  # each town, linked
    ranked = re.findall(r"<tr><td>(\d+)</td>", html)
    assert ranked[:3] == ["1", "2", "3"] and len(ranked) == 33
    by_welfare = editor.get("/console/a/dongguan/kpis?order=welfare").get_data(as_text=True)
    assert 'aria-current="page">按本月福利价值' in by_welfare
    workbook = editor.get("/console/a/dongguan/kpis.xlsx?days=7")
    assert workbook.status_code == 200
    assert len(load_workbook(io.BytesIO(workbook.data), read_only=True).sheetnames) == len(KPIS)
    assert 'action="/console/a/dongguan/kpis/report.xlsx"' in html  # the monthly report
    month = re.search(r'name="month" value="(\d{4}-\d{2})"', html).group(1)
    report = editor.get(f"/console/a/dongguan/kpis/report.xlsx?month={month}")
    assert report.status_code == 200
    assert load_workbook(io.BytesIO(report.data), read_only=True).sheetnames == [
        "本级汇总", "下级账号"]
    assert editor.get("/console/a/dongguan/kpis/report.xlsx?month=2026-13").status_code == 400
    assert console_as("mz-editor").get("/console/a/dongguan/kpis").status_code == 403
    assert console_as("mz-editor").get(
        f"/console/a/dongguan/kpis/report.xlsx?month={month}").status_code == 403


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_charts_stay_readable_with_one_point_or_a_thousand():
    for draw in (lambda p: charts.bars_by_day("c", "标题", p, unit="次"),
                 lambda p: charts.line_by_day("c", "标题", p, unit="", ceiling=None)):
        one = str(draw([("12/7", 5)]))
        assert 'width="560"' in one  # drawn at its own size: never blown up
        bars = [float(w) for w in re.findall(r'<rect class="bar"[^>]*width="([\d.]+)"', one)]
        assert all(width <= charts.MAX_BAR for width in bars)
        assert "12/7" in _texts(one) and "5" in "".join(_texts(one))
        many = str(draw([(f"d{n}", n % 97) for n in range(1000)]))
        labels = [t for t in _texts(many) if t.startswith("d")]
        assert 2 <= len(labels) <= charts.MAX_TICKS and labels[-1] == "d999"
        assert len(_texts(many)) < 20  # values only where they fit
        assert "共 1000 个点" in re.search(r"<desc[^>]*>([^<]*)</desc>", many).group(1)


def test_today_is_drawn_apart_so_a_day_not_over_does_not_read_as_a_fall():
    points = [("12/5", 900), ("12/6", 950), ("12/7", 12)]  # 12/7 is today, barely begun
    svg = str(charts.line_by_day("c", "阅读量", points, unit="", ceiling=None,
                                 today_partial=True))
    line = re.search(r'<polyline class="line" points="([^"]+)"', svg).group(1)
    assert len(line.split()) == 2  # the whole days only
    assert '<circle class="dot partial"' in svg
    assert "今天未完" in _texts(svg)
    assert "尚未结束" in re.search(r"<desc[^>]*>([^<]*)</desc>", svg).group(1)
    plain = str(charts.line_by_day("c", "实名率", points))
    assert "partial" not in plain and len(re.search(
        r'<polyline class="line" points="([^"]+)"', plain).group(1).split()) == 3
