"""Charts drawn on the server as SVG (no JavaScript): stacked horizontal bars, and a histogram
of days with marker lines. Each SVG is an image with a title and a one-sentence description
for screen readers; the data table beside it on the page carries every figure. Colours come
from classes (site CSS), text from the reader's language; everything typed by people is
escaped."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from register.statistics import Chart

WIDTH = 400
FONT = 14
MAX_LABEL_LINES = 3
SERIES_CLASSES = 7  # .series-0 … .series-6 in register.css


def _n(value: float) -> str:
    return f"{value:.1f}"


def _width(text: str) -> float:
    """Roughly how wide ``text`` is drawn: Hangul and CJK a full em, Latin about half."""
    return sum(FONT if ord(ch) >= 0x1100 else FONT * 0.56 for ch in text)


def label_lines(text: str, room: float = WIDTH) -> list[str]:
    """A category label broken into lines that fit the chart (at spaces where it can, inside a
    word where it must); an over-long label ends with an ellipsis (its full text is in the
    table and the bar's title)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if _width(candidate) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for ch in word:
            if _width(current + ch) > room:
                lines.append(current)
                current = ""
            current += ch
    if current:
        lines.append(current)
    if len(lines) > MAX_LABEL_LINES:
        lines = lines[:MAX_LABEL_LINES]
        lines[-1] = lines[-1][:-1] + "…"
    return lines or [""]


def _svg(chart: Chart, height: int, body: Sequence[str]) -> SafeString:
    head = format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>',
        w=WIDTH,
        h=height,
        id=chart.slug,
        title=chart.title,
        desc=chart.summary,
    )
    return mark_safe(head + "".join(body) + "</svg>")  # every part went through format_html


def bars(chart: Chart) -> SafeString:
    """One row per category: its label (wrapped), then a bar stacked by series, then the
    total."""
    line_h, bar_h, gap = FONT + 4, 20, 12
    totals = [
        sum(values[i] for _name, values in chart.series) for i in range(len(chart.categories))
    ]
    largest = max([*totals, 1])
    room = WIDTH - 56
    body: list[str] = []
    top = 4
    for i, category in enumerate(chart.categories):
        lines = label_lines(category)
        for n, line in enumerate(lines):
            body.append(
                format_html(
                    '<text x="0" y="{y}" class="chart-label" font-size="{f}">{t}</text>',
                    y=top + FONT + n * line_h,
                    f=FONT,
                    t=line,
                )
            )
        bar_top = top + len(lines) * line_h + 2
        x = 0.0
        for index, (name, values) in enumerate(chart.series):
            value = values[i]
            if not value:
                continue
            width = room * value / largest
            body.append(
                format_html(
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" class="series-{c}">'
                    "<title>{t}</title></rect>",
                    x=_n(x),
                    y=bar_top,
                    w=_n(max(width, 1.0)),
                    h=bar_h,
                    c=index % SERIES_CLASSES,
                    t=f"{category} — {name}: {value:,}",
                )
            )
            x += width
        body.append(
            format_html(
                '<text x="{x}" y="{y}" class="chart-value" font-size="{f}">{t}</text>',
                x=_n(x + 4),
                y=bar_top + bar_h - 5,
                f=FONT,
                t=f"{totals[i]:,}",
            )
        )
        top = bar_top + bar_h + gap
    return _svg(chart, max(top, 24), body)


def histogram(chart: Chart) -> SafeString:
    """Buckets of days along the x axis, counts up; dashed lines at the markers' days."""
    left, right, top, bottom = 36, WIDTH - 8, 12, 200
    height = bottom + 2 * FONT + 8
    values = chart.series[0][1] if chart.series else []
    buckets = max(len(values), 1)
    largest = max([*values, 1])
    step = (right - left) / buckets
    body = [
        format_html(
            '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" class="chart-axis"/>'
            '<text x="{tx}" y="{ty}" class="chart-value" font-size="{f}" text-anchor="end">{n}</text>',
            l=left,
            r=right,
            b=bottom,
            tx=left - 4,
            ty=top + FONT,
            f=FONT,
            n=f"{largest:,}",
        )
    ]
    name = chart.series[0][0] if chart.series else ""
    for i, value in enumerate(values):
        h = (bottom - top) * value / largest
        body.append(
            format_html(
                '<rect x="{x}" y="{y}" width="{w}" height="{h}" class="series-0">'
                "<title>{t}</title></rect>",
                x=_n(left + i * step + 1),
                y=_n(bottom - h),
                w=_n(max(step - 2, 1.0)),
                h=_n(h),
                t=f"{chart.categories[i]} — {name}: {value:,}",
            )
        )
    days_per_bucket = 15
    span = buckets * days_per_bucket
    for i in range(0, buckets + 1, 2):
        body.append(
            format_html(
                '<text x="{x}" y="{y}" class="chart-label" font-size="{f}" text-anchor="middle">{t}</text>',
                x=_n(left + i * step),
                y=bottom + FONT + 4,
                f=FONT - 1,
                t=str(i * days_per_bucket),
            )
        )
    for index, marker in enumerate(chart.markers):
        x = left + (right - left) * min(marker.days, span) / span
        body.append(
            format_html(
                '<line x1="{x}" y1="{t}" x2="{x}" y2="{b}" class="chart-marker marker-{i}">'
                "<title>{label}</title></line>",
                x=_n(x),
                t=top,
                b=bottom,
                i=index,
                label=marker.label,
            )
        )
    body.append(
        format_html(
            '<text x="{x}" y="{y}" class="chart-label" font-size="{f}" text-anchor="end">{t}</text>',
            x=right,
            y=height - 4,
            f=FONT - 1,
            t=chart.axis_label,
        )
    )
    return _svg(chart, height, body)


def render(chart: Chart) -> SafeString:
    return histogram(chart) if chart.kind == "histogram" else bars(chart)
