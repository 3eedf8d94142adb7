"""Pure branching evaluator for an instrument (no ORM, no request).

The instrument's rules arrive as an `InstrumentSpec` (built from ORM rows by
`surveys.queries.instrument_spec` or from a YAML file by `surveys.definition`), the
answers as a `{question_code: value}` mapping. Everything here is a function of
those two inputs, so every rule can be unit-tested without a database.

Conditions are JSON expressions (see HELPERS.md):
    {"q": CODE, "in": [...]}              single / multiple / municipalities
    {"q": CODE, "row": ROW, "in": [...]}  matrix cell
    {"q": CODE, "answered": true|false}
    {"q": CODE, "gte": n} / {"q": CODE, "lte": n}
    {"all": [...]}, {"any": [...]}, {"not": {...}}
A hidden question (or hidden matrix row) counts as unanswered for every condition.
Whether a question is answered is its type's rule (`QuestionType.is_answered`), the
same for conditions, visible_answers() and progress: a matrix value is answered only
when it is a mapping with at least one answered cell (of a visible row, for
conditions); junk such as `False` is no answer anywhere.
Answers of hidden questions are kept by callers (drafts) but ignored here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from surveys import types

DEFAULT_MAX_LENGTH = types.DEFAULT_MAX_LENGTH
is_answered = types.is_answered


@dataclass(frozen=True)
class OptionSpec:
    code: str
    label: str
    exclusive: bool = False
    is_other: bool = False


@dataclass(frozen=True)
class RowSpec:
    code: str
    label: str
    condition: dict[str, Any] | None = None


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    number: int
    section: str
    type: str  # a code registered in surveys.types
    text: str
    required: bool
    condition: dict[str, Any] | None
    options: tuple[OptionSpec, ...] = ()  # for matrix: the scale columns
    rows: tuple[RowSpec, ...] = ()  # matrix rows
    settings: Mapping[str, Any] = field(default_factory=dict)

    def option(self, code: str) -> OptionSpec | None:
        return next((o for o in self.options if o.code == code), None)

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)

    @property
    def row_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.rows)

    @property
    def kind(self) -> types.QuestionType:
        """The registered type object (validation, form, display, export...)."""
        return types.kind(self)


@dataclass(frozen=True)
class InstrumentSpec:
    sections: tuple[str, ...]
    questions: tuple[QuestionSpec, ...]
    # Lookup by code; exports evaluate thousands of answer sets against one spec.
    _index: Mapping[str, QuestionSpec] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {q.code: q for q in self.questions})

    def question(self, code: str) -> QuestionSpec:
        return self._index[code]

    def in_section(self, section: str) -> tuple[QuestionSpec, ...]:
        return tuple(q for q in self.questions if q.section == section)


# --- evaluation ----------------------------------------------------------------------


def _effective(
    spec: InstrumentSpec,
    answers: Mapping[str, Any],
    visible_rows: Mapping[str, tuple[str, ...]],
    code: str,
) -> Any:
    """The value of `code` as conditions see it: None when hidden or unanswered
    by its type's rule (`QuestionType.is_answered`)."""
    if code not in visible_rows:
        return None
    question = spec.question(code)
    kind = types.kind(question)
    value = answers.get(code)
    if not kind.is_answered(question, value):
        return None  # e.g. a matrix value that is not a mapping of answered cells
    if kind.has_rows and isinstance(value, Mapping):
        # Matrix: cells of hidden rows do not exist for conditions.
        allowed = visible_rows[code]
        value = {r: v for r, v in value.items() if r in allowed and is_answered(v)}
        return value or None
    return value


def _holds(
    spec: InstrumentSpec,
    condition: Mapping[str, Any] | None,
    answers: Mapping[str, Any],
    visible_rows: Mapping[str, tuple[str, ...]],
) -> bool:
    if condition is None:
        return True
    if "all" in condition:
        return all(_holds(spec, c, answers, visible_rows) for c in condition["all"])
    if "any" in condition:
        return any(_holds(spec, c, answers, visible_rows) for c in condition["any"])
    if "not" in condition:
        return not _holds(spec, condition["not"], answers, visible_rows)
    value = _effective(spec, answers, visible_rows, condition["q"])
    if "row" in condition:
        value = value.get(condition["row"]) if isinstance(value, Mapping) else None
    if "answered" in condition:
        # _effective already applied the type's rule; None is "not answered".
        return is_answered(value) == bool(condition["answered"])
    if not is_answered(value):
        return False
    if "in" in condition:
        wanted = set(condition["in"])
        if isinstance(value, list | tuple):
            # Drafts may hold junk; only strings can match an option or NIS code.
            return any(isinstance(v, str) and v in wanted for v in value)
        return isinstance(value, str) and value in wanted
    if "gte" in condition or "lte" in condition:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if "gte" in condition and not value >= condition["gte"]:
            return False
        return not ("lte" in condition and not value <= condition["lte"])
    raise ValueError(f"Onbekende voorwaarde: {condition!r}")


# --- the evaluation object -----------------------------------------------------------


class _Counter:
    """How many evaluations ran: a cheap production counter that tests read to
    hold the one-evaluation-per-request guarantee."""

    def __init__(self) -> None:
        self.value = 0


EVALUATIONS = _Counter()


@dataclass(frozen=True)
class Evaluation:
    """The branching state of one answer set, computed once and passed down.

    Views, forms, services and exports read visibility, required questions,
    progress and navigation from here instead of evaluating again.
    """

    # Two evaluations are equal when they show the same thing, whatever answers
    # of hidden questions they were computed from.
    spec: InstrumentSpec = field(compare=False, repr=False)
    answers: Mapping[str, Any] = field(compare=False, repr=False)
    visible: frozenset[str]
    required: frozenset[str]
    rows: Mapping[str, tuple[str, ...]]  # visible row codes per visible matrix

    def visible_rows(self, code: str) -> tuple[str, ...]:
        return self.rows.get(code, ())

    @cached_property
    def progress(self) -> tuple[int, int]:
        """(answered visible questions, visible questions); a matrix counts if
        every visible row is answered."""
        done = 0
        for q in self.spec.questions:
            if q.code in self.visible and types.kind(q).is_complete(
                q, self.answers.get(q.code), self.rows.get(q.code, ())
            ):
                done += 1
        return done, len(self.visible)

    def progress_at(self, section: str | None) -> tuple[int, int]:
        """(settled units, all units) for a respondent on `section` (None = past
        the end): the progress the respondent sees.

        A unit is a question, or one row of a matrix; the denominator is every unit
        of the instrument, so it never jumps. A unit is settled when it is visible
        and answered, or when it does not apply (hidden) and lies in a section
        before `section`. Follow-up questions an answer reveals were not settled
        before, so adding an answer never lowers the count (conditions only look
        backwards); moving on settles the skipped units. See docs/instrument.md,
        "Progress".
        """
        order = {code: i for i, code in enumerate(self.spec.sections)}
        here = order.get(section, len(order)) if section is not None else len(order)
        done = total = 0
        for q in self.spec.questions:
            passed = order[q.section] < here
            value = self.answers.get(q.code)
            if types.kind(q).has_rows:
                cells = value if isinstance(value, Mapping) else {}
                shown = self.rows.get(q.code, ())
                for row in q.rows:
                    total += 1
                    if row.code in shown:
                        done += is_answered(cells.get(row.code))
                    else:
                        done += passed
                continue
            total += 1
            if q.code in self.visible:
                done += is_answered(value)
            else:
                done += passed
        return done, total

    @property
    def percent(self) -> int:
        done, total = self.progress
        return round(100 * done / total) if total else 0

    @cached_property
    def shown_sections(self) -> tuple[str, ...]:
        """Sections with at least one visible question, in instrument order."""
        shown = {q.section for q in self.spec.questions if q.code in self.visible}
        return tuple(s for s in self.spec.sections if s in shown)

    def next_section(self, current: str | None) -> str | None:
        """The first section after `current` (or the very first) with a visible
        question."""
        sections = self.spec.sections
        start = 0 if current is None else sections.index(current) + 1
        shown = set(self.shown_sections)
        return next((s for s in sections[start:] if s in shown), None)

    def previous_section(self, current: str) -> str | None:
        """The last section before `current` with a visible question."""
        end = self.spec.sections.index(current)
        shown = set(self.shown_sections)
        return next((s for s in reversed(self.spec.sections[:end]) if s in shown), None)

    @cached_property
    def visible_answers(self) -> dict[str, Any]:
        """Answers of visible questions only, matrix cells of visible rows only."""
        result: dict[str, Any] = {}
        for q in self.spec.questions:
            value = self.answers.get(q.code)
            kind = types.kind(q)
            if q.code not in self.visible or not kind.is_answered(q, value):
                continue
            value = kind.visible_value(q, value, self.rows.get(q.code, ()))
            if value is not None:
                result[q.code] = value
        return result

    def validate(
        self,
        others: Mapping[str, str],
        *,
        sections: Iterable[str] | None = None,
        partial: bool = False,
    ) -> dict[str, list[str]]:
        """Errors per visible question code ({} = valid).

        Hidden questions and hidden matrix rows are never checked. `sections`
        limits the check to those sections (a page save); `partial=True` skips the
        "required" check (a draft save) but still checks the shape of given answers.
        """
        wanted = set(sections) if sections is not None else None
        errors: dict[str, list[str]] = {}
        for q in self.spec.questions:
            if q.code not in self.visible or (
                wanted is not None and q.section not in wanted
            ):
                continue
            kind = types.kind(q)
            value = self.answers.get(q.code)
            rows = self.rows.get(q.code, ())
            found: list[str] = []
            if is_answered(value):
                found += kind.validate(q, value, others.get(q.code, ""), rows=rows)
            if not partial and q.code in self.required and not found:
                message = kind.missing_message(q, value, rows)
                if message:
                    found.append(message)
            if found:
                errors[q.code] = found
        return errors


# Older name of the evaluation result.
Visibility = Evaluation


def evaluate(spec: InstrumentSpec, answers: Mapping[str, Any]) -> Evaluation:
    """Which questions (and matrix rows) are visible and required for these answers.

    Questions are evaluated in instrument order; the loader guarantees that a
    condition only refers to earlier questions, so one pass is enough. A matrix
    whose rows are all hidden is itself hidden (there is nothing to answer).
    """
    EVALUATIONS.value += 1
    visible_rows: dict[str, tuple[str, ...]] = {}
    required: set[str] = set()
    matrices: set[str] = set()
    for q in spec.questions:
        if not _holds(spec, q.condition, answers, visible_rows):
            continue
        rows: tuple[str, ...] = ()
        if types.kind(q).has_rows:
            rows = tuple(
                r.code
                for r in q.rows
                if _holds(spec, r.condition, answers, visible_rows)
            )
            if not rows:
                continue
            matrices.add(q.code)
        visible_rows[q.code] = rows
        if q.required:
            required.add(q.code)
    return Evaluation(
        spec=spec,
        answers=answers,
        visible=frozenset(visible_rows),
        required=frozenset(required),
        rows={c: r for c, r in visible_rows.items() if c in matrices},
    )


def validate_value(
    question: QuestionSpec,
    value: Any,
    other_text: str = "",
    *,
    rows: Iterable[str] | None = None,
) -> list[str]:
    """Shape checks of one answered value by its type; Dutch messages, [] = valid.

    `rows` (keyword, optional) restricts matrix cell checks to those visible rows;
    cells of hidden rows are kept in drafts and not checked.
    """
    other_text = other_text if isinstance(other_text, str) else ""
    try:
        kind = types.kind(question)
    except KeyError:
        return [f"Onbekend vraagtype: {question.type}."]
    return kind.validate(question, value, other_text, rows=rows)


# --- shortcuts that evaluate (one call = one evaluation) ------------------------------


def validate(
    spec: InstrumentSpec,
    answers: Mapping[str, Any],
    others: Mapping[str, str],
    *,
    sections: Iterable[str] | None = None,
    partial: bool = False,
) -> dict[str, list[str]]:
    """`evaluate(spec, answers).validate(...)`; see Evaluation.validate."""
    return evaluate(spec, answers).validate(others, sections=sections, partial=partial)


def visible_answers(spec: InstrumentSpec, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers of visible questions only, matrix cells of visible rows only."""
    return evaluate(spec, answers).visible_answers


def next_section(
    spec: InstrumentSpec, answers: Mapping[str, Any], current: str | None
) -> str | None:
    return evaluate(spec, answers).next_section(current)


def previous_section(
    spec: InstrumentSpec, answers: Mapping[str, Any], current: str
) -> str | None:
    return evaluate(spec, answers).previous_section(current)


def progress(spec: InstrumentSpec, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(answered visible questions, visible questions); a matrix counts if complete."""
    return evaluate(spec, answers).progress


def progress_at(
    spec: InstrumentSpec, answers: Mapping[str, Any], section: str | None
) -> tuple[int, int]:
    """Evaluation.progress_at for one answer set (tests, benchmarks)."""
    return evaluate(spec, answers).progress_at(section)


def describe(condition: Mapping[str, Any] | None) -> str:
    """Readable form of a condition for the codebook ("" = always shown)."""
    if condition is None:
        return ""
    if "all" in condition:
        return " EN ".join(_group(c) for c in condition["all"])
    if "any" in condition:
        return " OF ".join(_group(c) for c in condition["any"])
    if "not" in condition:
        return f"NIET {_group(condition['not'])}"
    subject = condition["q"]
    if "row" in condition:
        subject += f"[{condition['row']}]"
    if "answered" in condition:
        return (
            f"{subject} {'beantwoord' if condition['answered'] else 'niet beantwoord'}"
        )
    if "in" in condition:
        return f"{subject} in ({', '.join(map(str, condition['in']))})"
    parts = []
    if "gte" in condition:
        parts.append(f"{subject} >= {condition['gte']}")
    if "lte" in condition:
        parts.append(f"{subject} <= {condition['lte']}")
    return " EN ".join(parts)


def _group(condition: Mapping[str, Any]) -> str:
    text = describe(condition)
    return f"({text})" if any(k in condition for k in ("all", "any")) else text
