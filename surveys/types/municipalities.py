"""The municipality picker: a list of NIS codes, chosen on the besturen page."""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.types.base import (
    LIST_SEPARATOR,
    NOT_POSTED,
    POSITIVE_INT,
    CellError,
    Column,
    QuestionLike,
    QuestionType,
    is_answered,
)
from surveys.types.choice import too_many

NIS_RE = re.compile(r"^\d{5}$")


class Municipalities(QuestionType):
    code = "municipalities"
    label = "Gemeentekiezer"
    settings = {"max_choices": POSITIVE_INT}
    condition_operators = frozenset({"answered", "in"})
    template = "responses/questions/municipalities.html"
    mirrors_besturen = True
    static_markup = False  # lists the stored besturen and links with the token

    def validate(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        rows: Iterable[str] | None = None,
    ) -> list[str]:
        if not isinstance(value, list | tuple):
            return ["Ongeldig antwoord: verwacht een lijst van gemeenten."]
        bad = [str(v) for v in value if not (isinstance(v, str) and NIS_RE.match(v))]
        if bad:
            return ["Ongeldige NIS-code: " + ", ".join(bad) + " (verwacht 5 cijfers)."]
        if len(set(value)) != len(value):
            return ["Een gemeente is meer dan eens gekozen."]
        return too_many(question, value, ("bestuur", "besturen"))

    def missing_message(
        self, question: QuestionLike, value: Any, rows: Sequence[str]
    ) -> str:
        return "" if is_answered(value) else "Gelieve minstens één bestuur te kiezen."

    def condition_values_problem(
        self, values: list[str], option_codes: set[str]
    ) -> str:
        bad = [v for v in values if not NIS_RE.match(v)]
        return f"ongeldige NIS-code(s) {bad}" if bad else ""

    def form_fields(
        self, question: QuestionLike, *, choices: Sequence[tuple[str, str]] = ()
    ) -> dict[str, forms.Field]:
        return {
            "": forms.MultipleChoiceField(
                choices=list(choices),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "invalid_choice": _("‘%(value)s’ is geen bestaande gemeente.")
                },
            )
        }

    def from_form(
        self, question: QuestionLike, cleaned: Mapping[str, Any], posted: Container[str]
    ) -> Any:
        if "" not in posted:
            return NOT_POSTED  # answered from the besturen page, not posted here
        return list(cleaned.get("") or [])

    def widgets(
        self,
        question: QuestionLike,
        bound: Callable[[str], Any],
        visible_rows: Sequence[str],
    ) -> dict[str, Any]:
        return {"field": bound("")}

    def references(self, value: Any) -> set[str]:
        if not isinstance(value, list | tuple):
            return set()
        return {v for v in value if isinstance(v, str)}

    def display(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        names: Mapping[str, str] | None = None,
    ) -> list[str]:
        if not is_answered(value) or not isinstance(value, list | tuple):
            return []
        names = names or {}
        return [names.get(code, str(code)) for code in value]

    def export_cells(
        self, question: QuestionLike, value: Any, other_text: str, *, labels: bool
    ) -> list[Any]:
        return [LIST_SEPARATOR.join(map(str, value)) if value is not None else ""]

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
        codes = [n.strip() for n in text.split(LIST_SEPARATOR) if n.strip()]
        unknown = [nis for nis in codes if nis not in known_municipalities]
        if unknown:
            raise CellError(str(_("onbekende NIS-code '%s'")) % unknown[0])
        return codes

    def example_value(
        self,
        question: QuestionLike,
        rng: Any,
        *,
        rows: Sequence[str],
        municipalities: Sequence[str],
    ) -> Any:
        return list(municipalities)
