"""Reads for the respondent flow: stored answers, covered besturen, review."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from municipalities.models import Municipality
from responses.models import Answer, Campaign, Response, ResponseMunicipality
from surveys.types import is_answered, kind


@dataclass
class StoredAnswers:
    """The current answers of one response, keyed by question code.

    `values` holds only non-empty answers (a cleared answer counts as absent for
    branching); `revisions` holds every stored row's revision so a form can tell
    the server which version it was based on.
    """

    values: dict[str, Any] = field(default_factory=dict)
    others: dict[str, str] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)


def is_empty(value: Any) -> bool:
    """Not an answer (None, whitespace-only text, empty list or dict)."""
    return not is_answered(value)


def stored_answers(*, response: Response | None) -> StoredAnswers:
    stored = StoredAnswers()
    if response is None or response.pk is None:
        return stored
    # Plain tuples: this runs on every autosave, where model instances cost more
    # than the query itself.
    rows = Answer.objects.filter(response=response).values_list(
        "question__code", "value", "other_text", "revision"
    )
    for code, value, other_text, revision in rows:
        stored.revisions[code] = revision
        if not is_empty(value):
            stored.values[code] = value
        if other_text:
            stored.others[code] = other_text
    return stored


def municipality_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(
        Municipality.objects.filter(nis_code__in=codes).values_list("nis_code", "name")
    )


def covered_by_others(
    *, campaign: Campaign, response: Response | None
) -> dict[str, int]:
    """NIS code -> response id for besturen another response already speaks for."""
    rows = ResponseMunicipality.objects.filter(campaign=campaign)
    if response is not None and response.pk is not None:
        rows = rows.exclude(response=response)
    return dict(rows.values_list("municipality__nis_code", "response_id"))


def represented_municipalities(*, response: Response | None) -> list[Municipality]:
    if response is None or response.pk is None:
        return []
    return [
        row.municipality
        for row in ResponseMunicipality.objects.filter(response=response)
        .select_related("municipality")
        .order_by("municipality__name")
    ]


def response_for_municipality(
    *, campaign: Campaign, municipality: Municipality
) -> Response | None:
    row = (
        ResponseMunicipality.objects.filter(
            campaign=campaign, municipality=municipality
        )
        .select_related("response")
        .first()
    )
    return row.response if row else None


def display_value(
    question, value: Any, other_text: str = "", *, names: dict[str, str] | None = None
) -> list[str]:
    """Readable lines for one answer (review, conflict notice, confirmation).

    `names` may carry the municipality names the caller already read.
    """
    kind_ = kind(question)
    if names is None:
        names = municipality_names(kind_.references(value))
    return kind_.display(question, value, other_text, names=names)


@dataclass
class ReviewItem:
    code: str
    number: int
    text: str
    lines: list[str]
    required: bool
    missing: bool
    errors: list[str]


@dataclass
class ReviewSection:
    code: str
    title: str
    items: list[ReviewItem]


def review_sections(
    *,
    spec,
    titles: Mapping[str, str],
    visible: dict[str, Any],
    others: dict[str, str],
    visible_codes,
    required_codes,
    errors: dict[str, list[str]],
) -> list[ReviewSection]:
    """Every visible question grouped by section, with its answer or 'missing'."""
    names = municipality_names(
        {
            code
            for question in spec.questions
            for code in kind(question).references(visible.get(question.code))
        }
    )
    sections = []
    for section in spec.sections:
        items = []
        for question in spec.in_section(section):
            if question.code not in visible_codes:
                continue
            value = visible.get(question.code)
            lines = display_value(
                question, value, others.get(question.code, ""), names=names
            )
            items.append(
                ReviewItem(
                    code=question.code,
                    number=question.number,
                    text=question.text,
                    lines=lines,
                    required=question.code in required_codes,
                    missing=not lines and question.code in required_codes,
                    errors=errors.get(question.code, []),
                )
            )
        if items:
            sections.append(
                ReviewSection(
                    code=section, title=titles.get(section, section), items=items
                )
            )
    return sections


def section_titles(*, instrument) -> dict[str, str]:
    return dict(instrument.sections.values_list("code", "title"))
