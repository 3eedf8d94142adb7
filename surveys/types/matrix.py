"""Matrix: one scale answer (an option code) per row, `{row: option}`."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.types.base import (
    LIST,
    Column,
    Q,
    QuestionLike,
    QuestionType,
    RowLike,
    StatVariable,
    coded,
    is_answered,
    option_label,
)
from surveys.types.choice import CHOICE_MESSAGES, SingleChoice, option_code


class Matrix(QuestionType):
    code = "matrix"
    label = "Matrix (rijen × schaal)"
    settings = {"results_exclude": LIST}
    has_options = True
    has_rows = True
    condition_operators = frozenset({"answered", "in", "row"})
    results = "matrix"
    template = "responses/questions/matrix.html"

    def _cells(self, value: Any) -> Mapping[str, Any]:
        return value if isinstance(value, Mapping) else {}

    def is_answered(self, question: QuestionLike, value: Any) -> bool:
        """Answered only as a mapping with at least one answered cell; any other
        value (junk from an old draft or a tampered POST) is no answer."""
        return isinstance(value, Mapping) and any(
            is_answered(cell) for cell in value.values()
        )

    def is_complete(
        self, question: QuestionLike, value: Any, rows: Sequence[str]
    ) -> bool:
        cells = self._cells(value)
        return all(is_answered(cells.get(r)) for r in rows)

    def visible_value(
        self, question: QuestionLike, value: Any, rows: Sequence[str]
    ) -> Any:
        if not isinstance(value, Mapping):
            return None  # not a matrix answer at all: nothing to show per row
        return {r: v for r, v in value.items() if r in rows} or None

    def validate(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        rows: Iterable[str] | None = None,
    ) -> list[str]:
        if not isinstance(value, Mapping):
            return ["Ongeldig antwoord voor een tabelvraag."]
        labels = {r.code: r.label for r in question.rows}
        errors = []
        unknown_rows = [r for r in value if r not in labels]
        if unknown_rows:
            errors.append("Onbekende rij: " + ", ".join(map(str, unknown_rows)) + ".")
        checked = set(rows) if rows is not None else set(labels)
        scale = {o.code for o in question.options}
        for row_code, cell in value.items():
            if row_code not in checked or not is_answered(cell):
                continue
            if not isinstance(cell, str) or cell not in scale:
                errors.append(f"Onbekend antwoord voor '{labels[row_code]}': {cell}.")
        return errors

    def missing_message(
        self, question: QuestionLike, value: Any, rows: Sequence[str]
    ) -> str:
        cells = self._cells(value)
        missing = [
            r.label
            for r in question.rows
            if r.code in rows and not is_answered(cells.get(r.code))
        ]
        if not missing:
            return ""
        return (
            "Gelieve elke rij te beantwoorden (ontbreekt: " + "; ".join(missing) + ")."
        )

    def condition_values_problem(
        self, values: list[str], option_codes: set[str]
    ) -> str:
        missing = [v for v in values if v not in option_codes]
        return f"onbekende optie(s) {missing}" if missing else ""

    def form_fields(
        self, question: QuestionLike, *, choices: Sequence[tuple[str, str]] = ()
    ) -> dict[str, forms.Field]:
        scale = [(o.code, o.label) for o in question.options]
        return {
            f"r-{row.code}": forms.ChoiceField(
                choices=scale,
                required=False,
                widget=forms.RadioSelect,
                error_messages=CHOICE_MESSAGES,
                label=row.label,
            )
            for row in question.rows
        }

    def initial(self, question: QuestionLike, value: Any) -> dict[str, Any]:
        return {f"r-{row}": cell for row, cell in self._cells(value).items()}

    def from_form(
        self, question: QuestionLike, cleaned: Mapping[str, Any], posted: Container[str]
    ) -> Any:
        return {
            row.code: cleaned[f"r-{row.code}"]
            for row in question.rows
            if cleaned.get(f"r-{row.code}")
        }

    def form_errors(
        self, question: QuestionLike, cleaned: Mapping[str, Any], posted: Iterable[str]
    ) -> list[str]:
        rows = {r.code for r in question.rows}
        extra = [s[2:] for s in posted if s.startswith("r-")]
        if bad := [r for r in extra if r not in rows]:
            return [str(_("Onbekende rij: %(rows)s.")) % {"rows": ", ".join(bad)}]
        return []

    def widgets(
        self,
        question: QuestionLike,
        bound: Callable[[str], Any],
        visible_rows: Sequence[str],
    ) -> dict[str, Any]:
        return {
            "matrix": [
                {
                    "code": row.code,
                    "label": row.label,
                    "field": bound(f"r-{row.code}"),
                    "hidden": row.code not in visible_rows,
                }
                for row in question.rows
            ]
        }

    def display(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        names: Mapping[str, str] | None = None,
    ) -> list[str]:
        # Instrument order, not the stored mapping's: PostgreSQL's jsonb returns
        # keys sorted by length, so "stored order" differs between databases.
        cells = self._cells(value)
        return [
            f"{row.label}: {option_label(question, cells[row.code])}"
            for row in question.rows
            if row.code in cells and is_answered(cells[row.code])
        ]

    def export_columns(self, question: QuestionLike) -> list[Column]:
        return [
            Column(f"{question.code}__{r.code}", question.code, "row", r.code)
            for r in question.rows
        ]

    def stat_variable(self, question: QuestionLike, column: Column) -> StatVariable:
        # Matrix scales are ordered (never - sometimes - often; disagree - agree).
        return coded(question.options, measure="ordinal")

    def export_cells(
        self, question: QuestionLike, value: Any, other_text: str, *, labels: bool
    ) -> list[Any]:
        cells = self._cells(value)
        return [
            (option_label(question, cells[r.code]) if labels else cells[r.code])
            if cells.get(r.code)
            else ""
            for r in question.rows
        ]

    def parse_cell(
        self,
        question: QuestionLike,
        column: Column,
        text: str,
        raw: Any,
        answer: Any,
        *,
        known_municipalities: Container[str] = (),
    ) -> Any:
        return {**self._cells(answer), column.key: option_code(question, text)}

    def chosen(self, value: Any) -> set[str]:
        return {v for v in self._cells(value).values() if isinstance(v, str)}

    def row_question(self, question: Q, row: RowLike) -> Q:
        """The row as a single choice over the matrix's scale (same options),
        counted and compared like any single-choice question."""
        spec: Any = question  # a frozen dataclass (surveys.branching.QuestionSpec)
        return cast(
            Q,
            replace(
                spec,
                code=f"{spec.code}-{row.code}",
                type=SingleChoice.code,
                text=f"{spec.text} — {row.label}",
                rows=(),
                settings={},
            ),
        )

    def example_value(
        self,
        question: QuestionLike,
        rng: Any,
        *,
        rows: Sequence[str],
        municipalities: Sequence[str],
    ) -> Any:
        return {row: rng.choice([o.code for o in question.options]) for row in rows}
