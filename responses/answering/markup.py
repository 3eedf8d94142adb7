"""The answer part of each question, rendered once per instrument version.

A section page shows the same labels, options, ids and help texts to every
respondent; only a few spots differ per request: the displayed number, which
options are checked, typed values, hidden matrix rows, invalid and disabled
marks. The question partials (templates/responses/questions/) write those spots
as *slots* (`{{ b.number }}`, `{{ choice.checked }}`, `{{ row.code|row_hidden }}`,
...). `compiled_section` renders every partial once with markers in the slots and
keeps the text around them (cached per instrument version and language);
`CompiledQuestion.fill` then only joins strings. Rendering the partials per
request was about half of a section page's time (issue 14).

A partial that needs more than the slots (the besturen list, which shows stored
answers and a link with the token) says so with `static_markup = False` on its
question type and is rendered per request as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from responses.answering.forms import SectionForm, field_name
from surveys.branching import InstrumentSpec, QuestionSpec
from surveys.models import Instrument
from surveys.queries import InstrumentTexts, version_key
from surveys.types import kind

_MARK = "\x00"  # not valid in HTML text; _parse refuses a partial that has one
_SEP = "\x01"


class Slot:
    """A per-request spot in a compiled partial; renders as a marker."""

    def __init__(self, *parts: str):
        self.marker = _MARK + _SEP.join(parts) + _MARK

    def __html__(self) -> str:
        return self.marker

    def __str__(self) -> str:
        return self.marker

    def __bool__(self) -> bool:
        # A partial that branches on a per-request value cannot be compiled.
        raise TypeError("a per-request slot cannot be used in a template condition")


class _SlotChoice:
    """One radio/checkbox of a bound field, with `checked` as a slot."""

    def __init__(self, widget: Any, name: str):
        self.id_for_label = widget.id_for_label
        self.choice_label = widget.choice_label
        self.data = {"value": widget.data["value"]}
        self.checked = Slot("checked", name, str(widget.data["value"]))


class _SlotField:
    """A bound field whose value (and checked options) are slots."""

    def __init__(self, field: Any):
        self.html_name = field.html_name
        self.id_for_label = field.id_for_label
        self._field = field

    def value(self) -> Slot:
        return Slot("value", self.html_name)

    def __iter__(self) -> Iterator[_SlotChoice]:
        for widget in self._field:
            yield _SlotChoice(widget, self.html_name)


def row_hidden_slot(row_code: str) -> Slot:
    return Slot("row_hidden", row_code)


@dataclass(frozen=True)
class FillData:
    """What one question's slots show in this request."""

    number: int
    invalid: bool
    editable: bool
    values: Mapping[str, Any]  # field name -> value (stored, or as posted)
    visible_rows: Collection[str]


def _selected(value: Any) -> list[str]:
    # As Django's ChoiceWidget.format_value, so the same options come out checked.
    if value is None:
        return []
    if not isinstance(value, tuple | list):
        value = [value]
    return [str(v) if v is not None else "" for v in value]


def _text(value: Any) -> str:
    # `{{ value|default_if_none:'' }}` as the template engine renders it.
    return "" if value is None else str(conditional_escape(localize(value)))


_FILL: dict[str, Callable[[FillData, list[str]], str]] = {
    "position": lambda d, _: str(d.number),
    "aria_invalid": lambda d, _: ' aria-invalid="true"' if d.invalid else "",
    "invalid_class": lambda d, _: " is-invalid" if d.invalid else "",
    "disabled": lambda d, _: "" if d.editable else " disabled",
    "checked": lambda d, a: " checked" if a[1] in _selected(d.values.get(a[0])) else "",
    "value": lambda d, a: _text(d.values.get(a[0])),
    "row_hidden": lambda d, a: "" if a[0] in d.visible_rows else " hidden",
}


@dataclass(frozen=True)
class CompiledQuestion:
    """Literal text and slots, alternating: (text, slot, text, ..., text)."""

    parts: tuple[str | tuple[str, ...], ...]

    def fill(self, data: FillData) -> SafeString:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(_FILL[part[0]](data, list(part[1:])))
        return mark_safe("".join(out))  # noqa: S308 - rendered by the template engine


def _parse(html: str, code: str) -> CompiledQuestion:
    pieces = html.split(_MARK)
    parts = tuple(
        piece if i % 2 == 0 else tuple(piece.split(_SEP))
        for i, piece in enumerate(pieces)
    )
    if len(pieces) % 2 == 0 or any(
        not isinstance(p, str) and p[0] not in _FILL for p in parts
    ):
        raise ValueError(f"question {code}: its texts hold a NUL character")
    return CompiledQuestion(parts=parts)


def _compile_question(
    question: QuestionSpec, form: SectionForm, help_text: str
) -> CompiledQuestion:
    def bound(suffix: str) -> _SlotField | None:
        name = field_name(question.code, suffix)
        return _SlotField(form[name]) if name in form.fields else None

    block = {
        "q": question,
        "kind": kind(question),
        "required": question.required,
        "help_text": help_text,
        "number": Slot("position"),
        "aria_invalid": Slot("aria_invalid"),
        "invalid_class": Slot("invalid_class"),
        "disabled": Slot("disabled"),
        **kind(question).widgets(question, bound, question.row_codes),
    }
    html = render_to_string(
        kind(question).template, {"b": block, "described": f"fb-{question.code}"}
    )
    return _parse(html, question.code)


def _compile(
    spec: InstrumentSpec, texts: InstrumentTexts, section: str
) -> dict[str, CompiledQuestion]:
    questions = tuple(q for q in spec.in_section(section) if kind(q).static_markup)
    form = SectionForm(questions=questions)
    return {
        q.code: _compile_question(q, form, texts.help_texts.get(q.code, ""))
        for q in questions
    }


_CACHE: dict[tuple[object, ...], dict[str, CompiledQuestion]] = {}
_LOCK = threading.Lock()
_CACHE_MAX = 64


def compiled_section(
    *,
    instrument: Instrument,
    spec: InstrumentSpec,
    texts: InstrumentTexts,
    section: str,
) -> Mapping[str, CompiledQuestion]:
    """Question code -> compiled answer markup, for the static-markup questions.

    Cached per instrument version (surveys.queries.version_key, so a reloaded
    instrument compiles afresh in every process) and language.
    """
    version = version_key(instrument)
    if version is None:
        return _compile(spec, texts, section)
    key = (*version, get_language(), section)
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    compiled = _compile(spec, texts, section)
    with _LOCK:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[key] = compiled
    return compiled


def clear_markup_cache() -> None:
    with _LOCK:
        _CACHE.clear()
