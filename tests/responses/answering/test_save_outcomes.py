"""What one save leaves behind: stored values, revisions, conflicts, history rows.

Written against the survivors of the mutation run over responses/answering/answers.py
(docs/testing.md). The assertions are on the stored state and on SaveResult only, so
they stay valid however save_answers writes (one transaction per question or not).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from responses.answering.answers import Conflict, Submitted, save_answers
from responses.models import Answer, AnswerRevision, Response, ResponseStatus
from surveys.models import Question
from tests.factories import make_invitation, make_started_response

pytestmark = pytest.mark.django_db


def _values(response) -> dict:
    return dict(
        Answer.objects.filter(response=response).values_list("question__code", "value")
    )


def _colleague(mayor):
    return make_invitation(
        campaign=mayor.campaign,
        municipality=mayor.municipality,
        kind="forward",
        response=mayor.response,
        forwarded_by=mayor,
        name="Sam Collega",
    )


def _history(code: str) -> list[tuple]:
    return list(
        AnswerRevision.objects.filter(answer__question__code=code)
        .order_by("revision")
        .values_list("revision", "value", "other_text", "answered_by", "saved_at")
    )


def test_unknown_codes_and_invalid_values_do_not_stop_the_answers_after_them():
    mayor, _ = make_started_response()

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={
            "vraag_uit_andere_lijst": Submitted("ja"),
            "bel_fte": Submitted("veel"),
            "rad_signalen": Submitted("neen"),
            "pol_signalen": Submitted("ja"),
        },
    )

    assert result.errors["vraag_uit_andere_lijst"] == [
        "Onbekende vraag voor deze vragenlijst."
    ]
    assert set(result.errors) == {"vraag_uit_andere_lijst", "bel_fte"}
    assert result.saved == ["rad_signalen", "pol_signalen"]
    assert result.ok is False
    assert _values(mayor.response) == {"rad_signalen": "neen", "pol_signalen": "ja"}


def test_a_save_bumps_this_response_revision_per_saved_answer_and_stamps_its_time():
    mayor, _ = make_started_response()
    bystander, _ = make_started_response()
    before = Response.objects.get(pk=mayor.response.pk).revision
    other_before = Response.objects.get(pk=bystander.response.pk)
    now = timezone.now() + timedelta(minutes=2)

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"rad_signalen": Submitted("neen"), "pol_signalen": Submitted("ja")},
        now=now,
    )

    response = Response.objects.get(pk=mayor.response.pk)
    other = Response.objects.get(pk=bystander.response.pk)
    # One bump per answer written (each answer is its own guarded upsert).
    assert (response.revision, response.updated_at) == (before + 2, now)
    # The caller's object is refreshed too (the view renders from it).
    assert (mayor.response.revision, mayor.response.status) == (
        before + 2,
        ResponseStatus.PARTIAL,
    )
    assert (other.revision, other.updated_at, other.status) == (
        other_before.revision,
        other_before.updated_at,
        other_before.status,
    )
    assert result.ok is True
    assert result.stored is not None
    assert result.stored.values == {"rad_signalen": "neen", "pol_signalen": "ja"}


def test_reposting_the_stored_value_changes_nothing():
    mayor, _ = make_started_response()
    save_answers(
        response=mayor.response, invitation=mayor, answers={"bel_fte": Submitted(3)}
    )
    revision = Response.objects.get(pk=mayor.response.pk).revision

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"bel_fte": Submitted(3, base_revision=1)},
    )

    answer = Answer.objects.get(question__code="bel_fte")
    assert (result.saved, result.unchanged) == ([], ["bel_fte"])
    assert answer.revision == 1
    assert Response.objects.get(pk=mayor.response.pk).revision == revision
    assert len(_history("bel_fte")) == 1


def test_posting_an_empty_answer_that_was_never_stored_creates_nothing():
    mayor, _ = make_started_response()

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_toelichting": Submitted("")},
    )

    assert (result.saved, result.unchanged, result.ignored) == (
        [],
        ["pol_toelichting"],
        [],
    )
    assert Answer.objects.filter(response=mayor.response).count() == 0


def test_saving_on_a_submitted_response_keeps_it_submitted():
    mayor, _ = make_started_response()
    Response.objects.filter(pk=mayor.response.pk).update(
        status=ResponseStatus.SUBMITTED
    )
    mayor.response.refresh_from_db()

    save_answers(
        response=mayor.response, invitation=mayor, answers={"bel_fte": Submitted(4)}
    )

    assert Response.objects.get(pk=mayor.response.pk).status == (
        ResponseStatus.SUBMITTED
    )


def test_each_change_stores_base_plus_one_with_its_author_time_and_history():
    mayor, _ = make_started_response()
    colleague = _colleague(mayor)
    first = timezone.now() + timedelta(minutes=1)
    # Further apart than the coalescing window: each save keeps its history row.
    second = first + timedelta(hours=1)
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_toelichting": Submitted("eerste")},
        now=first,
    )

    result = save_answers(
        response=mayor.response,
        invitation=colleague,
        answers={"pol_toelichting": Submitted("tweede", base_revision=1)},
        now=second,
    )

    answer = Answer.objects.get(question__code="pol_toelichting")
    assert result.saved == ["pol_toelichting"]
    assert (answer.value, answer.revision, answer.answered_by, answer.updated_at) == (
        "tweede",
        2,
        colleague,
        second,
    )
    assert _history("pol_toelichting") == [
        (1, "eerste", "", mayor.pk, first),
        (2, "tweede", "", colleague.pk, second),
    ]


def test_a_conflict_reports_the_stored_answer_and_the_refused_one_in_full():
    mayor, _ = make_started_response()
    colleague = _colleague(mayor)
    at = timezone.now() + timedelta(minutes=1)
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"rad_signalen": Submitted("ja_gelijk")},
    )
    save_answers(
        response=mayor.response,
        invitation=colleague,
        answers={"rad_vormen": Submitted(["ander"], "Complotdenken")},
    )
    save_answers(
        response=mayor.response,
        invitation=colleague,
        answers={"rad_vormen": Submitted(["ander"], "Complotten", base_revision=1)},
        now=at,
    )

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"rad_vormen": Submitted(["ander", "religieus"], "Sekte")},
    )

    assert result.conflicts == {
        "rad_vormen": Conflict(
            code="rad_vormen",
            their_value=["ander"],
            their_other_text="Complotten",
            their_revision=2,
            by_name="Sam Collega",
            at=at,
            your_value=["ander", "religieus"],
            your_other_text="Sekte",
        )
    }
    assert result.saved == []
    assert Answer.objects.get(question__code="rad_vormen").other_text == "Complotten"


def test_a_conflict_with_an_imported_answer_names_a_colleague():
    mayor, _ = make_started_response()
    Answer.objects.create(
        response=mayor.response,
        question=Question.objects.get(
            instrument=mayor.campaign.instrument, code="bel_fte"
        ),
        value=9,
        revision=1,
    )

    result = save_answers(
        response=mayor.response, invitation=mayor, answers={"bel_fte": Submitted(5)}
    )

    conflict = result.conflicts["bel_fte"]
    assert (conflict.by_name, conflict.their_value, conflict.your_value) == (
        "een collega",
        9,
        5,
    )
    assert _values(mayor.response) == {"bel_fte": 9}


def test_clearing_from_a_page_that_never_saw_the_answer_keeps_the_colleagues_one():
    """Base 0 and an empty post: the respondent re-posted the blank they saw."""
    mayor, _ = make_started_response()
    colleague = _colleague(mayor)
    save_answers(
        response=mayor.response, invitation=colleague, answers={"bel_fte": Submitted(6)}
    )

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"bel_fte": Submitted(None, base_revision=0)},
    )

    assert (result.unchanged, result.conflicts) == (["bel_fte"], {})
    assert _values(mayor.response) == {"bel_fte": 6}


def test_after_a_conflict_the_evaluation_describes_what_is_stored():
    mayor, _ = make_started_response()
    colleague = _colleague(mayor)
    save_answers(
        response=mayor.response,
        invitation=colleague,
        answers={"rad_signalen": Submitted("ja_gelijk")},
    )

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"rad_signalen": Submitted("neen", base_revision=0)},
    )

    assert set(result.conflicts) == {"rad_signalen"}
    # The colleague's "ja" stands, so the follow-up questions stay visible.
    assert result.evaluation is not None
    assert {"rad_vormen", "rad_dreiging"} <= set(result.evaluation.visible)
    assert result.visibility is result.evaluation


def test_without_a_conflict_the_evaluation_is_the_one_of_the_save():
    mayor, _ = make_started_response()

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"rad_signalen": Submitted("ja_gelijk")},
    )

    assert result.evaluation is not None
    assert {"rad_vormen", "rad_dreiging"} <= set(result.evaluation.visible)
    assert result.evaluation.visible_answers == {"rad_signalen": "ja_gelijk"}


def test_clearing_a_hidden_answer_is_not_reported_as_ignored():
    mayor, _ = make_started_response()

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={
            "rad_signalen": Submitted("neen"),
            "rad_vormen": Submitted([]),
            "rad_dreiging": Submitted({"extreemrechts": "hoog"}),
        },
    )

    assert result.ignored == ["rad_dreiging"]
    assert _values(mayor.response) == {"rad_signalen": "neen"}


def test_a_stale_post_is_compared_with_what_that_page_saw_of_that_answer():
    mayor, _ = make_started_response()
    colleague = _colleague(mayor)
    start = timezone.now()
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"bel_opmerkingen": Submitted("zelfde")},
        now=start,
    )
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_toelichting": Submitted("eerst")},
        now=start,
    )
    save_answers(
        response=mayor.response,
        invitation=colleague,
        answers={"pol_toelichting": Submitted("tweede", base_revision=1)},
        now=start + timedelta(hours=1),
    )

    # Revision 1 of *another* answer held "zelfde"; this page saw "eerst".
    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_toelichting": Submitted("zelfde", base_revision=1)},
        now=start + timedelta(hours=2),
    )

    assert set(result.conflicts) == {"pol_toelichting"}
    assert _values(mayor.response)["pol_toelichting"] == "tweede"


def test_a_stale_repost_of_a_middle_revision_is_not_a_conflict():
    mayor, _ = make_started_response()
    colleague = _colleague(mayor)
    start = timezone.now()
    for n, (who, value) in enumerate(
        [(mayor, "a"), (colleague, "b"), (colleague, "c")]
    ):
        save_answers(
            response=mayor.response,
            invitation=who,
            answers={"pol_toelichting": Submitted(value, base_revision=n)},
            now=start + timedelta(hours=n),
        )

    # The mayor's page saw revision 2 ("b") and re-posts it unchanged.
    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_toelichting": Submitted("b", base_revision=2)},
        now=start + timedelta(hours=3),
    )

    assert (result.conflicts, result.unchanged) == ({}, ["pol_toelichting"])
    assert _values(mayor.response)["pol_toelichting"] == "c"
