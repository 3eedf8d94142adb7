"""Submit and the confirmation copy: who gets it, what it says, when it is queued.

Written against the survivors of the mutation run over responses/answering/answers.py
(docs/testing.md): every test asserts the stored outcome (the response row, the
queued Delivery and its context), so a dropped filter or a changed key fails here.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from responses.answering.answers import (
    Submitted,
    confirmation_context,
    save_answers,
    submit_response,
)
from responses.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)
from tests.factories import (
    make_invitation,
    make_municipality,
    make_started_response,
)

pytestmark = pytest.mark.django_db

COMPLETE = {
    "rad_signalen": Submitted("ja_stijging"),
    "rad_vormen": Submitted(["extreemrechts", "ander"], "Complotdenken"),
    "rad_dreiging": Submitted({"extreemrechts": "hoog", "extreemlinks": "laag"}),
    "pol_signalen": Submitted("ja"),
    "bel_fte": Submitted(2),
}
QUESTION_1 = "Ontvangt uw bestuur signalen van gewelddadige radicalisering?"
QUESTION_4 = "Merkt u signalen van schadelijke polarisatie?"
QUESTION_6 = "Hoeveel VTE zet uw bestuur in op dit thema?"


def _brussels(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def _complete_response(**kw):
    mayor, _ = make_started_response(**kw)
    save_answers(response=mayor.response, invitation=mayor, answers=COMPLETE)
    mayor.response.refresh_from_db()
    return mayor


def _colleague(mayor, **kw):
    kw.setdefault("name", "Sam Collega")
    kw.setdefault("email", "sam.collega@example.test")
    return make_invitation(
        campaign=mayor.campaign,
        municipality=mayor.municipality,
        kind="forward",
        response=mayor.response,
        forwarded_by=mayor,
        **kw,
    )


def _confirmations(response) -> list[Delivery]:
    return list(
        Delivery.objects.filter(
            invitation__response=response, kind=DeliveryKind.CONFIRMATION
        ).order_by("pk")
    )


# --- the context ---------------------------------------------------------------------


def test_confirmation_context_names_who_what_until_when_and_every_visible_answer():
    mayor = _complete_response()
    campaign = mayor.campaign
    campaign.name = "Ledenbevraging radicalisering 2026"
    campaign.reply_to = "vragen@vvsg.be"
    campaign.edit_until = _brussels(2027, 1, 15, 17, 0)
    campaign.save()
    second = make_municipality(name="Zwalm")
    ResponseMunicipality.objects.create(
        response=mayor.response, campaign=campaign, municipality=second
    )
    Response.objects.filter(pk=mayor.response.pk).update(
        respondent_name="An Burgemeester",
        status=ResponseStatus.SUBMITTED,
        submitted_at=_brussels(2026, 11, 20, 9, 5),
    )
    mayor.response.refresh_from_db()

    context = confirmation_context(response=mayor.response)

    # As stored on the Delivery (a JSONField): the lines may be tuples in memory.
    assert json.loads(json.dumps(context)) == {
        "name": "An Burgemeester",
        "campaign": "Ledenbevraging radicalisering 2026",
        "municipalities": [mayor.municipality.name, "Zwalm"],
        "submitted_at": "20 november 2026 om 09:05",
        "edit_until": "15 januari 2027 om 17:00",
        "contact_email": "vragen@vvsg.be",
        "sections": [
            {
                "title": "Gewelddadige radicalisering",
                "items": [
                    {"number": 1, "text": QUESTION_1, "lines": ["Ja (stijging)"]},
                    {
                        "number": 2,
                        "text": "Welke vormen van radicalisering stelt u vast?",
                        "lines": ["Extreemrechts", "Ander, namelijk: Complotdenken"],
                    },
                    {
                        "number": 3,
                        "text": "Hoe groot schat u de dreiging per vorm in?",
                        "lines": ["Extreemrechts: Hoog", "Extreemlinks: Laag"],
                    },
                ],
            },
            {
                "title": "Polarisatie",
                "items": [
                    {"number": 4, "text": QUESTION_4, "lines": ["Ja"]},
                    {"number": 5, "text": "Licht toe (optioneel).", "lines": []},
                ],
            },
            {
                "title": "Beleid",
                "items": [
                    {"number": 6, "text": QUESTION_6, "lines": ["2"]},
                    {"number": 7, "text": "Opmerkingen", "lines": []},
                ],
            },
        ],
    }


def test_confirmation_context_leaves_out_hidden_questions_and_renumbers():
    mayor, _ = make_started_response()
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"rad_signalen": Submitted("neen"), "bel_fte": Submitted(0)},
    )
    mayor.response.refresh_from_db()

    sections = confirmation_context(response=mayor.response)["sections"]

    assert [[(i["number"], i["lines"]) for i in s["items"]] for s in sections] == [
        [(1, ["Neen"])],
        [(2, []), (3, [])],
        [(4, ["0"]), (5, [])],
    ]


def test_confirmation_context_of_an_unsubmitted_response_is_dated_now_and_sender():
    mayor = _complete_response()
    before = timezone.now()

    context = confirmation_context(response=mayor.response)

    after = timezone.now()
    from responses.answering.respondents import format_deadline

    assert context["submitted_at"] in {format_deadline(before), format_deadline(after)}
    # No reply-to set: the sender address is the contact; not submitted: the
    # deadline is the closing date.
    assert context["contact_email"] == mayor.campaign.sender_email
    assert context["edit_until"] == format_deadline(mayor.campaign.closes_at)


# --- submit --------------------------------------------------------------------------


def test_submit_sets_status_and_times_to_now_on_this_response_only():
    mayor = _complete_response()
    bystander = _complete_response()
    now = timezone.now() + timedelta(minutes=3)

    result = submit_response(response=mayor.response, invitation=mayor, now=now)

    mine = Response.objects.get(pk=mayor.response.pk)
    other = Response.objects.get(pk=bystander.response.pk)
    assert (result.submitted, result.resubmitted, result.errors) == (True, False, {})
    assert (mine.status, mine.submitted_at, mine.updated_at) == (
        ResponseStatus.SUBMITTED,
        now,
        now,
    )
    assert (other.status, other.submitted_at) == (ResponseStatus.PARTIAL, None)
    assert other.updated_at != now
    assert _confirmations(bystander.response) == []


def test_resubmit_reports_resubmitted_keeps_first_date_and_moves_updated_at():
    mayor = _complete_response()
    first = timezone.now() + timedelta(minutes=1)
    second = first + timedelta(minutes=5)
    submit_response(response=mayor.response, invitation=mayor, now=first)
    mayor.response.refresh_from_db()

    again = submit_response(response=mayor.response, invitation=mayor, now=second)

    response = Response.objects.get(pk=mayor.response.pk)
    assert again.resubmitted is True
    assert (response.submitted_at, response.updated_at) == (first, second)


def test_submit_after_the_deadline_is_refused_with_the_deadline_message():
    mayor = _complete_response()
    late = mayor.campaign.closes_at + timedelta(seconds=1)

    result = submit_response(response=mayor.response, invitation=mayor, now=late)

    response = Response.objects.get(pk=mayor.response.pk)
    assert result.submitted is False
    assert result.errors == {
        "": ["De termijn om deze vragenlijst te wijzigen is verstreken."]
    }
    assert (response.status, response.submitted_at) == (ResponseStatus.PARTIAL, None)
    assert _confirmations(mayor.response) == []


# --- who gets the copy ---------------------------------------------------------------


def test_copy_goes_to_the_colleague_whose_address_was_typed_in_any_case():
    mayor = _complete_response()
    colleague = _colleague(mayor)
    Response.objects.filter(pk=mayor.response.pk).update(
        respondent_email="  Sam.Collega@Example.TEST "
    )
    mayor.response.refresh_from_db()

    submit_response(response=mayor.response, invitation=mayor)

    [delivery] = _confirmations(mayor.response)
    assert (delivery.invitation, delivery.email) == (colleague, colleague.email)


def test_copy_goes_to_the_submitter_when_the_typed_address_is_their_own():
    mayor = _complete_response()
    _colleague(mayor, email=mayor.email.upper())  # same address, another invitation
    Response.objects.filter(pk=mayor.response.pk).update(
        respondent_email=mayor.email.upper()
    )
    mayor.response.refresh_from_db()

    submit_response(response=mayor.response, invitation=mayor)

    [delivery] = _confirmations(mayor.response)
    assert (delivery.invitation, delivery.email) == (mayor, mayor.email)


@pytest.mark.parametrize("case", ["revoked", "stranger", "other_response"])
def test_copy_never_goes_to_a_typed_address_without_an_active_invitation_here(case):
    mayor = _complete_response()
    typed = "iemand@example.test"
    if case == "revoked":
        _colleague(mayor, email=typed, revoked_at=timezone.now())
    elif case == "other_response":
        other = _complete_response()
        _colleague(other, email=typed)
    Response.objects.filter(pk=mayor.response.pk).update(respondent_email=typed)
    mayor.response.refresh_from_db()

    submit_response(response=mayor.response, invitation=mayor)

    [delivery] = _confirmations(mayor.response)
    assert (delivery.invitation, delivery.email) == (mayor, mayor.email)


# --- one copy per state of the answers ------------------------------------------------


def test_confirmation_round_is_the_revision_wrapped_below_the_column_maximum():
    mayor = _complete_response()
    Response.objects.filter(pk=mayor.response.pk).update(revision=32003)
    mayor.response.refresh_from_db()

    submit_response(response=mayor.response, invitation=mayor)

    [delivery] = _confirmations(mayor.response)
    assert delivery.round == 3
    assert delivery.context["name"] == mayor.response.respondent_name


def test_other_rounds_kinds_responses_and_skipped_copies_do_not_block_a_copy():
    mayor = _complete_response()
    colleague = _colleague(mayor)
    other = _complete_response()
    round_no = mayor.response.revision
    for invitation, kind, round_, status in [
        (mayor, DeliveryKind.CONFIRMATION, round_no - 1, DeliveryStatus.SENT),
        (mayor, DeliveryKind.REMINDER, round_no, DeliveryStatus.SENT),
        (colleague, DeliveryKind.CONFIRMATION, round_no, DeliveryStatus.SKIPPED),
        (other, DeliveryKind.CONFIRMATION, round_no, DeliveryStatus.SENT),
    ]:
        Delivery.objects.create(
            campaign=invitation.campaign,
            invitation=invitation,
            kind=kind,
            round=round_,
            email=invitation.email,
            status=status,
        )

    submit_response(response=mayor.response, invitation=mayor)

    queued = Delivery.objects.filter(
        invitation=mayor, kind=DeliveryKind.CONFIRMATION, round=round_no
    ).get()
    assert queued.email == mayor.email
    assert queued.context["sections"][0]["items"][0]["lines"] == ["Ja (stijging)"]


def test_a_copy_already_sent_for_this_state_blocks_a_second_one_to_a_colleague():
    mayor = _complete_response()
    colleague = _colleague(mayor)
    submit_response(response=mayor.response, invitation=mayor)
    # The copy would now go to the colleague: only the round check stops it.
    Response.objects.filter(pk=mayor.response.pk).update(
        respondent_email=colleague.email
    )
    mayor.response.refresh_from_db()

    submit_response(response=mayor.response, invitation=colleague)

    assert [d.invitation for d in _confirmations(mayor.response)] == [mayor]


def test_a_submitted_response_may_be_resubmitted_until_edit_until():
    mayor = _complete_response()
    campaign = mayor.campaign
    campaign.edit_until = campaign.closes_at + timedelta(days=5)
    campaign.save()
    submit_response(response=mayor.response, invitation=mayor)
    mayor.response.refresh_from_db()

    late = submit_response(
        response=mayor.response,
        invitation=mayor,
        now=campaign.closes_at + timedelta(days=1),
    )

    assert (late.submitted, late.resubmitted, late.errors) == (True, True, {})
