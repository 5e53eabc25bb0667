"""Small SVG charts drawn on the server: bars by day, stacked bars by channel, lines over days
and KPI trends. No script and no inline styles (the console's CSP allows neither); colours come
from CSS classes.

Readable with one point or thousands: a chart is drawn at its own size and only shrinks to fit
(never blown up, so its text stays the console's size), bars are at most a bar's width however
few, axis labels are thinned to a handful however many points, values are written on bars only
while they fit, and the text form (`desc`) summarises long series instead of listing them.
"""

from __future__ import annotations

from markupsafe import Markup

SERIES = [  # delivery states as the charts colour them
    ("delivered", "已送达", "s-delivered"),
    ("waiting", "等待/重试中", "s-waiting"),
    ("failed", "失败", "s-failed"),
    ("withdrawn", "已撤回", "s-withdrawn"),
]
MAX_BAR = 36.0  # a bar's widest, however few the days
MAX_TICKS = 7  # labels under an axis, however many the days
MAX_VALUES = 16  # bars that carry their value; past this, the peak and the last do
MAX_LISTED = 60  # points a chart's text form lists one by one


def _frame(chart_id: str, title: str, desc: str, width: int, height: int,
           body: list[Markup]) -> Markup:
    # Drawn at its own width: CSS (max-width: 100%) shrinks it on a phone, nothing enlarges it.
    return Markup(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-t {id}-d" preserveAspectRatio="xMinYMin meet">'
        '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>{body}</svg>'
    ).format(w=width, h=height, id=chart_id, title=title, desc=desc, body=Markup("").join(body))


def _tag(template: str, **values) -> Markup:
    """One SVG element; every value is escaped (Markup.format)."""
    return Markup(template).format(**values)  # noqa: S704  (literal templates, escaped values)


def _n(value: float) -> str:
    return f"{value:.1f}"


def ticks(count: int, most: int = MAX_TICKS) -> list[int]:
    """Indexes of the points to label: all of a few, else evenly spaced with the last."""
    if count <= most:
        return list(range(count))
    step = (count - 1) / (most - 1)
    return sorted({round(step * n) for n in range(most)})


def _described(points: list[tuple[str, float]], show) -> str:
    """The text form: every point of a short series; of a long one, its span and extremes."""
    if not points:
        return "暂无数据"
    if len(points) <= MAX_LISTED:
        return "；".join(f"{label} {show(value)}" for label, value in points)
    low = min(points, key=lambda p: p[1])
    high = max(points, key=lambda p: p[1])
    return (f"{points[0][0]} 至 {points[-1][0]} 共 {len(points)} 个点；最低 {low[0]} "
            f"{show(low[1])}；最高 {high[0]} {show(high[1])}；最后 {show(points[-1][1])}")


def _number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def bars_by_day(chart_id: str, title: str, points: list[tuple[str, int]], unit: str = "篇"
                ) -> Markup:
    """Vertical bars, one per day, labelled under the axis and valued above each bar (the
    peak's and the last's only, when there are many)."""
    width, height, top, bottom, left = 560, 190, 20, 34, 8
    peak = max((value for _, value in points), default=0) or 1
    slot = (width - left * 2) / max(len(points), 1)
    bar = min(slot * 0.7, MAX_BAR)
    base = height - bottom
    body = [_tag('<line class="axis" x1="{a}" y1="{y}" x2="{b}" y2="{y}"/>', a=left, b=width - left,
                 y=base)]
    labelled = set(ticks(len(points)))
    valued = set(range(len(points))) if len(points) <= MAX_VALUES else {
        len(points) - 1, max(range(len(points)), key=lambda i: points[i][1])}
    for index, (label, value) in enumerate(points):
        bar_height = (height - top - bottom) * value / peak
        center = left + index * slot + slot / 2
        body.append(_tag('<rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}">'
                         '<title>{label}：{value} {unit}</title></rect>', x=_n(center - bar / 2),
                         y=_n(base - bar_height), w=_n(bar), h=_n(bar_height),
                         label=label, value=value, unit=unit))
        if value and index in valued:
            body.append(_tag('<text class="value" x="{x}" y="{y}" text-anchor="middle">'
                             '{value}</text>', x=_n(center), y=_n(base - bar_height - 4),
                             value=value))
        if index in labelled:
            body.append(_tag('<text class="label" x="{x}" y="{y}" text-anchor="{anchor}">'
                             '{label}</text>', x=_n(center), y=base + 16, label=label,
                             anchor=_anchor(index, len(points))))
    desc = _described(points, lambda value: f"{value} {unit}")
    return _frame(chart_id, title, desc, width, height, body)


def _anchor(index: int, count: int) -> str:
    """Labels at the ends of a long axis stay inside the chart."""
    if count > MAX_TICKS and index == 0:
        return "start"
    if count > MAX_TICKS and index == count - 1:
        return "end"
    return "middle"


def stacked_by_row(chart_id: str, title: str, rows: list[tuple[str, dict[str, int]]],
                   series=SERIES) -> Markup:
    """One horizontal bar per row (a channel), split by series (delivery states)."""
    label_width, width, row_height, gap, legend_height = 110, 560, 26, 12, 28
    height = legend_height + max(len(rows), 1) * (row_height + gap)
    peak = max((sum(values.values()) for _, values in rows), default=0) or 1
    scale = (width - label_width - 40) / peak
    body = [_tag('<rect class="{css}" x="{x}" y="4" width="14" height="14"/>'
                 '<text class="label" x="{tx}" y="16">{label}</text>', css=css, x=index * 130,
                 tx=index * 130 + 20, label=label)
            for index, (_, label, css) in enumerate(series)]
    if not rows:
        body.append(_tag('<text class="label" x="0" y="{y}">暂无数据</text>',
                         y=legend_height + 18))
    descriptions = []
    for row_index, (name, values) in enumerate(rows):
        y = legend_height + row_index * (row_height + gap)
        text_y = _n(y + row_height * 0.7)
        body.append(_tag('<text class="label" x="0" y="{y}">{name}</text>', y=text_y, name=name))
        x = float(label_width)
        parts = []
        for key, label, css in series:
            count = values.get(key, 0)
            if count:
                body.append(_tag('<rect class="{css}" x="{x}" y="{y}" width="{w}" height="{h}">'
                                 '<title>{name} {label}：{count}</title></rect>', css=css,
                                 x=_n(x), y=y, w=_n(count * scale), h=row_height, name=name,
                                 label=label, count=count))
                x += count * scale
                parts.append(f"{label} {count}")
        body.append(_tag('<text class="value" x="{x}" y="{y}">{total}</text>', x=_n(x + 6),
                         y=text_y, total=sum(values.values())))
        descriptions.append(f"{name}：{'，'.join(parts) or '无'}")
    return _frame(chart_id, title, "；".join(descriptions) or "暂无数据", width, height, body)


def line_by_day(chart_id: str, title: str, points: list[tuple[str, float]], unit: str = "%",
                ceiling: float | None = 100.0, *, width: int = 560, height: int = 190,
                today_partial: bool = False) -> Markup:
    """A line over days (a rate's history), its last value written at the end; one point is a
    dot in the middle, a thousand a line with a handful of dates under it. A small `width`
    suits a tile: the text keeps its size, the line gets shorter. `today_partial`: the last
    point is today's count so far, drawn apart (a hollow dot the line does not reach,
    marked 今天未完) so a day not over does not read as a fall."""
    top, bottom, left, right = 16, 34, 40, 56
    peak = ceiling or _round_up(max((value for _, value in points), default=0))
    span = len(points) - 1

    def at(index: int, value: float) -> tuple[str, str]:
        x = left + (width - left - right) * (index / span if span else 0.5)
        return _n(x), _n(height - bottom - (height - top - bottom) * value / peak)

    base = height - bottom
    body = [_tag('<line class="axis" x1="{a}" y1="{y}" x2="{b}" y2="{y}"/>', a=left,
                 b=width - right, y=base)]
    for fraction in (0.5, 1.0):
        y = _n(base - (height - top - bottom) * fraction)
        body.append(_tag('<line class="grid" x1="{a}" y1="{y}" x2="{b}" y2="{y}"/>'
                         '<text class="label" x="0" y="{y}">{v}{unit}</text>', a=left,
                         b=width - right, y=y, v=_short(peak * fraction), unit=unit))
    if points:
        last = len(points) - 1
        partial = today_partial and last > 0
        whole = points[:-1] if partial else points
        if len(whole) > 1:
            path = " ".join(",".join(at(i, value)) for i, (_, value) in enumerate(whole))
            body.append(_tag('<polyline class="line" points="{p}"/>', p=path))
        if partial:  # a dot of its own, not joined: the line never falls towards it
            body.append(_tag('<circle class="dot partial" cx="{x}" cy="{y}" r="3.5"/>',
                             x=at(last, 0)[0], y=at(last, points[-1][1])[1]))
        if len(points) <= 31:
            body.extend(_tag('<circle class="dot" cx="{x}" cy="{y}" r="3"/>',
                             x=at(i, v)[0], y=at(i, v)[1]) for i, (_, v) in enumerate(whole))
        x, y = at(last, points[-1][1])
        body.append(_tag('<text class="value" x="{x}" y="{y}">{v}{unit}</text>',
                         x=_n(float(x) + 6), y=y, v=_value(points[-1][1], unit), unit=unit))
        if partial:
            body.append(_tag('<text class="label partial" x="{x}" y="{y}">今天未完</text>',
                             x=_n(float(x) + 6), y=_n(max(float(y) - 14, 12.0))))
        for index in ticks(len(points), 5 if len(points) > 1 else 1):
            body.append(_tag('<text class="label" x="{x}" y="{y}" text-anchor="middle">'
                             '{label}</text>', x=at(index, 0)[0], y=base + 16,
                             label=points[index][0]))
    desc = _described(points, lambda value: f"{_value(value, unit)}{unit}")
    if today_partial and len(points) > 1:
        desc += "（最后一天为今天，尚未结束）"
    return _frame(chart_id, title, desc, width, height, body)


def _value(value: float, unit: str) -> str:
    return f"{value:.2f}" if unit == "%" else _number(value)


def _round_up(value: float) -> float:
    """A round top for an axis: 1, 2, 2.5 or 5 times a power of ten, at least the value."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10.0 * power


def _short(value: float) -> str:
    """An axis label: 12000 -> 1.2万."""
    if value >= 10_000:
        return f"{value / 10_000:g}万"
    return f"{value:g}"


def bars_by_row(chart_id: str, title: str, rows: list[tuple[str, float, str]],
                unit: str = "%", ceiling: float | None = 100.0, digits: int = 2) -> Markup:
    """One horizontal bar per row (a child account's rate), with a note after it; values
    written with `digits` decimals (0 for counts)."""
    label_width, width, row_height, gap = 120, 560, 20, 8
    height = max(len(rows), 1) * (row_height + gap) + 4
    peak = ceiling or max((value for _, value, _ in rows), default=0) or 1
    scale = (width - label_width - 150) / peak
    body = [] if rows else [_tag('<text class="label" x="0" y="18">暂无数据</text>')]
    for index, (name, value, note) in enumerate(rows):
        y = 4 + index * (row_height + gap)
        text_y = _n(y + row_height * 0.75)
        body.append(_tag('<text class="label" x="0" y="{y}">{name}</text>'
                         '<rect class="bar" x="{x}" y="{top}" width="{w}" height="{h}">'
                         '<title>{name}：{v}{unit}</title></rect>'
                         '<text class="value" x="{tx}" y="{y}">{v}{unit} {note}</text>',
                         y=text_y, name=name, x=label_width, top=y, w=_n(value * scale),
                         h=row_height, v=f"{value:.{digits}f}", unit=unit, note=note,
                         tx=_n(label_width + value * scale + 6)))
    desc = "；".join(f"{name} {value:.{digits}f}{unit}" for name, value, _ in rows) or "暂无数据"
    return _frame(chart_id, title, desc, width, height, body)
