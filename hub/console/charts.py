"""Small SVG charts drawn on the server: bars by day, stacked bars by channel. No script and
no inline styles (the console's CSP allows neither); colours come from CSS classes."""

from __future__ import annotations

from markupsafe import Markup

SERIES = [  # delivery states as the charts colour them
    ("delivered", "已送达", "s-delivered"),
    ("waiting", "等待/重试中", "s-waiting"),
    ("failed", "失败", "s-failed"),
    ("withdrawn", "已撤回", "s-withdrawn"),
]


def _frame(chart_id: str, title: str, desc: str, width: int, height: int,
           body: list[Markup]) -> Markup:
    return Markup(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="{id}-t {id}-d" preserveAspectRatio="xMinYMin meet">'
        '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>{body}</svg>'
    ).format(w=width, h=height, id=chart_id, title=title, desc=desc, body=Markup("").join(body))


def _tag(template: str, **values) -> Markup:
    """One SVG element; every value is escaped (Markup.format)."""
    return Markup(template).format(**values)  # noqa: S704  (literal templates, escaped values)


def _n(value: float) -> str:
    return f"{value:.1f}"


def bars_by_day(chart_id: str, title: str, points: list[tuple[str, int]], unit: str = "篇"
                ) -> Markup:
    """Vertical bars, one per day, labelled under the axis and valued above each bar."""
    width, height, top, bottom, left = 560, 190, 20, 34, 8
    peak = max((value for _, value in points), default=0) or 1
    slot = (width - left * 2) / max(len(points), 1)
    base = height - bottom
    body = [_tag('<line class="axis" x1="{a}" y1="{y}" x2="{b}" y2="{y}"/>', a=left, b=width - left,
                 y=base)]
    for index, (label, value) in enumerate(points):
        bar_height = (height - top - bottom) * value / peak
        x = left + index * slot + slot * 0.15
        center = x + slot * 0.35
        body.append(_tag('<rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}">'
                         '<title>{label}：{value} {unit}</title></rect>', x=_n(x),
                         y=_n(base - bar_height), w=_n(slot * 0.7), h=_n(bar_height),
                         label=label, value=value, unit=unit))
        if value:
            body.append(_tag('<text class="value" x="{x}" y="{y}" text-anchor="middle">'
                             '{value}</text>', x=_n(center), y=_n(base - bar_height - 4),
                             value=value))
        if index % 2 == 0 or len(points) <= 8:
            body.append(_tag('<text class="label" x="{x}" y="{y}" text-anchor="middle">'
                             '{label}</text>', x=_n(center), y=base + 16, label=label))
    desc = "；".join(f"{label} {value} {unit}" for label, value in points)
    return _frame(chart_id, title, desc, width, height, body)


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
                ceiling: float | None = 100.0) -> Markup:
    """A line over days (a rate's history), its last value written at the end."""
    width, height, top, bottom, left, right = 560, 190, 16, 34, 36, 48
    peak = ceiling or max((value for _, value in points), default=0) or 1
    span = max(len(points) - 1, 1)

    def at(index: int, value: float) -> tuple[str, str]:
        x = left + (width - left - right) * index / span
        return _n(x), _n(height - bottom - (height - top - bottom) * value / peak)

    base = height - bottom
    body = [_tag('<line class="axis" x1="{a}" y1="{y}" x2="{b}" y2="{y}"/>', a=left,
                 b=width - right, y=base)]
    for fraction in (0.5, 1.0):
        y = _n(base - (height - top - bottom) * fraction)
        body.append(_tag('<line class="grid" x1="{a}" y1="{y}" x2="{b}" y2="{y}"/>'
                         '<text class="label" x="0" y="{y}">{v}{unit}</text>', a=left,
                         b=width - right, y=y, v=f"{peak * fraction:g}", unit=unit))
    if points:
        path = " ".join(",".join(at(i, value)) for i, (_, value) in enumerate(points))
        body.append(_tag('<polyline class="line" points="{p}"/>', p=path))
        x, y = at(len(points) - 1, points[-1][1])
        body.append(_tag('<text class="value" x="{x}" y="{y}">{v}{unit}</text>',
                         x=_n(float(x) + 6), y=y, v=f"{points[-1][1]:.2f}", unit=unit))
        for index in (0, len(points) - 1):
            body.append(_tag('<text class="label" x="{x}" y="{y}" text-anchor="middle">'
                             '{label}</text>', x=at(index, 0)[0], y=base + 16,
                             label=points[index][0]))
    desc = "；".join(f"{label} {value:.2f}{unit}" for label, value in points) or "暂无数据"
    return _frame(chart_id, title, desc, width, height, body)


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
