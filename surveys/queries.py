"""Reads of the instrument tables."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
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
_IDS_CACHE: dict[tuple[object, ...], Mapping[str, int]] = {}


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


def question_ids(instrument: Instrument) -> Mapping[str, int]:
    """Question code -> primary key, cached like the spec: a replaced definition
    keeps the rows of the codes it keeps but may add or drop questions."""
    return _cached(_IDS_CACHE, instrument, _build_question_ids)


def _compiled(instrument: Instrument) -> tuple[InstrumentSpec, InstrumentTexts]:
    return _cached(_CACHE, instrument, _build)


def _cached[T](
    store: dict[tuple[object, ...], T],
    instrument: Instrument,
    build: Callable[[Instrument], T],
) -> T:
    key = version_key(instrument)
    if key is None:
        return build(instrument)
    with _SPEC_LOCK:
        cached = store.get(key)
    if cached is not None:
        return cached
    value = build(instrument)
    with _SPEC_LOCK:
        if len(store) >= _SPEC_CACHE_MAX:
            store.clear()
        store[key] = value
    return value


def _build_question_ids(instrument: Instrument) -> Mapping[str, int]:
    rows = Question.objects.filter(instrument=instrument).values_list("code", "pk")
    return MappingProxyType(dict(rows))


def clear_spec_cache() -> None:
    with _SPEC_LOCK:
        _CACHE.clear()
        _IDS_CACHE.clear()


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
