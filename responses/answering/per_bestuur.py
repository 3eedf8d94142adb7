"""Answers that differ per bestuur inside one coordinator response.

A coordinator answers once for all its besturen; where one bestuur differs (a LIVC R
in one municipality and not in another) it marks that question for that bestuur and
answers it again. Per-bestuur counting, the per-bestuur export and the results then
use that answer for that bestuur (`answers_for_bestuur`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.utils import timezone

from municipalities.models import Municipality
from responses.answering.queries import is_empty
from responses.models import (
    BestuurAnswer,
    Invitation,
    Response,
    ResponseMunicipality,
)
from surveys import branching
from surveys.queries import instrument_spec
from surveys.types import kind


def differing_besturen(*, response: Response | None) -> list[Municipality]:
    """The besturen a response may answer differently for (two or more)."""
    if response is None:
        return []
    besturen = [
        row.municipality
        for row in ResponseMunicipality.objects.filter(response=response)
        .select_related("municipality")
        .order_by("municipality__name")
    ]
    return besturen if len(besturen) > 1 else []


def save_bestuur_answer(
    *,
    response: Response,
    invitation: Invitation,
    municipality: Municipality,
    question_code: str,
    value: Any,
    other_text: str = "",
    now: datetime | None = None,
) -> list[str]:
    """Store (or, with an empty value, remove) one bestuur's differing answer.

    Returns Dutch error messages; with errors nothing is written.
    """
    if municipality not in differing_besturen(response=response):
        return ["U antwoordt niet voor dit bestuur, of maar voor één bestuur."]
    spec = instrument_spec(response.campaign.instrument)
    try:
        question = spec.question(question_code)
    except KeyError:
        return ["Onbekende vraag voor deze vragenlijst."]
    # Which besturen a response speaks for is chosen on the besturen page, not here.
    if kind(question).mirrors_besturen:
        return ["Deze vraag kan niet per bestuur verschillen."]
    rows = BestuurAnswer.objects.filter(
        response=response, question__code=question_code, municipality=municipality
    )
    if is_empty(value):
        rows.delete()
        return []
    problems = branching.validate_value(question, value, other_text)
    if problems:
        return list(problems)
    BestuurAnswer.objects.update_or_create(
        response=response,
        question=response.campaign.instrument.questions.get(code=question_code),
        municipality=municipality,
        defaults={
            "value": value,
            "other_text": other_text,
            "answered_by": invitation,
            "updated_at": now or timezone.now(),
        },
    )
    return []


def differing_answers_for(
    *, response_ids: list[int]
) -> dict[tuple[int, int], dict[str, tuple[Any, str]]]:
    """{(response id, municipality id): {question code: (value, other text)}}."""
    found: dict[tuple[int, int], dict[str, tuple[Any, str]]] = defaultdict(dict)
    rows = BestuurAnswer.objects.filter(response_id__in=response_ids).values_list(
        "response_id", "municipality_id", "question__code", "value", "other_text"
    )
    for response_id, municipality_id, code, value, other_text in rows:
        found[(response_id, municipality_id)][code] = (value, other_text)
    return dict(found)


def answers_for_bestuur(
    spec, answers: dict, others: dict, differing: dict[str, tuple[Any, str]]
) -> tuple[dict, dict]:
    """The response's answers with one bestuur's differing ones swapped in, and
    only what is visible for that bestuur (a differing filter question may hide or
    show follow-up questions)."""
    merged, merged_others = dict(answers), dict(others)
    for code, (value, other_text) in differing.items():
        merged[code] = value
        if other_text:
            merged_others[code] = other_text
        else:
            merged_others.pop(code, None)
    visible = branching.visible_answers(spec, merged)
    return visible, {c: t for c, t in merged_others.items() if c in visible}
