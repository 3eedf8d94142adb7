"""Geometry for the server-rendered SVG bar charts.

The CSP allows no inline styles or scripts, so charts are SVG elements whose
`width`/`x` attributes carry the numbers (0-100 on a 100-wide viewBox). The
table next to each chart stays the accessible source; the SVG is aria-hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import tables, trends


@dataclass(frozen=True)
class Bar:
    label: str
    width: float  # 0..100
    text: str


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    series: int  # index of the scale point, picks a CSS colour class
    text: str


@dataclass(frozen=True)
class StackedBar:
    label: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Chart:
    kind: str  # "bars" | "stacked"
    bars: tuple = ()
    legend: tuple[str, ...] = ()


def _width(fraction: float | None) -> float:
    return round((fraction or 0) * 100, 2)


def chart_for(table) -> Chart | None:
    if isinstance(table, tables.FrequencyTable):
        multiple = table.multiple
        return Chart(
            "bars",
            tuple(
                Bar(
                    row.label,
                    _width(row.pct_respondents if multiple else row.pct_answers),
                    tables.percent_label(
                        row.pct_respondents if multiple else row.pct_answers
                    ),
                )
                for row in table.rows
                if not row.derived  # group totals would double the bars
            ),
        )
    if isinstance(table, tables.MatrixTable):
        bars = []
        for line in table.lines:
            x, segments = 0.0, []
            for index, cell in enumerate(line.cells):
                width = _width(cell.pct)
                segments.append(
                    Segment(
                        round(x, 2), width, index % 6, tables.percent_label(cell.pct)
                    )
                )
                x += width
            bars.append(StackedBar(line.label, tuple(segments)))
        return Chart("stacked", tuple(bars), tuple(label for _, label in table.columns))
    if isinstance(table, tables.NumberSummary):
        return Chart(
            "bars",
            tuple(
                Bar(b.label, _width(b.pct), tables.percent_label(b.pct))
                for b in table.bins
            ),
        )
    return None


# --- trends over waves: a dot-and-line chart ----------------------------------------


@dataclass(frozen=True)
class Dot:
    x: float  # 0..100 across the waves
    y: float  # from the top of a 100 x 60 box: 100% share at y = 5, 0 at y = 50
    text: str


@dataclass(frozen=True)
class TrendLine:
    label: str
    series: int  # CSS colour class
    dots: tuple[Dot, ...]
    # "x,y x,y" for <polyline points>; a wave without the question breaks nothing,
    # the line joins the waves that have it.
    points: str


@dataclass(frozen=True)
class TrendChart:
    waves: tuple[tuple[float, str], ...]  # (x, wave label) for the axis
    lines: tuple[TrendLine, ...]
    scale_max: float  # what y = 0 stands for (1.0 = 100%, or the largest mean)


def trend_chart(series: trends.WaveSeries) -> TrendChart | None:
    """Shares (or means for numbers) per wave, one line per answer/row."""
    count = len(series.waves)
    if count < 2:
        return None
    xs = [round(5 + 90 * i / (count - 1), 2) for i in range(count)]

    def figure(point) -> float | None:
        if point is None:
            return None
        return point.value if series.measure == "mean" else point.share

    values = [v for row in series.rows for p in row.points if (v := figure(p))]
    top = 1.0 if series.measure != "mean" else max(values, default=0) or 1.0
    lines = []
    for index, row in enumerate(series.rows):
        dots = []
        for x, point in zip(xs, row.points, strict=True):
            value = figure(point)
            if value is None:
                continue
            text = (
                tables.percent_label(value)
                if series.measure != "mean"
                else f"{value:.1f}".replace(".", ",")
            )
            dots.append(Dot(x, round(50 - 45 * value / top, 2), text))
        points = " ".join(f"{d.x:g},{d.y:g}" for d in dots)
        lines.append(TrendLine(row.label, index % 6, tuple(dots), points))
    return TrendChart(tuple(zip(xs, series.waves, strict=True)), tuple(lines), top)
