"""Frequency tables and cross-tabs as the VVSG report prints them.

Pure computations over plain data (no ORM): every function takes a question spec
(surveys.branching.QuestionSpec or anything shaped like it) and a sequence of
`Unit`s whose answers are already reduced to the visible ones. That keeps every
cell unit-testable and lets the same code serve pages, XLSX and trends.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from surveys.types import get_type, is_answered, kind

ORDER_COUNT = "count"
ORDER_INSTRUMENT = "instrument"


@dataclass(frozen=True)
class Unit:
    """One counted unit: a respondent (response) or a bestuur (municipality)."""

    key: str
    answers: Mapping[str, Any]
    others: Mapping[str, str] = field(default_factory=dict)
    family: str = ""
    province: str = ""
    cluster: str = ""
    source: str = ""  # the response behind the unit (several besturen share one)
    police_zone: str = ""
    size: str = ""  # breakdowns.SIZE_CLASSES key ("" = population unknown)


def percent_label(fraction: float | None) -> str:
    """Whole percent, half up (the report prints 2/3 as 67%, 1/8 as 13%)."""
    if fraction is None:
        return ""
    value = Decimal(str(fraction * 100)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{value}%"


def ratio(count: int, total: int) -> float | None:
    return count / total if total else None


@dataclass(frozen=True)
class Cell:
    """A count with its percentage; `suppressed` hides counts below k."""

    count: int
    pct: float | None
    suppressed: bool = False
    flagged: bool = False
    k: int = 0

    @property
    def text(self) -> str:
        if self.suppressed:
            return f"<{self.k}"
        if self.count == 0:
            return "0"
        mark = "*" if self.flagged else ""
        if self.pct is None:
            return f"{self.count}{mark}"
        return f"{self.count}{mark} ({percent_label(self.pct)})"


@dataclass(frozen=True)
class FrequencyRow:
    code: str
    label: str
    count: int
    pct_answers: float | None  # single: of n; multiple: of all selections
    pct_respondents: float | None = None  # multiple only: of n
    is_other: bool = False
    exclusive: bool = False
    derived: bool = False  # a results_groups total such as Tabel 1's "Ja (totaal)"


@dataclass(frozen=True)
class FrequencyTable:
    question: str
    type: str
    n: int
    rows: tuple[FrequencyRow, ...]
    selections: int = 0

    @property
    def multiple(self) -> bool:
        """Several answers per unit: shares of respondents, count order."""
        return get_type(self.type).multi_select


@dataclass(frozen=True)
class Line:
    """A table line: one option, or a derived group of options."""

    code: str
    label: str
    members: frozenset[str]
    derived: bool = False
    is_other: bool = False
    exclusive: bool = False


def report_lines(question) -> list[Line]:
    """Options in instrument order, each derived group right after its last member.

    Groups come from the question's `settings["results_groups"]`, e.g.
    [{"code": "ja_totaal", "label": "Ja (totaal)", "options": ["ja_gelijk", ...]}];
    a unit counts in a group when it chose any of the group's options.
    """
    groups = list((question.settings or {}).get("results_groups") or [])
    lines = []
    for option in question.options:
        lines.append(
            Line(
                option.code,
                option.label,
                frozenset([option.code]),
                is_other=option.is_other,
                exclusive=option.exclusive,
            )
        )
        for group in list(groups):
            members = list(group.get("options") or [])
            if members and option.code == _last_member(question, members):
                lines.append(
                    Line(group["code"], group["label"], frozenset(members), True)
                )
                groups.remove(group)
    return lines


def _last_member(question, members: list[str]) -> str | None:
    present = [o.code for o in question.options if o.code in members]
    return present[-1] if present else None


def frequency(question, units: Sequence[Unit], *, order: str = "") -> FrequencyTable:
    """Single or multiple choice: option, count, % of answers (+ % of respondents).

    Default order follows the report: multiple choice by count descending (ties in
    instrument order, "other"/"none" options in their count position, as Tabel 4
    and 13 do); single choice in instrument order, because its options are usually
    an ordered scale (Ja ... / Neen, like Tabel 1, 5, 8, 10). Derived group lines
    follow their last option in instrument order and come last in count order.
    """
    multiple = kind(question).multi_select
    order = order or (ORDER_COUNT if multiple else ORDER_INSTRUMENT)
    lines = report_lines(question)
    counts = dict.fromkeys((line.code for line in lines), 0)
    n = 0
    for unit in units:
        value = unit.answers.get(question.code)
        if not is_answered(value):
            continue
        n += 1
        chosen = kind(question).chosen(value)
        for line in lines:
            if chosen & line.members:
                counts[line.code] += 1
    selections = sum(counts[line.code] for line in lines if not line.derived)
    rows = [
        FrequencyRow(
            code=line.code,
            label=line.label,
            count=counts[line.code],
            # A group's share of all selections means nothing: only % of units.
            pct_answers=None
            if multiple and line.derived
            else ratio(counts[line.code], selections if multiple else n),
            pct_respondents=ratio(counts[line.code], n) if multiple else None,
            is_other=line.is_other,
            exclusive=line.exclusive,
            derived=line.derived,
        )
        for line in lines
    ]
    if order == ORDER_COUNT:
        # Stable sort: ties keep instrument order; derived lines go last.
        rows.sort(key=lambda row: (row.derived, -row.count))
    return FrequencyTable(question.code, question.type, n, tuple(rows), selections)


@dataclass(frozen=True)
class MatrixLine:
    code: str
    label: str
    n: int
    share: float | None  # n of this row / respondents who answered the matrix
    cells: tuple[Cell, ...]
    # n of this row / all units of the wave (Tabel 2's "Totaal aantal gemeenten
    # met signalen (n=152)": 62 (41%)).
    share_all: float | None = None
    # Mean scale position, 0 = first and 1 = last counted point (Tabel 6's
    # "Gemiddelde": 10/44/29/17% on four points -> (44 + 2*29 + 3*17)/300 = 51%).
    average: float | None = None


@dataclass(frozen=True)
class MatrixTable:
    question: str
    n: int
    columns: tuple[tuple[str, str], ...]
    lines: tuple[MatrixLine, ...]


def matrix_table(question, units: Sequence[Unit]) -> MatrixTable:
    """One line per matrix row: count and % of the row's n per scale point.

    Scale points listed in `settings["results_exclude"]` (e.g. "niet_aanwezig")
    are counted but kept out of the row n and the percentages, so a row reads
    like Tabel 2: of the besturen where the form occurs, x% saw it increase.
    """
    scale = [option.code for option in question.options]
    excluded = set((question.settings or {}).get("results_exclude") or ())
    per_row = {row.code: dict.fromkeys(scale, 0) for row in question.rows}
    n = 0
    for unit in units:
        value = unit.answers.get(question.code)
        if not is_answered(value) or not isinstance(value, Mapping):
            continue
        n += 1
        for row_code, point in value.items():
            if row_code in per_row and point in per_row[row_code]:
                per_row[row_code][point] += 1
    lines = []
    counted = [code for code in scale if code not in excluded]
    for row in question.rows:
        counts = per_row[row.code]
        row_n = sum(count for code, count in counts.items() if code not in excluded)
        cells = tuple(
            Cell(counts[code], None if code in excluded else ratio(counts[code], row_n))
            for code in scale
        )
        average = None
        if row_n and len(counted) > 1:
            score = sum(i * counts[code] for i, code in enumerate(counted))
            average = score / (row_n * (len(counted) - 1))
        lines.append(
            MatrixLine(
                row.code,
                row.label,
                row_n,
                ratio(row_n, n),
                cells,
                share_all=ratio(row_n, len(units)),
                average=average,
            )
        )
    columns = tuple((option.code, option.label) for option in question.options)
    return MatrixTable(question.code, n, columns, tuple(lines))


@dataclass(frozen=True)
class Bin:
    label: str
    count: int
    pct: float | None


@dataclass(frozen=True)
class NumberSummary:
    question: str
    n: int
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None
    bins: tuple[Bin, ...]


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def bin_edges(
    values: Sequence[float], settings: Mapping[str, Any]
) -> tuple[list, bool]:
    """Lower edges of the bins and whether each bin is one value.

    `settings["bins"]` (lower edges, e.g. [0, 1, 6, 11]) wins; small integer ranges
    get one bin per value; anything else five equal widths.
    """
    if settings.get("bins"):
        return sorted(float(edge) for edge in settings["bins"]), False
    low, high = min(values), max(values)
    if all(float(v).is_integer() for v in values) and high - low <= 10:
        return [float(v) for v in range(int(low), int(high) + 1)], True
    width = (high - low) / 5 or 1
    return [low + i * width for i in range(5)], False


def _bin_label(edges: list[float], i: int, per_value: bool) -> str:
    edge = edges[i]
    if per_value:
        return _fmt(edge)
    if i + 1 == len(edges):
        return f"≥ {_fmt(edge)}"
    upper = edges[i + 1]
    if edge.is_integer() and upper.is_integer():
        return _fmt(edge) if upper - edge == 1 else f"{_fmt(edge)}–{_fmt(upper - 1)}"
    return f"{_fmt(edge)}–<{_fmt(upper)}"


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_summary(question, units: Sequence[Unit]) -> NumberSummary:
    """n, mean, median, min, max and binned counts of a number question."""
    values = [
        float(unit.answers[question.code])
        for unit in units
        if _numeric(unit.answers.get(question.code))
    ]
    if not values:
        return NumberSummary(question.code, 0, None, None, None, None, ())
    edges, per_value = bin_edges(values, question.settings or {})
    counts = [0] * len(edges)
    for value in values:
        index = max((i for i, edge in enumerate(edges) if value >= edge), default=0)
        counts[index] += 1
    bins = tuple(
        Bin(_bin_label(edges, i, per_value), counts[i], ratio(counts[i], len(values)))
        for i in range(len(edges))
    )
    return NumberSummary(
        question.code,
        len(values),
        statistics.fmean(values),
        statistics.median(values),
        min(values),
        max(values),
        bins,
    )


@dataclass(frozen=True)
class TextAnswers:
    question: str
    n: int
    answers: tuple[str, ...]


def _by_source(units: Sequence[Unit]) -> list[Unit]:
    """One unit per response: a coordinator's text is listed once, not per bestuur."""
    seen, result = set(), []
    for unit in units:
        source = unit.source or unit.key
        if source not in seen:
            seen.add(source)
            result.append(unit)
    return result


def text_answers(question, units: Sequence[Unit]) -> TextAnswers:
    """n counts units (besturen or respondents); the list has each response once."""

    def text(unit: Unit) -> str:
        value = unit.answers.get(question.code)
        return str(value).strip() if is_answered(value) else ""

    n = sum(1 for unit in units if text(unit))
    answers = tuple(text(unit) for unit in _by_source(units) if text(unit))
    return TextAnswers(question.code, n, answers)


def other_answers(question, units: Sequence[Unit]) -> tuple[str, ...]:
    """The "other, specify" texts of responses that answered the question."""
    return tuple(
        unit.others[question.code].strip()
        for unit in _by_source(units)
        if unit.others.get(question.code, "").strip()
        and is_answered(unit.answers.get(question.code))
    )


# How each results strategy counts; a question type names one (surveys.types).
STRATEGIES: dict[str, Callable[[Any, Sequence[Unit]], Any]] = {
    "frequency": frequency,
    "matrix": matrix_table,
    "number": number_summary,
    "text": text_answers,
}


def question_table(question, units: Sequence[Unit]):
    """The report table for any question type (None when its type counts nothing)."""
    strategy = STRATEGIES.get(kind(question).results)
    return strategy(question, units) if strategy else None


def has_options_table(question) -> bool:
    """Frequency-counted: gets cross-tabs, "other" texts and trends."""
    return kind(question).results == "frequency"


def is_counted(question) -> bool:
    return kind(question).results in STRATEGIES


# --- cross-tabs -------------------------------------------------------------------


@dataclass(frozen=True)
class CrossRow:
    code: str
    label: str
    cells: tuple[Cell, ...]  # one per group
    total: Cell
    derived: bool = False


@dataclass(frozen=True)
class CrossTab:
    question: str
    groups: tuple[tuple[str, str, int], ...]  # (key, label, n)
    n: int
    rows: tuple[CrossRow, ...]
    k: int
    suppressed: int  # number of cells hidden


def small_cell(count: int, k: int, *, show_small: bool) -> dict[str, Any]:
    """Cells with 0 < count < k are hidden ("<k") or, on request, flagged."""
    small = 0 < count < k
    return {
        "suppressed": small and not show_small,
        "flagged": small and show_small,
        "k": k,
    }


def crosstab(
    question,
    units: Sequence[Unit],
    *,
    groups: Sequence[tuple[str, str]],
    group_of: Callable[[Unit], str],
    k: int = 5,
    show_small: bool = False,
) -> CrossTab:
    """Options x groups (cluster families or provinces) plus a total column.

    Cells are "count (pct of the column n)"; for multiple choice the column n is
    the respondents in that group who answered. Group n's and the total column
    are never suppressed (the report prints them even for n=3).
    """
    keys = [key for key, _ in groups]
    lines = report_lines(question)
    n_by_group = dict.fromkeys(keys, 0)
    counts = {line.code: dict.fromkeys(keys, 0) for line in lines}
    totals = {line.code: 0 for line in lines}
    n = 0
    for unit in units:
        value = unit.answers.get(question.code)
        if not is_answered(value):
            continue
        n += 1
        group = group_of(unit)
        if group in n_by_group:
            n_by_group[group] += 1
        chosen = kind(question).chosen(value)
        for line in lines:
            if not chosen & line.members:
                continue
            totals[line.code] += 1
            if group in n_by_group:
                counts[line.code][group] += 1
    rows, hidden = [], 0
    for line in lines:
        cells = []
        for key in keys:
            count = counts[line.code][key]
            flags = small_cell(count, k, show_small=show_small)
            hidden += flags["suppressed"]
            cells.append(Cell(count, ratio(count, n_by_group[key]), **flags))
        total = Cell(totals[line.code], ratio(totals[line.code], n))
        rows.append(CrossRow(line.code, line.label, tuple(cells), total, line.derived))
    labelled = tuple((key, label, n_by_group[key]) for key, label in groups)
    return CrossTab(question.code, labelled, n, tuple(rows), k, hidden)
