"""Reads of the instrument tables."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.db.models import Prefetch, QuerySet

from surveys.branching import InstrumentSpec, OptionSpec, QuestionSpec, RowSpec
from surveys.models import Instrument, MatrixRow, Option, Question, Section

# A spec is immutable for a given file content, so (pk, source_sha256) is a safe key:
# a replaced instrument gets a new hash and therefore a fresh entry. created_at joins
# the key because SQLite reuses primary keys after a rolled-back test transaction.
# Rows not loaded from a file (no hash) are never cached: they may still change.
# `load_instrument` is the only writer (the admin is read-only), and every request
# reads the instrument row afresh with its invitation, so a reload reaches every
# process at its next request without any signal between them.
_CACHE: dict[tuple[object, ...], tuple[InstrumentSpec, InstrumentTexts]] = {}
_SPEC_LOCK = threading.Lock()
_SPEC_CACHE_MAX = 32


@dataclass(frozen=True)
class InstrumentTexts:
    """What the respondent pages show besides the spec: titles, intros, help texts."""

    titles: Mapping[str, str]  # section code -> title
    intros: Mapping[str, str]  # section code -> intro
    help_texts: Mapping[str, str]  # question code -> help text


def version_key(instrument: Instrument) -> tuple[object, ...] | None:
    """What identifies one version of an instrument's content (None: uncacheable).

    Other per-version caches (the respondent's compiled question markup) use it too.
    """
    if not instrument.source_sha256:
        return None
    return (instrument.pk, instrument.source_sha256, instrument.created_at)


def instrument_spec(instrument: Instrument) -> InstrumentSpec:
    """The pure branching spec of an instrument (one query per table, cached)."""
    return _compiled(instrument)[0]


def instrument_texts(instrument: Instrument) -> InstrumentTexts:
    """Section titles and intros and question help texts (cached with the spec)."""
    if version_key(instrument) is None:
        return _texts(
            Section.objects.filter(instrument=instrument).values_list(
                "code", "title", "intro"
            ),
            Question.objects.filter(instrument=instrument).values_list(
                "code", "help_text"
            ),
        )
    return _compiled(instrument)[1]


def _compiled(instrument: Instrument) -> tuple[InstrumentSpec, InstrumentTexts]:
    key = version_key(instrument)
    if key is None:
        return _build(instrument)
    with _SPEC_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    built = _build(instrument)
    with _SPEC_LOCK:
        if len(_CACHE) >= _SPEC_CACHE_MAX:
            _CACHE.clear()
        _CACHE[key] = built
    return built


def clear_spec_cache() -> None:
    with _SPEC_LOCK:
        _CACHE.clear()


def build_spec(instrument: Instrument) -> InstrumentSpec:
    """Build the spec from ORM rows without the cache (4 queries)."""
    return _build(instrument)[0]


def _build(instrument: Instrument) -> tuple[InstrumentSpec, InstrumentTexts]:
    sections = list(Section.objects.filter(instrument=instrument).order_by("order"))
    questions = list(
        Question.objects.filter(instrument=instrument)
        .select_related("section")
        .order_by("order")
        .prefetch_related(
            Prefetch("options", queryset=Option.objects.order_by("order")),
            Prefetch("rows", queryset=MatrixRow.objects.order_by("order")),
        )
    )
    spec = InstrumentSpec(
        sections=tuple(s.code for s in sections),
        questions=tuple(_question_spec(q) for q in questions),
    )
    texts = _texts(
        ((s.code, s.title, s.intro) for s in sections),
        ((q.code, q.help_text) for q in questions),
    )
    return spec, texts


def _texts(
    sections: Iterable[tuple[str, str, str]], questions: Iterable[tuple[str, str]]
) -> InstrumentTexts:
    sections = list(sections)
    return InstrumentTexts(
        titles=MappingProxyType({code: title for code, title, _ in sections}),
        intros=MappingProxyType({code: intro for code, _, intro in sections}),
        help_texts=MappingProxyType(dict(questions)),
    )


def _question_spec(q: Question) -> QuestionSpec:
    return QuestionSpec(
        code=q.code,
        number=q.number,
        section=q.section.code,
        type=q.type,
        text=q.text,
        required=q.required,
        condition=q.condition,
        options=tuple(
            OptionSpec(
                code=o.code, label=o.label, exclusive=o.exclusive, is_other=o.is_other
            )
            for o in q.options.all()
        ),
        rows=tuple(
            RowSpec(code=r.code, label=r.label, condition=r.condition)
            for r in q.rows.all()
        ),
        settings=dict(q.settings or {}),
    )


def instrument_by_code(code: str, version: str) -> Instrument:
    return Instrument.objects.get(code=code, version=version)


def questions_for_admin(instrument: Instrument) -> QuerySet[Question]:
    return (
        Question.objects.filter(instrument=instrument)
        .select_related("section")
        .order_by("order")
    )
