"""The same question next to the previous wave.

Pure. Questions are matched by code and options by code, so a renamed label
still lines up; options new in this wave show no previous figure and options
dropped since show no current one. The previous wave's units must already be
mapped onto today's municipalities (see data.load_records(map_to_current=True)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .tables import FrequencyTable, MatrixTable, NumberSummary


@dataclass(frozen=True)
class TrendRow:
    code: str
    label: str
    current_count: int | None
    current_pct: float | None
    previous_count: int | None
    previous_pct: float | None

    @property
    def delta_points(self) -> float | None:
        """Difference in percentage points (current - previous)."""
        if self.current_pct is None or self.previous_pct is None:
            return None
        return (self.current_pct - self.previous_pct) * 100

    @property
    def delta_text(self) -> str:
        """Signed whole points ("+12", "-6", "0"); empty when not comparable."""
        delta = self.delta_points
        if delta is None:
            return ""
        points = int(Decimal(str(delta)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
        return f"{points:+d}" if points else "0"


@dataclass(frozen=True)
class TrendTable:
    question: str
    current_n: int
    previous_n: int
    rows: tuple[TrendRow, ...]


def _share(row) -> float | None:
    # Multiple choice compares the share of respondents ("90% van de respondenten").
    return row.pct_respondents if row.pct_respondents is not None else row.pct_answers


def compare(current: FrequencyTable, previous: FrequencyTable) -> TrendTable:
    before = {row.code: row for row in previous.rows}
    rows = []
    for row in current.rows:
        old = before.pop(row.code, None)
        rows.append(
            TrendRow(
                row.code,
                row.label,
                row.count,
                _share(row),
                old.count if old else None,
                _share(old) if old else None,
            )
        )
    for old in before.values():
        rows.append(TrendRow(old.code, old.label, None, None, old.count, _share(old)))
    return TrendTable(current.question, current.n, previous.n, tuple(rows))


# --- any number of waves -------------------------------------------------------------


@dataclass(frozen=True)
class SeriesPoint:
    count: int | None  # units behind the figure
    share: float | None = None  # 0..1
    value: float | None = None  # a mean (numbers) or the scale average (matrix)


@dataclass(frozen=True)
class SeriesRow:
    code: str
    label: str
    points: tuple[SeriesPoint | None, ...]  # one per wave; None: not asked

    @property
    def delta_text(self) -> str:
        """Last wave against the wave before it, in points ("" when not comparable)."""
        known = [p for p in self.points[-2:] if p is not None and p.share is not None]
        if len(known) < 2 or self.points[-1] is None:
            return ""
        return TrendRow("", "", 0, known[1].share, 0, known[0].share).delta_text


@dataclass(frozen=True)
class WaveSeries:
    """One question over waves, oldest first.

    `measure` says what `share` is: "respondents" (single: % of n; multiple: % of
    the units that answered), "all" (matrix rows: units with this row answered /
    all units of the wave, Tabel 2) or "mean" (numbers: mean and median in value).
    """

    question: str
    waves: tuple[str, ...]
    ns: tuple[int | None, ...]
    measure: str
    rows: tuple[SeriesRow, ...]

    @property
    def columns(self) -> tuple[tuple[str, int | None], ...]:
        """(wave label, n) for the table header."""
        return tuple(zip(self.waves, self.ns, strict=True))


def _points(table) -> tuple[int, str, dict[str, tuple[str, SeriesPoint]]]:
    if isinstance(table, FrequencyTable):
        return (
            table.n,
            "respondents",
            {r.code: (r.label, SeriesPoint(r.count, _share(r))) for r in table.rows},
        )
    if isinstance(table, MatrixTable):
        return (
            table.n,
            "all",
            {
                line.code: (
                    line.label,
                    SeriesPoint(line.n, line.share_all, line.average),
                )
                for line in table.lines
            },
        )
    if isinstance(table, NumberSummary):
        return (
            table.n,
            "mean",
            {
                "mean": ("Gemiddelde", SeriesPoint(table.n, None, table.mean)),
                "median": ("Mediaan", SeriesPoint(table.n, None, table.median)),
            },
        )
    raise TypeError(f"no series for {type(table).__name__}")


def series(tables: Sequence, waves: Sequence[str]) -> WaveSeries:
    """Line up one question's tables of several waves (oldest first; None where the
    question was not asked). Rows match by code; a row's label is its latest one;
    rows keep the latest wave's order, rows that disappeared follow."""
    per_wave = [_points(t) if t is not None else None for t in tables]
    measure = next((p[1] for p in per_wave if p is not None), "respondents")
    labels: dict[str, str] = {}
    for item in reversed(per_wave):
        for code, (label, _) in (item[2] if item else {}).items():
            labels.setdefault(code, label)
    rows = tuple(
        SeriesRow(
            code,
            label,
            tuple(
                item[2][code][1] if item and code in item[2] else None
                for item in per_wave
            ),
        )
        for code, label in labels.items()
    )
    question = next(t.question for t in tables if t is not None)
    ns = tuple(item[0] if item else None for item in per_wave)
    return WaveSeries(question, tuple(waves), ns, measure, rows)
