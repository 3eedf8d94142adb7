"""The same question next to the previous wave.

Pure. Questions are matched by code and options by code, so a renamed label
still lines up; options new in this wave show no previous figure and options
dropped since show no current one. The previous wave's units must already be
mapped onto today's municipalities (see data.load_records(map_to_current=True)).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .tables import FrequencyTable


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
