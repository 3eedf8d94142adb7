"""Open text and numbers: one value, one form field, one export column."""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.text import validate_text
from surveys.types.base import (
    BINS,
    BOOL,
    DEFAULT_MAX_LENGTH,
    FOLLOW_UP_TEXT,
    NUMBER,
    POSITIVE_INT,
    CellError,
    Column,
    QuestionLike,
    QuestionType,
    StatVariable,
    is_answered,
)


class Text(QuestionType):
    code = "text"
    label = "Open tekst"
    settings = {
        "max_length": POSITIVE_INT,
        "multiline": BOOL,
        "follow_up": FOLLOW_UP_TEXT,  # any answer puts the bestuur on the list
    }
    keeps_spacing = True
    free_text = True
    results = "text"
    template = "responses/questions/text.html"

    def max_length(self, question: QuestionLike) -> int:
        return int(question.settings.get("max_length", DEFAULT_MAX_LENGTH))

    def validate(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        rows: Iterable[str] | None = None,
    ) -> list[str]:
        if not isinstance(value, str):
            return ["Ongeldig antwoord: verwacht tekst."]
        limit = self.max_length(question)
        if len(value) > limit:
            return [
                f"Het antwoord mag hoogstens {limit} tekens bevatten ({len(value)})."
            ]
        return []

    def form_fields(
        self, question: QuestionLike, *, choices: Sequence[tuple[str, str]] = ()
    ) -> dict[str, forms.Field]:
        limit = self.max_length(question)
        return {
            "": forms.CharField(
                required=False,
                max_length=limit,
                strip=True,
                validators=[validate_text],
                widget=forms.Textarea(attrs={"rows": 4, "maxlength": limit}),
                error_messages={
                    "max_length": _(
                        "Uw antwoord is te lang: hoogstens %(limit_value)d tekens "
                        "(nu %(show_value)d)."
                    )
                },
            )
        }

    def widgets(
        self,
        question: QuestionLike,
        bound: Callable[[str], Any],
        visible_rows: Sequence[str],
    ) -> dict[str, Any]:
        return {"field": bound(""), "max_length": self.max_length(question)}

    def example_value(
        self,
        question: QuestionLike,
        rng: Any,
        *,
        rows: Sequence[str],
        municipalities: Sequence[str],
    ) -> Any:
        return rng.choice(
            [
                "Signalen via de LIVC R en de lokale politie.",
                "Spanningen rond rondhangende jongeren aan het station.",
                "Brieven van soevereine burgers aan de dienst burgerzaken.",
                "Geen bijzondere voorvallen.",
            ]
        )


def parse_number(raw: Any) -> int | float:
    """A number from an import cell; a Belgian decimal comma is accepted."""
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, int | float):
        return raw
    text = str(raw).strip().replace(",", ".")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return int(value) if value.is_integer() and "." not in text else value


class Number(QuestionType):
    code = "number"
    label = "Getal"
    settings = {
        "min": NUMBER,
        "max": NUMBER,
        "integer": BOOL,
        "bins": BINS,
    }
    condition_operators = frozenset({"answered", "gte", "lte"})
    results = "number"
    template = "responses/questions/number.html"

    def validate(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        rows: Iterable[str] | None = None,
    ) -> list[str]:
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

    def stat_variable(self, question: QuestionLike, column: Column) -> StatVariable:
        return StatVariable(numeric=True, measure="scale")

    def form_fields(
        self, question: QuestionLike, *, choices: Sequence[tuple[str, str]] = ()
    ) -> dict[str, forms.Field]:
        settings = question.settings
        field_class = (
            forms.IntegerField if settings.get("integer", True) else forms.FloatField
        )
        return {
            "": field_class(
                required=False,
                min_value=settings.get("min"),
                max_value=settings.get("max"),
                error_messages={
                    "invalid": _("Vul een getal in (alleen cijfers)."),
                    "min_value": _("Het getal moet minstens %(limit_value)s zijn."),
                    "max_value": _("Het getal mag hoogstens %(limit_value)s zijn."),
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        }

    def widgets(
        self,
        question: QuestionLike,
        bound: Callable[[str], Any],
        visible_rows: Sequence[str],
    ) -> dict[str, Any]:
        return {
            "field": bound(""),
            "min": question.settings.get("min"),
            "max": question.settings.get("max"),
        }

    def display(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        names: Mapping[str, str] | None = None,
    ) -> list[str]:
        return [str(value)] if is_answered(value) else []

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
        try:
            return parse_number(raw)
        except ValueError:
            raise CellError(str(_("geen getal: '%s'")) % text) from None

    def example_value(
        self,
        question: QuestionLike,
        rng: Any,
        *,
        rows: Sequence[str],
        municipalities: Sequence[str],
    ) -> Any:
        low = int(question.settings.get("min", 0))
        high = int(question.settings.get("max", low + 12))
        return rng.randint(low, min(high, low + 12))
