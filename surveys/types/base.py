"""The question-type protocol and the registry (type code -> QuestionType).

Modelled on Django's model fields: each type owns its value schema and validation,
what "answered" means, its form fields and template partial, its display lines, its
export columns (and their parsing on import) and how results count it. Code outside
`surveys.types` asks the type object (`kind(question)`) and never compares
`question.type` with a literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

if TYPE_CHECKING:
    from django import forms

# The one limit for "other, specify" texts: form field, template, API and import.
OTHER_MAX_LENGTH = 500
# Open text answers without their own `max_length` setting.
DEFAULT_MAX_LENGTH = 5000
LIST_SEPARATOR = ";"
OTHER_SUFFIX = "other"


class OptionLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def exclusive(self) -> bool: ...
    @property
    def is_other(self) -> bool: ...


class RowLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def label(self) -> str: ...


class QuestionLike(Protocol):
    """What a type needs of a question (branching.QuestionSpec has it all)."""

    @property
    def code(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def options(self) -> Sequence[OptionLike]: ...
    @property
    def rows(self) -> Sequence[RowLike]: ...
    @property
    def settings(self) -> Mapping[str, Any]: ...


def is_answered(value: Any) -> bool:
    """True when a value carries an answer: whitespace-only text and empty
    lists/dicts do not. The one definition, for branching, saving and counting;
    a type refines it for its own values through `QuestionType.is_answered` (a
    matrix needs a mapping with an answered cell)."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | tuple | dict | set | frozenset):
        return len(value) > 0
    return True


@dataclass(frozen=True)
class Column:
    """One export column of a question."""

    name: str
    question: str  # question code
    kind: str  # value | option | row | other
    key: str = ""  # option or row code


@dataclass(frozen=True)
class StatVariable:
    """How one export column reads in SPSS, Stata and R.

    `codes` maps an export cell (option/scale code, 0/1) to its number; `labels`
    maps that number to the label. A string variable has neither.
    """

    numeric: bool = False
    codes: Mapping[Any, int | float] = field(default_factory=dict)
    labels: Mapping[int | float, str] = field(default_factory=dict)
    measure: str = "nominal"  # nominal | ordinal | scale


def coded(options: Sequence[OptionLike], *, measure: str = "nominal") -> StatVariable:
    """Option codes as numbers: the code itself when every code is an integer
    (a 1-5 scale stays 1-5), else the position 1..n in instrument order."""
    if all(re.fullmatch(r"-?\d{1,9}", o.code) for o in options):
        numbers = [int(o.code) for o in options]
    else:
        numbers = list(range(1, len(options) + 1))
    return StatVariable(
        numeric=True,
        codes={o.code: n for o, n in zip(options, numbers, strict=True)},
        labels={n: o.label for o, n in zip(options, numbers, strict=True)},
        measure=measure,
    )


CHOSEN = StatVariable(
    numeric=True, codes={0: 0, 1: 1}, labels={0: "niet gekozen", 1: "gekozen"}
)
STRING = StatVariable()


class CellError(ValueError):
    """An import cell that cannot be parsed; the message is shown to the user."""


# A setting is (description for the author, check of the value).
SettingRule = tuple[str, Callable[[Any], bool]]


def _positive_int(value: Any) -> bool:
    return type(value) is int and value > 0


def _number(value: Any) -> bool:
    return type(value) in (int, float)


def _ascending(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(type(x) in (int, float) for x in value)
        and value == sorted(set(value))
    )


POSITIVE_INT: SettingRule = ("een positief geheel getal", _positive_int)
NUMBER: SettingRule = ("een getal", _number)
BOOL: SettingRule = ("true of false", lambda v: isinstance(v, bool))
LIST: SettingRule = ("een lijst", lambda v: isinstance(v, list))
# Issue 17, follow-up list: which answers put a bestuur on staff's list.
FOLLOW_UP_OPTIONS: SettingRule = (
    "een mapping optiecode: reden",
    lambda v: (
        isinstance(v, dict)
        and bool(v)
        and all(isinstance(r, str) and r.strip() for r in v.values())
    ),
)
FOLLOW_UP_TEXT: SettingRule = (
    "een reden (tekst)",
    lambda v: isinstance(v, str) and bool(v.strip()),
)
BINS: SettingRule = ("een oplopende lijst van getallen", _ascending)


Q = TypeVar("Q", bound=QuestionLike)


class QuestionType:
    """Base class of a question type; subclasses set the class attributes.

    Results are counted by one of the shared strategies in
    responses.reporting.results.tables, named by `results` ("frequency", "matrix",
    "number", "text" or "" for none); `chosen()` feeds the frequency strategy.
    """

    code: ClassVar[str] = ""
    label: ClassVar[str] = ""  # Dutch, for the admin
    settings: ClassVar[Mapping[str, SettingRule]] = {}
    has_options: ClassVar[bool] = False  # the loader requires `options`
    has_rows: ClassVar[bool] = False  # matrix-like: rows x options
    allows_other: ClassVar[bool] = False  # an option may be "other, specify"
    allows_exclusive: ClassVar[bool] = False
    condition_operators: ClassVar[frozenset[str]] = frozenset({"answered"})
    keeps_spacing: ClassVar[bool] = False  # import keeps the cell's own spacing
    free_text: ClassVar[bool] = False  # pseudonymised exports empty it
    multi_select: ClassVar[bool] = False  # results: % of respondents too
    # Answered by the besturen the response covers (the besturen page), not typed;
    # its form field offers today's municipalities.
    mirrors_besturen: ClassVar[bool] = False
    results: ClassVar[str] = ""
    template: ClassVar[str] = ""  # the answer partial inside the question card
    # The partial depends only on the question and the per-request slots, so it is
    # rendered once per instrument version (responses/answering/markup.py).
    static_markup: ClassVar[bool] = True

    @property
    def results_template(self) -> str:
        """The results table partial of this type's counting strategy."""
        return f"responses/results/tables/{self.results}.html" if self.results else ""

    # --- values ---

    def is_answered(self, question: QuestionLike, value: Any) -> bool:
        """The type's "answered" rule; branching conditions, visible answers and
        progress all use it (the generic rule unless a type narrows it)."""
        return is_answered(value)

    def is_complete(
        self, question: QuestionLike, value: Any, rows: Sequence[str]
    ) -> bool:
        """Counts as done for progress (a matrix needs every visible row)."""
        return self.is_answered(question, value)

    def visible_value(
        self, question: QuestionLike, value: Any, rows: Sequence[str]
    ) -> Any:
        """The part of an answered value that branching shows (None = nothing)."""
        return value

    def validate(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        rows: Iterable[str] | None = None,
    ) -> list[str]:
        """Shape checks of one answered value; Dutch messages, [] = valid."""
        raise NotImplementedError

    def missing_message(
        self, question: QuestionLike, value: Any, rows: Sequence[str]
    ) -> str:
        """Why a required question is not answered yet ("" = it is)."""
        return "" if self.is_answered(question, value) else "Deze vraag is verplicht."

    def other_text(self, question: QuestionLike, value: Any, text: str) -> str:
        """The 'other' text worth keeping for this value ("" when no 'other' chosen)."""
        return ""

    def condition_values_problem(
        self, values: list[str], option_codes: set[str]
    ) -> str:
        """Loader check of an `in: [...]` condition on a question of this type."""
        if "in" not in self.condition_operators:
            return f"'in' kan niet bij type '{self.code}'"
        return ""

    # --- form ---

    def form_fields(
        self, question: QuestionLike, *, choices: Sequence[tuple[str, str]] = ()
    ) -> dict[str, forms.Field]:
        """Fields by name suffix ("" = the answer, "other", "r-<row>")."""
        raise NotImplementedError

    def initial(self, question: QuestionLike, value: Any) -> dict[str, Any]:
        return {} if value is None else {"": value}

    def from_form(
        self, question: QuestionLike, cleaned: Mapping[str, Any], posted: Container[str]
    ) -> Any:
        """The value from cleaned fields (by suffix); NOT_POSTED to leave it as is."""
        value = cleaned.get("")
        return None if value == "" else value

    def form_errors(
        self, question: QuestionLike, cleaned: Mapping[str, Any], posted: Iterable[str]
    ) -> list[str]:
        """Question-level form errors beyond single fields."""
        return []

    def widgets(
        self,
        question: QuestionLike,
        bound: Callable[[str], Any],
        visible_rows: Sequence[str],
    ) -> dict[str, Any]:
        """Template context of the answer partial (bound fields and flags)."""
        return {"field": bound("")}

    # --- display ---

    def references(self, value: Any) -> set[str]:
        """Municipality NIS codes a value refers to (their names feed display)."""
        return set()

    def display(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        names: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Readable lines of an answer (review page, conflict notice, mails, PDF)."""
        if not is_answered(value):
            return []
        return [str(value)]

    # --- export and import ---

    def export_columns(self, question: QuestionLike) -> list[Column]:
        columns = [Column(question.code, question.code, "value")]
        return columns + self._other_columns(question)

    def _other_columns(self, question: QuestionLike) -> list[Column]:
        if self.allows_other and any(o.is_other for o in question.options):
            return [Column(f"{question.code}__{OTHER_SUFFIX}", question.code, "other")]
        return []

    def export_cells(
        self, question: QuestionLike, value: Any, other_text: str, *, labels: bool
    ) -> list[Any]:
        """Cells for `export_columns`; `value` is None when hidden or unanswered."""
        return ["" if value is None or value == "" else value]

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
        """The answer after reading one non-empty import cell; raises CellError."""
        return text

    def stat_variable(self, question: QuestionLike, column: Column) -> StatVariable:
        """SPSS/Stata/R reading of one of `export_columns` (default: a string)."""
        return STRING

    # --- results ---

    def chosen(self, value: Any) -> set[str]:
        """Option codes a value selects (frequency tables and cross-tabs)."""
        return set()

    def row_question(self, question: Q, row: RowLike) -> Q:
        """One row of a `has_rows` type as a question of its own (the mirror
        compares row by row); types without rows have none."""
        raise NotImplementedError(f"{self.code} has no rows")

    # --- demo data ---

    def example_value(
        self,
        question: QuestionLike,
        rng: Any,
        *,
        rows: Sequence[str],
        municipalities: Sequence[str],
    ) -> Any:
        raise NotImplementedError


NOT_POSTED = object()  # from_form: this request did not post the question

_REGISTRY: dict[str, QuestionType] = {}


def register(question_type: QuestionType) -> QuestionType:
    """Add a type (by its code); the loader, forms, exports and results use it."""
    if not question_type.code:
        raise ValueError("A question type needs a code.")
    _REGISTRY[question_type.code] = question_type
    return question_type


def unregister(code: str) -> None:
    _REGISTRY.pop(code, None)


def get_type(code: str) -> QuestionType:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise KeyError(f"Onbekend vraagtype: {code}") from None


def kind(question: QuestionLike) -> QuestionType:
    """The type object of a question (spec, model row or anything with `.type`)."""
    return get_type(question.type)


def type_codes() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def type_choices() -> list[tuple[str, str]]:
    """Model field choices, read when Django asks (callable choices)."""
    return [(t.code, t.label) for t in _REGISTRY.values()]


def option_label(question: QuestionLike, code: Any) -> str:
    return next((o.label for o in question.options if o.code == code), str(code))


def other_label(question: QuestionLike) -> str:
    other = next((o for o in question.options if o.is_other), None)
    if other is None:
        return "Ander"
    # "Ander, gelieve te specificeren" -> "Ander"; "Andere, met name:" -> "Andere"
    return re.split(r"[,:(]", other.label, maxsplit=1)[0].strip() or "Ander"
