"""Answer history cannot be flooded: bursts coalesce, rows per answer are capped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from responses.answering.answers import Submitted, save_answers
from responses.models import Answer, AnswerRevision
from tests.factories import make_invitation, make_started_response

pytestmark = pytest.mark.django_db


def _save(invitation, value, base, now):
    return save_answers(
        response=invitation.response,
        invitation=invitation,
        answers={"pol_toelichting": Submitted(value, base_revision=base)},
        now=now,
    )


def test_two_hundred_autosaves_in_a_burst_keep_two_history_rows():
    mayor, _ = make_started_response()
    start = timezone.now()

    for n in range(200):
        _save(mayor, f"tekst {n}", n, start + timedelta(seconds=n))

    answer = Answer.objects.get(question__code="pol_toelichting")
    history = list(AnswerRevision.objects.filter(answer=answer).order_by("revision"))
    assert (answer.value, answer.revision) == ("tekst 199", 200)
    assert [(h.revision, h.value) for h in history] == [
        (1, "tekst 0"),
        (200, "tekst 199"),
    ]


def test_saves_further_apart_than_the_window_each_keep_a_row_up_to_the_limit(
    settings,
):
    settings.ANSWER_HISTORY_LIMIT = 50
    mayor, _ = make_started_response()
    start = timezone.now()

    for n in range(60):
        _save(mayor, f"versie {n}", n, start + timedelta(minutes=11 * n))

    answer = Answer.objects.get(question__code="pol_toelichting")
    revisions = list(
        AnswerRevision.objects.filter(answer=answer)
        .order_by("revision")
        .values_list("revision", flat=True)
    )
    assert revisions == list(range(11, 61))
    assert answer.revision == 60


def test_another_editor_starts_a_new_row():
    mayor, _ = make_started_response()
    colleague = make_invitation(
        campaign=mayor.campaign,
        municipality=mayor.municipality,
        kind="forward",
        response=mayor.response,
        forwarded_by=mayor,
    )
    now = timezone.now()

    _save(mayor, "a", 0, now)
    _save(mayor, "b", 1, now)
    _save(colleague, "c", 2, now)
    _save(colleague, "d", 3, now)
    _save(colleague, "e", 4, now)

    history = AnswerRevision.objects.order_by("revision").values_list(
        "revision", "value", "answered_by"
    )
    assert list(history) == [
        (1, "a", mayor.pk),
        (2, "b", mayor.pk),
        (3, "c", colleague.pk),
        (5, "e", colleague.pk),
    ]


def test_stale_base_within_a_coalesced_run_is_still_a_conflict_not_a_loss():
    mayor, _ = make_started_response()
    colleague = make_invitation(
        campaign=mayor.campaign,
        municipality=mayor.municipality,
        kind="forward",
        response=mayor.response,
        forwarded_by=mayor,
    )
    now = timezone.now()
    for n in range(5):
        _save(mayor, f"m{n}", n, now)

    result = _save(colleague, "van de collega", 2, now)

    assert set(result.conflicts) == {"pol_toelichting"}
    assert Answer.objects.get().value == "m4"
