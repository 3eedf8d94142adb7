"""Single and multiple choice: option codes, an optional "other, specify" text."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.text import validate_text
from surveys.types.base import (
    CHOSEN,
    FOLLOW_UP_OPTIONS,
    LIST,
    OTHER_MAX_LENGTH,
    POSITIVE_INT,
    STRING,
    CellError,
    Column,
    QuestionLike,
    QuestionType,
    StatVariable,
    coded,
    is_answered,
    option_label,
    other_label,
)

INVALID_CHOICE = _(
    "Kies een van de voorgestelde antwoorden (‘%(value)s’ bestaat niet)."
)
CHOICE_MESSAGES = {
    "invalid_choice": INVALID_CHOICE,
    "invalid_list": _("Ongeldig antwoord."),
}


def option_code(question: QuestionLike, text: str) -> str:
    """The option code of an import cell: the code, or its label (--labels)."""
    for option in question.options:
        if text in (option.code, option.label):
            return option.code
    allowed = ", ".join(o.code for o in question.options)
    raise CellError(
        str(_("onbekende optiecode '%(code)s' (toegelaten: %(allowed)s)"))
        % {"code": text, "allowed": allowed}
    )


def too_many(
    question: QuestionLike, value: Sequence[Any], nouns: tuple[str, str]
) -> list[str]:
    limit = question.settings.get("max_choices")
    if limit and len(value) > int(limit):
        noun = nouns[0] if int(limit) == 1 else nouns[1]
        return [f"Kies hoogstens {limit} {noun} (u koos er {len(value)})."]
    return []


class _Choice(QuestionType):
    has_options = True
    allows_other = True
    condition_operators = frozenset({"answered", "in"})
    results = "frequency"
    template = "responses/questions/choice.html"
    input_type = "radio"

    def condition_values_problem(
        self, values: list[str], option_codes: set[str]
    ) -> str:
        missing = [v for v in values if v not in option_codes]
        return f"onbekende optie(s) {missing}" if missing else ""

    def _codes(self, value: Any) -> list[Any]:
        return list(value) if isinstance(value, list | tuple) else [value]

    def _check(self, question: QuestionLike, codes: list[Any], other: str) -> list[str]:
        errors: list[str] = []
        known = {o.code: o for o in question.options}
        unknown = [c for c in codes if c not in known]
        if unknown:
            errors.append(
                "Onbekende antwoordoptie: " + ", ".join(map(str, unknown)) + "."
            )
        if len(set(codes)) != len(codes):
            errors.append("Een antwoordoptie is meer dan eens gekozen.")
        chosen = [known[c] for c in codes if c in known]
        exclusive = [o for o in chosen if o.exclusive]
        if exclusive and len(set(codes)) > 1:
            labels = ", ".join(f"'{o.label}'" for o in exclusive)
            errors.append(
                f"{labels} kan niet samen met een ander antwoord gekozen worden."
            )
        if any(o.is_other for o in chosen):
            if not other.strip():
                errors.append(f"Gelieve '{other_label(question)}' te specificeren.")
            elif len(other) > OTHER_MAX_LENGTH:
                errors.append(
                    f"De toelichting mag hoogstens {OTHER_MAX_LENGTH} tekens "
                    f"bevatten ({len(other)})."
                )
        # Other text without the other option is ignored (a draft may keep it).
        return errors

    def missing_message(
        self, question: QuestionLike, value: Any, rows: Sequence[str]
    ) -> str:
        return "" if is_answered(value) else "Gelieve een antwoord te kiezen."

    def other_text(self, question: QuestionLike, value: Any, text: str) -> str:
        text = (text or "").strip()
        return text if text and self._other_chosen(question, value) else ""

    def _other_chosen(self, question: QuestionLike, value: Any) -> bool:
        others = {o.code for o in question.options if o.is_other}
        return value is not None and bool(others & self.chosen(value))

    def _other_field(self) -> forms.CharField:
        return forms.CharField(
            required=False,
            max_length=OTHER_MAX_LENGTH,
            strip=True,
            validators=[validate_text],
            label=_("Specificeer"),
            error_messages={
                "max_length": _(
                    "Uw toelichting is te lang: hoogstens %(limit_value)d tekens."
                )
            },
        )

    def _with_other(
        self, question: QuestionLike, fields: dict[str, forms.Field]
    ) -> dict[str, forms.Field]:
        if any(o.is_other for o in question.options):
            fields["other"] = self._other_field()
        return fields

    def widgets(
        self,
        question: QuestionLike,
        bound: Callable[[str], Any],
        visible_rows: Sequence[str],
    ) -> dict[str, Any]:
        other = next((o.code for o in question.options if o.is_other), "")
        return {
            "field": bound(""),
            "other": bound("other") if other else None,
            "other_code": other,
            "other_max_length": OTHER_MAX_LENGTH,
            "exclusive": [o.code for o in question.options if o.exclusive],
            "input_type": self.input_type,
            "multiple_hint": self.multi_select,
        }

    def display(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        names: Mapping[str, str] | None = None,
    ) -> list[str]:
        if not is_answered(value):
            return []
        lines = []
        others = {o.code for o in question.options if o.is_other}
        for code in self._codes(value):
            label = option_label(question, code)
            lines.append(
                f"{label}: {other_text}" if code in others and other_text else label
            )
        return lines

    def chosen(self, value: Any) -> set[str]:
        return {c for c in self._codes(value) if isinstance(c, str)}


class SingleChoice(_Choice):
    code = "single"
    label = "Eén antwoord"
    settings = {
        "layout": ("'radio' of 'select'", lambda v: v in ("radio", "select")),
        "results_groups": LIST,
        "follow_up": FOLLOW_UP_OPTIONS,
    }

    def validate(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        rows: Iterable[str] | None = None,
    ) -> list[str]:
        if not isinstance(value, str):
            return ["Gelieve één antwoord te kiezen."]
        return self._check(question, [value], other_text)

    def form_fields(
        self, question: QuestionLike, *, choices: Sequence[tuple[str, str]] = ()
    ) -> dict[str, forms.Field]:
        field = forms.ChoiceField(
            choices=[(o.code, o.label) for o in question.options],
            required=False,
            widget=forms.RadioSelect,
            error_messages=CHOICE_MESSAGES,
        )
        return self._with_other(question, {"": field})

    def stat_variable(self, question: QuestionLike, column: Column) -> StatVariable:
        if column.kind == "other":
            return STRING
        return coded(question.options)

    def export_cells(
        self, question: QuestionLike, value: Any, other_text: str, *, labels: bool
    ) -> list[Any]:
        cells: list[Any] = [
            ""
            if value is None
            else (option_label(question, value) if labels else value)
        ]
        if self._other_columns(question):
            cells.append(other_text if self._other_chosen(question, value) else "")
        return cells

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
        return option_code(question, text)

    def example_value(
        self,
        question: QuestionLike,
        rng: Any,
        *,
        rows: Sequence[str],
        municipalities: Sequence[str],
    ) -> Any:
        return rng.choice([o.code for o in question.options])


class MultipleChoice(_Choice):
    code = "multiple"
    label = "Meerdere antwoorden"
    settings = {
        "max_choices": POSITIVE_INT,
        "results_groups": LIST,
        "follow_up": FOLLOW_UP_OPTIONS,
    }
    allows_exclusive = True
    multi_select = True
    input_type = "checkbox"

    def validate(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        rows: Iterable[str] | None = None,
    ) -> list[str]:
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, str) for v in value
        ):
            return ["Ongeldig antwoord: verwacht een lijst van antwoordopties."]
        return self._check(question, list(value), other_text) + too_many(
            question, value, ("antwoord", "antwoorden")
        )

    def form_fields(
        self, question: QuestionLike, *, choices: Sequence[tuple[str, str]] = ()
    ) -> dict[str, forms.Field]:
        field = forms.MultipleChoiceField(
            choices=[(o.code, o.label) for o in question.options],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages=CHOICE_MESSAGES,
        )
        return self._with_other(question, {"": field})

    def from_form(
        self, question: QuestionLike, cleaned: Mapping[str, Any], posted: Container[str]
    ) -> Any:
        return list(cleaned.get("") or [])

    def form_errors(
        self, question: QuestionLike, cleaned: Mapping[str, Any], posted: Iterable[str]
    ) -> list[str]:
        chosen = cleaned.get("") or []
        exclusive = [o for o in question.options if o.exclusive and o.code in chosen]
        if exclusive and len(chosen) > 1:
            return [
                str(
                    _(
                        "‘%(label)s’ kan niet samen met een ander antwoord "
                        "gekozen worden."
                    )
                )
                % {"label": exclusive[0].label}
            ]
        return []

    def export_columns(self, question: QuestionLike) -> list[Column]:
        return [
            Column(f"{question.code}__{o.code}", question.code, "option", o.code)
            for o in question.options
        ] + self._other_columns(question)

    def stat_variable(self, question: QuestionLike, column: Column) -> StatVariable:
        return STRING if column.kind == "other" else CHOSEN

    def export_cells(
        self, question: QuestionLike, value: Any, other_text: str, *, labels: bool
    ) -> list[Any]:
        chosen = None if value is None else self.chosen(value)
        cells: list[Any] = [
            "" if chosen is None else int(o.code in chosen) for o in question.options
        ]
        if self._other_columns(question):
            cells.append(other_text if self._other_chosen(question, value) else "")
        return cells

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
        if text not in ("0", "1"):
            raise CellError(str(_("verwacht 0 of 1, niet '%s'")) % text)
        chosen = list(answer or [])
        if text == "1":
            chosen.append(column.key)
        return chosen

    def example_value(
        self,
        question: QuestionLike,
        rng: Any,
        *,
        rows: Sequence[str],
        municipalities: Sequence[str],
    ) -> Any:
        plain = [o.code for o in question.options if not o.exclusive]
        exclusive = [o.code for o in question.options if o.exclusive]
        if exclusive and (not plain or rng.random() < 0.1):
            return [rng.choice(exclusive)]
        return sorted(rng.sample(plain, k=rng.randint(1, min(4, len(plain)))))
