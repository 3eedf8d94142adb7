"""Reads for the respondent flow: stored answers, covered besturen, review."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from municipalities.models import Municipality
from responses.models import Answer, Campaign, Response, ResponseMunicipality


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
    return value is None or value == "" or value == [] or value == {}


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


def current_municipalities() -> QuerySet[Municipality]:
    return Municipality.objects.filter(valid_to__isnull=True).order_by("name")


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


def display_value(question, value: Any, other_text: str = "") -> list[str]:
    """Readable lines for one answer (review, conflict notice, confirmation)."""
    if is_empty(value):
        return []
    labels = {option.code: option.label for option in question.options}
    if question.type == "single":
        label = labels.get(value, str(value))
        return [f"{label}: {other_text}" if other_text else label]
    if question.type in ("multiple", "municipalities"):
        if question.type == "municipalities":
            names = dict(
                Municipality.objects.filter(nis_code__in=value).values_list(
                    "nis_code", "name"
                )
            )
            return [names.get(code, code) for code in value]
        lines = []
        for code in value:
            option = next((o for o in question.options if o.code == code), None)
            label = labels.get(code, str(code))
            lines.append(
                f"{label}: {other_text}"
                if option and option.is_other and other_text
                else label
            )
        return lines
    if question.type == "matrix":
        rows = {row.code: row.label for row in question.rows}
        return [
            f"{rows.get(row, row)}: {labels.get(cell, cell)}"
            for row, cell in value.items()
            if row in rows
        ]
    return [str(value)]


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
    titles: dict[str, str],
    visible: dict[str, Any],
    others: dict[str, str],
    visible_codes,
    required_codes,
    errors: dict[str, list[str]],
) -> list[ReviewSection]:
    """Every visible question grouped by section, with its answer or 'missing'."""
    sections = []
    for section in spec.sections:
        items = []
        for question in spec.in_section(section):
            if question.code not in visible_codes:
                continue
            value = visible.get(question.code)
            lines = display_value(question, value, others.get(question.code, ""))
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


def section_intros(*, instrument) -> dict[str, str]:
    return dict(instrument.sections.values_list("code", "intro"))
