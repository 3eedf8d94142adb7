"""Pure branching evaluator for an instrument (no Django imports).

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
Answers of hidden questions are kept by callers (drafts) but ignored here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

QUESTION_TYPES = ("single", "multiple", "matrix", "text", "number", "municipalities")
CHOICE_TYPES = ("single", "multiple", "matrix")
DEFAULT_MAX_LENGTH = 5000
NIS_RE = re.compile(r"^\d{5}$")


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
    condition: dict | None = None


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    number: int
    section: str
    type: str  # single|multiple|matrix|text|number|municipalities
    text: str
    required: bool
    condition: dict | None
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


@dataclass(frozen=True)
class Visibility:
    visible: frozenset[str]
    required: frozenset[str]
    rows: Mapping[str, tuple[str, ...]]  # visible row codes per visible matrix


# --- evaluation ----------------------------------------------------------------------


def is_answered(value: Any) -> bool:
    """True when a value carries an answer (empty strings/lists/dicts do not)."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | tuple | dict | set | frozenset):
        return len(value) > 0
    return True


def _effective(
    answers: Mapping[str, Any], visible_rows: Mapping[str, tuple[str, ...]], code: str
) -> Any:
    """The value of `code` as conditions see it: None when hidden or unanswered."""
    if code not in visible_rows:
        return None
    value = answers.get(code)
    if isinstance(value, Mapping):
        # Matrix: cells of hidden rows do not exist for conditions.
        allowed = visible_rows[code]
        return {r: v for r, v in value.items() if r in allowed and is_answered(v)}
    return value


def _holds(
    condition: Mapping[str, Any] | None,
    answers: Mapping[str, Any],
    visible_rows: Mapping[str, tuple[str, ...]],
) -> bool:
    if condition is None:
        return True
    if "all" in condition:
        return all(_holds(c, answers, visible_rows) for c in condition["all"])
    if "any" in condition:
        return any(_holds(c, answers, visible_rows) for c in condition["any"])
    if "not" in condition:
        return not _holds(condition["not"], answers, visible_rows)
    value = _effective(answers, visible_rows, condition["q"])
    if "row" in condition:
        value = value.get(condition["row"]) if isinstance(value, Mapping) else None
    if "answered" in condition:
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


def evaluate(spec: InstrumentSpec, answers: Mapping[str, Any]) -> Visibility:
    """Which questions (and matrix rows) are visible and required for these answers.

    Questions are evaluated in instrument order; the loader guarantees that a
    condition only refers to earlier questions, so one pass is enough. A matrix
    whose rows are all hidden is itself hidden (there is nothing to answer).
    """
    visible_rows: dict[str, tuple[str, ...]] = {}
    required: set[str] = set()
    matrices: set[str] = set()
    for q in spec.questions:
        if not _holds(q.condition, answers, visible_rows):
            continue
        rows: tuple[str, ...] = ()
        if q.type == "matrix":
            rows = tuple(
                r.code for r in q.rows if _holds(r.condition, answers, visible_rows)
            )
            if not rows:
                continue
            matrices.add(q.code)
        visible_rows[q.code] = rows
        if q.required:
            required.add(q.code)
    return Visibility(
        visible=frozenset(visible_rows),
        required=frozenset(required),
        rows={c: r for c, r in visible_rows.items() if c in matrices},
    )


# --- validation ----------------------------------------------------------------------


def _other_label(question: QuestionSpec) -> str:
    other = next((o for o in question.options if o.is_other), None)
    if other is None:
        return "Ander"
    # "Ander, gelieve te specificeren" -> "Ander"; "Andere, met name:" -> "Andere"
    return re.split(r"[,:(]", other.label, maxsplit=1)[0].strip() or "Ander"


def _validate_choices(
    question: QuestionSpec, codes: list[str], other_text: str
) -> list:
    errors: list[str] = []
    known = set(question.option_codes)
    unknown = [c for c in codes if c not in known]
    if unknown:
        errors.append("Onbekende antwoordoptie: " + ", ".join(map(str, unknown)) + ".")
    if len(set(codes)) != len(codes):
        errors.append("Een antwoordoptie is meer dan eens gekozen.")
    chosen = [question.option(c) for c in codes if c in known]
    exclusive = [o for o in chosen if o.exclusive]
    if exclusive and len(set(codes)) > 1:
        labels = ", ".join(f"'{o.label}'" for o in exclusive)
        errors.append(f"{labels} kan niet samen met een ander antwoord gekozen worden.")
    if any(o.is_other for o in chosen) and not other_text.strip():
        errors.append(f"Gelieve '{_other_label(question)}' te specificeren.")
    # Other text without the other option is ignored (a draft may keep it).
    return errors


def _validate_number(question: QuestionSpec, value: Any) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ["Gelieve een getal in te vullen."]
    if isinstance(value, float) and not math.isfinite(value):
        return ["Gelieve een geldig getal in te vullen."]
    errors = []
    settings = question.settings
    if (
        settings.get("integer", True)
        and isinstance(value, float)
        and not value.is_integer()
    ):
        errors.append("Gelieve een geheel getal in te vullen.")
    if "min" in settings and value < settings["min"]:
        errors.append(f"Het getal moet minstens {settings['min']} zijn.")
    if "max" in settings and value > settings["max"]:
        errors.append(f"Het getal mag hoogstens {settings['max']} zijn.")
    return errors


def _validate_matrix(
    question: QuestionSpec, value: Any, rows: Iterable[str] | None
) -> list[str]:
    if not isinstance(value, Mapping):
        return ["Ongeldig antwoord voor een tabelvraag."]
    known_rows = set(question.row_codes)
    errors = []
    unknown_rows = [r for r in value if r not in known_rows]
    if unknown_rows:
        errors.append("Onbekende rij: " + ", ".join(map(str, unknown_rows)) + ".")
    checked = set(rows) if rows is not None else known_rows
    scale = set(question.option_codes)
    labels = {r.code: r.label for r in question.rows}
    for row_code, cell in value.items():
        if row_code not in checked or not is_answered(cell):
            continue
        if not isinstance(cell, str) or cell not in scale:
            errors.append(f"Onbekend antwoord voor '{labels[row_code]}': {cell}.")
    return errors


def validate_value(
    question: QuestionSpec, value: Any, other_text: str = "", *, rows=None
) -> list[str]:
    """Shape checks of one answered value; Dutch messages. Empty list = valid.

    `rows` (keyword, optional) restricts matrix cell checks to those visible rows;
    cells of hidden rows are kept in drafts and not checked.
    """
    other_text = other_text if isinstance(other_text, str) else ""
    t = question.type
    if t == "single":
        if not isinstance(value, str):
            return ["Gelieve één antwoord te kiezen."]
        return _validate_choices(question, [value], other_text)
    if t == "multiple":
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, str) for v in value
        ):
            return ["Ongeldig antwoord: verwacht een lijst van antwoordopties."]
        return _validate_choices(question, list(value), other_text) + _too_many(
            question, value, ("antwoord", "antwoorden")
        )
    if t == "matrix":
        return _validate_matrix(question, value, rows)
    if t == "text":
        if not isinstance(value, str):
            return ["Ongeldig antwoord: verwacht tekst."]
        limit = int(question.settings.get("max_length", DEFAULT_MAX_LENGTH))
        if len(value) > limit:
            return [
                f"Het antwoord mag hoogstens {limit} tekens bevatten ({len(value)})."
            ]
        return []
    if t == "number":
        return _validate_number(question, value)
    if t == "municipalities":
        if not isinstance(value, list | tuple):
            return ["Ongeldig antwoord: verwacht een lijst van gemeenten."]
        bad = [str(v) for v in value if not (isinstance(v, str) and NIS_RE.match(v))]
        if bad:
            return ["Ongeldige NIS-code: " + ", ".join(bad) + " (verwacht 5 cijfers)."]
        if len(set(value)) != len(value):
            return ["Een gemeente is meer dan eens gekozen."]
        return _too_many(question, value, ("bestuur", "besturen"))
    return [f"Onbekend vraagtype: {t}."]


def _too_many(question: QuestionSpec, value: Any, nouns: tuple[str, str]) -> list[str]:
    limit = question.settings.get("max_choices")
    if limit and len(value) > int(limit):
        noun = nouns[0] if int(limit) == 1 else nouns[1]
        return [f"Kies hoogstens {limit} {noun} (u koos er {len(value)})."]
    return []


def _missing_message(question: QuestionSpec, value: Any, rows: tuple[str, ...]) -> str:
    if question.type == "matrix":
        answered = value if isinstance(value, Mapping) else {}
        missing = [
            r.label
            for r in question.rows
            if r.code in rows and not is_answered(answered.get(r.code))
        ]
        if not missing:
            return ""
        return (
            "Gelieve elke rij te beantwoorden (ontbreekt: " + "; ".join(missing) + ")."
        )
    if is_answered(value):
        return ""
    if question.type in ("single", "multiple"):
        return "Gelieve een antwoord te kiezen."
    if question.type == "municipalities":
        return "Gelieve minstens één bestuur te kiezen."
    return "Deze vraag is verplicht."


def validate(
    spec: InstrumentSpec,
    answers: Mapping[str, Any],
    others: Mapping[str, str],
    *,
    sections: Iterable[str] | None = None,
    partial: bool = False,
) -> dict[str, list[str]]:
    """Errors per visible question code ({} = valid).

    Hidden questions and hidden matrix rows are never checked. `sections` limits
    the check to those sections (a page save); `partial=True` skips the
    "required" check (a draft save) but still checks the shape of given answers.
    """
    vis = evaluate(spec, answers)
    wanted = set(sections) if sections is not None else None
    errors: dict[str, list[str]] = {}
    for q in spec.questions:
        if q.code not in vis.visible or (
            wanted is not None and q.section not in wanted
        ):
            continue
        value = answers.get(q.code)
        rows = vis.rows.get(q.code, ())
        found: list[str] = []
        if is_answered(value):
            found += validate_value(q, value, others.get(q.code, ""), rows=rows)
        if not partial and q.code in vis.required and not found:
            message = _missing_message(q, value, rows)
            if message:
                found.append(message)
        if found:
            errors[q.code] = found
    return errors


# --- derived views -------------------------------------------------------------------


def visible_answers(spec: InstrumentSpec, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers of visible questions only, matrix cells of visible rows only."""
    vis = evaluate(spec, answers)
    result: dict[str, Any] = {}
    for q in spec.questions:
        if q.code not in vis.visible or not is_answered(answers.get(q.code)):
            continue
        value = answers[q.code]
        if q.type == "matrix":
            if not isinstance(value, Mapping):
                continue  # not a matrix answer at all: nothing to export per row
            value = {r: v for r, v in value.items() if r in vis.rows[q.code]}
            if not value:
                continue
        result[q.code] = value
    return result


def _sections_with_visible(
    spec: InstrumentSpec, answers: Mapping[str, Any]
) -> list[str]:
    vis = evaluate(spec, answers)
    shown = {q.section for q in spec.questions if q.code in vis.visible}
    return [s for s in spec.sections if s in shown]


def next_section(
    spec: InstrumentSpec, answers: Mapping[str, Any], current: str | None
) -> str | None:
    """The first section after `current` (or the very first) with a visible question."""
    start = 0 if current is None else spec.sections.index(current) + 1
    shown = set(_sections_with_visible(spec, answers))
    return next((s for s in spec.sections[start:] if s in shown), None)


def previous_section(
    spec: InstrumentSpec, answers: Mapping[str, Any], current: str
) -> str | None:
    """The last section before `current` with a visible question."""
    end = spec.sections.index(current)
    shown = set(_sections_with_visible(spec, answers))
    return next((s for s in reversed(spec.sections[:end]) if s in shown), None)


def progress(spec: InstrumentSpec, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(answered visible questions, visible questions); a matrix counts if complete."""
    vis = evaluate(spec, answers)
    done = 0
    for code in vis.visible:
        value = answers.get(code)
        if code in vis.rows:
            cells = value if isinstance(value, Mapping) else {}
            if all(is_answered(cells.get(r)) for r in vis.rows[code]):
                done += 1
        elif is_answered(value):
            done += 1
    return done, len(vis.visible)


def progress_at(
    spec: InstrumentSpec, answers: Mapping[str, Any], section: str | None
) -> tuple[int, int]:
    """(settled units, all units) for a respondent on `section` (None = past the end).

    A unit is a question, or one row of a matrix; the denominator is every unit of
    the instrument, so it never jumps. A unit is settled when it is visible and
    answered, or when it does not apply (hidden) and lies in a section before
    `section`. Follow-up questions an answer reveals were not settled before, so
    adding an answer never lowers the count (conditions only look backwards);
    moving on settles the skipped units. See docs/instrument.md, "Progress".
    """
    vis = evaluate(spec, answers)
    order = {code: i for i, code in enumerate(spec.sections)}
    here = order.get(section, len(order)) if section is not None else len(order)
    done = total = 0
    for q in spec.questions:
        passed = order[q.section] < here
        value = answers.get(q.code)
        if q.type == "matrix":
            cells = value if isinstance(value, Mapping) else {}
            shown = vis.rows.get(q.code, ())
            for row in q.rows:
                total += 1
                if row.code in shown:
                    done += is_answered(cells.get(row.code))
                else:
                    done += passed
            continue
        total += 1
        if q.code in vis.visible:
            done += is_answered(value)
        else:
            done += passed
    return done, total


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
