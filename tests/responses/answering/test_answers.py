"""save_answers / submit_response: per-answer saves, conflicts, hidden questions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from responses.answering.answers import (
    Submitted,
    reopen_response,
    save_answers,
    submit_response,
)
from responses.models import (
    Answer,
    AnswerRevision,
    Response,
    ResponseExportRow,
    ResponseStatus,
)
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


COMPLETE = {
    "rad_signalen": Submitted("ja_stijging"),
    "rad_vormen": Submitted(["extreemrechts", "ander"], "Complotdenken"),
    "rad_dreiging": Submitted({"extreemrechts": "hoog", "extreemlinks": "laag"}),
    "pol_signalen": Submitted("ja"),
    "bel_fte": Submitted(2),
}


def test_save_answers_stores_value_revision_and_author():
    mayor, _ = make_started_response()

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"rad_signalen": Submitted("neen")},
    )

    answer = Answer.objects.get(response=mayor.response)
    assert result.saved == ["rad_signalen"]
    assert (answer.value, answer.revision, answer.answered_by) == ("neen", 1, mayor)
    assert list(
        AnswerRevision.objects.values_list("value", "revision", "answered_by")
    ) == [("neen", 1, mayor.pk)]
    assert Response.objects.get(pk=mayor.response.pk).status == ResponseStatus.PARTIAL


def test_answer_to_hidden_question_is_ignored_not_stored():
    mayor, _ = make_started_response()

    result = save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={
            "rad_signalen": Submitted("neen"),
            "rad_vormen": Submitted(["extreemrechts"]),
        },
    )

    assert result.ignored == ["rad_vormen"]
    assert _values(mayor.response) == {"rad_signalen": "neen"}


def test_hidden_matrix_row_cells_are_dropped():
    mayor, _ = make_started_response()

    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={
            "rad_signalen": Submitted("ja_gelijk"),
            "rad_vormen": Submitted(["extreemrechts"]),
            "rad_dreiging": Submitted({"extreemrechts": "hoog", "religieus": "hoog"}),
        },
    )

    assert _values(mayor.response)["rad_dreiging"] == {"extreemrechts": "hoog"}


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("rad_signalen", "misschien", "Onbekende antwoordoptie"),
        ("bel_fte", "veel", "getal"),
        ("bel_fte", 500, "hoogstens 100"),
        ("pol_toelichting", "x" * 201, "hoogstens 200 tekens"),
        ("vraag_uit_andere_lijst", "ja", "Onbekende vraag"),
    ],
)
def test_invalid_values_are_rejected_and_not_stored(code, value, message):
    mayor, _ = make_started_response()

    result = save_answers(
        response=mayor.response, invitation=mayor, answers={code: Submitted(value)}
    )

    assert message in " ".join(result.errors[code])
    assert Answer.objects.count() == 0


def test_stale_revision_conflicts_only_on_that_question():
    mayor, _ = make_started_response()
    colleague = _colleague(mayor)
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_toelichting": Submitted("a"), "bel_fte": Submitted(1)},
    )
    # The colleague loaded the page at revision 1 of both; the mayor then edits one.
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_toelichting": Submitted("b", base_revision=1)},
    )

    result = save_answers(
        response=mayor.response,
        invitation=colleague,
        answers={
            "pol_toelichting": Submitted("c", base_revision=1),
            "bel_fte": Submitted(3, base_revision=1),
        },
    )

    conflict = result.conflicts["pol_toelichting"]
    assert (conflict.their_value, conflict.by_name, conflict.their_revision) == (
        "b",
        mayor.name,
        2,
    )
    assert conflict.your_value == "c"
    assert result.saved == ["bel_fte"]
    assert _values(mayor.response) == {"pol_toelichting": "b", "bel_fte": 3}
    assert Answer.objects.get(question__code="bel_fte").answered_by == colleague


def test_saving_over_a_conflict_with_the_new_revision_wins():
    mayor, _ = make_started_response()
    colleague = _colleague(mayor)
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_signalen": Submitted("ja")},
    )

    result = save_answers(
        response=mayor.response,
        invitation=colleague,
        answers={"pol_signalen": Submitted("neen", base_revision=1)},
    )

    answer = Answer.objects.get(question__code="pol_signalen")
    assert result.saved == ["pol_signalen"]
    assert (answer.value, answer.revision, answer.answered_by) == ("neen", 2, colleague)
    assert AnswerRevision.objects.filter(answer=answer).count() == 2


def test_reposting_an_unchanged_stale_value_is_not_a_conflict():
    mayor, _ = make_started_response()
    colleague = _colleague(mayor)
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_signalen": Submitted("ja")},
    )
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_signalen": Submitted("neen", base_revision=1)},
    )

    # A whole-page post of a colleague who saw "ja" at revision 1 and did not touch it.
    result = save_answers(
        response=mayor.response,
        invitation=colleague,
        answers={"pol_signalen": Submitted("ja", base_revision=1)},
    )

    assert result.conflicts == {}
    assert _values(mayor.response) == {"pol_signalen": "neen"}


def test_first_answer_created_concurrently_is_a_conflict():
    mayor, _ = make_started_response()
    colleague = _colleague(mayor)
    save_answers(
        response=mayor.response, invitation=mayor, answers={"bel_fte": Submitted(4)}
    )

    result = save_answers(
        response=mayor.response,
        invitation=colleague,
        answers={"bel_fte": Submitted(5, base_revision=0)},
    )

    assert result.conflicts["bel_fte"].their_value == 4
    assert _values(mayor.response) == {"bel_fte": 4}


def test_other_text_kept_only_with_other_option():
    mayor, _ = make_started_response()

    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={
            "rad_signalen": Submitted("ja_gelijk"),
            "rad_vormen": Submitted(["extreemrechts"], "stray text"),
        },
    )

    assert Answer.objects.get(question__code="rad_vormen").other_text == ""


def test_submit_refused_while_required_answers_missing():
    mayor, _ = make_started_response()
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"rad_signalen": Submitted("ja_gelijk")},
    )

    result = submit_response(response=mayor.response, invitation=mayor)

    mayor.response.refresh_from_db()
    assert result.submitted is False
    assert set(result.errors) == {
        "rad_vormen",
        "rad_dreiging",
        "pol_signalen",
        "bel_fte",
    }
    assert mayor.response.status == ResponseStatus.PARTIAL


@pytest.mark.services
def test_submit_builds_the_export_row_on_postgresql(
    postgres, django_capture_on_commit_callbacks
):
    mayor, _ = make_started_response()
    save_answers(response=mayor.response, invitation=mayor, answers=COMPLETE)

    with django_capture_on_commit_callbacks(execute=True):
        submit_response(response=mayor.response, invitation=mayor)

    mayor.response.refresh_from_db()
    row = ResponseExportRow.objects.get(response=mayor.response)
    assert row.revision == mayor.response.revision
    assert row.csv["codes"][";"].strip(";")  # the saved answers are in it


def test_submit_marks_submitted_and_queues_confirmation_with_answers(
    mailoutbox, django_capture_on_commit_callbacks
):
    mayor, _ = make_started_response()
    save_answers(response=mayor.response, invitation=mayor, answers=COMPLETE)

    with django_capture_on_commit_callbacks(execute=True):
        result = submit_response(response=mayor.response, invitation=mayor)

    mayor.response.refresh_from_db()
    assert result.submitted is True
    assert mayor.response.status == ResponseStatus.SUBMITTED
    assert mayor.response.submitted_at is not None
    delivery = mayor.deliveries.get(kind="confirmation")
    assert delivery.email == mayor.email
    [mail] = mailoutbox
    assert mail.to == [mayor.email]
    assert "Bevestiging" in mail.subject
    # Short confirmation (issue 19): the copy is the review page, not a mail list.
    assert "Ja (stijging)" not in mail.body
    assert "/overzicht/" in mail.body
    assert mayor.municipality.name in mail.body


def test_resubmit_after_edit_sends_a_new_copy_and_keeps_first_date(
    mailoutbox, django_capture_on_commit_callbacks
):
    mayor, _ = make_started_response()
    save_answers(response=mayor.response, invitation=mayor, answers=COMPLETE)
    with django_capture_on_commit_callbacks(execute=True):
        submit_response(response=mayor.response, invitation=mayor)
    first = Response.objects.get(pk=mayor.response.pk).submitted_at
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"bel_fte": Submitted(7, base_revision=1)},
    )

    with django_capture_on_commit_callbacks(execute=True):
        again = submit_response(response=mayor.response, invitation=mayor)

    response = Response.objects.get(pk=mayor.response.pk)
    assert again.resubmitted is True
    assert response.submitted_at == first
    assert response.status == ResponseStatus.SUBMITTED
    assert len(mailoutbox) == 2
    assert "7" in mailoutbox[1].body


def test_edit_after_submit_allowed_until_edit_until():
    mayor, _ = make_started_response()
    campaign = mayor.campaign
    campaign.edit_until = campaign.closes_at + timedelta(days=5)
    campaign.save()
    save_answers(response=mayor.response, invitation=mayor, answers=COMPLETE)
    submit_response(response=mayor.response, invitation=mayor)
    mayor.response.refresh_from_db()

    before = reopen_response(
        response=mayor.response, now=campaign.closes_at + timedelta(days=1)
    )
    after = reopen_response(
        response=mayor.response, now=campaign.edit_until + timedelta(seconds=1)
    )

    assert before is True
    assert after is False
    assert timezone.now() < campaign.edit_until
