"""Geometry for the server-rendered SVG bar charts.

The CSP allows no inline styles or scripts, so charts are SVG elements whose
`width`/`x` attributes carry the numbers (0-100 on a 100-wide viewBox). The
table next to each chart stays the accessible source; the SVG is aria-hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import tables


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
