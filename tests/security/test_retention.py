"""GDPR retention: open text and contact details of long-closed campaigns go."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from municipalities.models import Contact
from responses.models import (
    Answer,
    AnswerRevision,
    Delivery,
    Invitation,
    Response,
    ResponseExportRow,
)
from responses.reporting.export_store import refresh_export_rows
from responses.reporting.retention import REMOVED_DOMAIN, apply_retention
from tests.factories import (
    make_contact,
    make_export_campaign,
    make_export_response,
    make_invitation,
    make_municipality,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()
ANSWERS = {"q1": "ja", "q2": ["pol", "ander"], "q4": "Onze schepen zei iets", "q5": 3}
OTHERS = {"q2": "Een vertrouwelijke toelichting"}


def _world(*, closed_days_ago: int):
    opens = NOW - timedelta(days=closed_days_ago + 60)
    campaign = make_export_campaign(
        opens_at=opens, closes_at=NOW - timedelta(days=closed_days_ago)
    )
    municipality = make_municipality()
    contact = make_contact(municipality=municipality, name="Jan Peeters")
    invitation = make_invitation(campaign=campaign, contact=contact)
    response = make_export_response(
        campaign=campaign,
        municipalities=[municipality],
        answers=ANSWERS,
        others=OTHERS,
        respondent_name="Jan Peeters",
        respondent_email="jan@gemeente.test",
    )
    Invitation.objects.filter(pk=invitation.pk).update(response=response)
    for answer in Answer.objects.filter(response=response):
        AnswerRevision.objects.create(
            answer=answer, value=answer.value, other_text=answer.other_text, revision=1
        )
    Delivery.objects.create(
        campaign=campaign,
        invitation=invitation,
        kind="confirmation",
        email=contact.email,
        context={"sections": [{"items": ["Onze schepen"]}]},
    )
    return campaign, contact, invitation, response


def _values(response) -> dict:
    return {
        a.question.code: (a.value, a.other_text)
        for a in Answer.objects.filter(response=response).select_related("question")
    }


def test_retention_removes_open_text_and_contact_details_of_old_campaign():
    campaign, contact, invitation, response = _world(closed_days_ago=800)

    result = apply_retention(now=NOW, days=730)

    assert _values(response) == {
        "q1": ("ja", ""),
        "q2": (["pol", "ander"], ""),
        "q4": (None, ""),
        "q5": (3, ""),
    }
    history = AnswerRevision.objects.filter(answer__response=response)
    assert sorted((r.value is None, r.other_text) for r in history) == [
        (False, ""),
        (False, ""),
        (False, ""),
        (True, ""),
    ]
    response.refresh_from_db()
    invitation.refresh_from_db()
    contact.refresh_from_db()
    assert (response.respondent_name, response.respondent_email) == ("", "")
    assert invitation.name == "" and invitation.email.endswith(REMOVED_DOMAIN)
    assert contact.name == "" and contact.email.endswith(REMOVED_DOMAIN)
    assert contact.active is False
    delivery = Delivery.objects.get(campaign=campaign)
    assert delivery.email.endswith(REMOVED_DOMAIN) and delivery.context == {}
    assert (result.campaigns, result.answers, result.revisions) == (1, 2, 2)
    assert (result.invitations, result.responses, result.contacts) == (1, 1, 1)


def test_retention_keeps_recent_campaign_and_contacts_reused_later():
    old, contact, old_invitation, old_response = _world(closed_days_ago=800)
    recent, _, recent_invitation, recent_response = _world(closed_days_ago=10)
    # The same mayor is invited again in the recent wave: the contact row stays.
    make_invitation(campaign=recent, contact=contact)

    apply_retention(now=NOW, days=730)

    assert _values(recent_response)["q4"] == ("Onze schepen zei iets", "")
    assert _values(recent_response)["q2"] == (["pol", "ander"], OTHERS["q2"])
    recent_response.refresh_from_db()
    assert recent_response.respondent_email == "jan@gemeente.test"
    assert Invitation.objects.get(pk=recent_invitation.pk).name != ""
    contact.refresh_from_db()
    assert contact.name == "Jan Peeters"
    assert _values(old_response)["q4"] == (None, "")


def test_retention_is_idempotent_and_dry_run_writes_nothing():
    _, _, _, response = _world(closed_days_ago=800)

    dry = apply_retention(now=NOW, days=730, dry_run=True)
    after_dry = _values(response)
    first = apply_retention(now=NOW, days=730)
    second = apply_retention(now=NOW, days=730)

    assert after_dry["q4"] == ("Onze schepen zei iets", "")
    assert dry.dry_run and (dry.answers, dry.contacts) == (
        first.answers,
        first.contacts,
    )
    assert first.answers == 2
    assert second.as_dict() == {
        "campaigns": 1,
        "answers": 0,
        "revisions": 0,
        "invitations": 0,
        "responses": 0,
        "deliveries": 0,
        "contacts": 0,
        "dry_run": False,
    }


def test_retention_respects_edit_until_after_closing():
    campaign, _, _, response = _world(closed_days_ago=800)
    campaign.edit_until = NOW - timedelta(days=100)
    campaign.save(update_fields=["edit_until"])

    result = apply_retention(now=NOW, days=730)

    assert result.campaigns == 0
    assert _values(response)["q4"] == ("Onze schepen zei iets", "")


def test_apply_retention_command_prints_counts(capsys):
    _, _, _, response = _world(closed_days_ago=800)

    call_command("apply_retention", "--days", "730", "--dry-run")
    dry_out = capsys.readouterr().out
    unchanged = Response.objects.get(pk=response.pk).respondent_name
    call_command("apply_retention", "--days", "730")
    out = capsys.readouterr().out

    assert "answers would clear: 2" in dry_out
    assert unchanged == "Jan Peeters"
    assert "campaigns past retention: 1" in out and "contacts cleared: 1" in out
    assert Contact.objects.filter(name="Jan Peeters").count() == 0


def test_retention_removes_stored_export_rows_with_their_open_text():
    old, *_ = _world(closed_days_ago=800)
    recent, *_ = _world(closed_days_ago=10)
    refresh_export_rows(campaign=old)
    refresh_export_rows(campaign=recent)
    assert "Onze schepen" in str(
        ResponseExportRow.objects.get(response__campaign=old).csv
    )

    apply_retention(now=NOW, days=730)

    assert not ResponseExportRow.objects.filter(response__campaign=old).exists()
    assert ResponseExportRow.objects.filter(response__campaign=recent).count() == 1
    refresh_export_rows(campaign=old)
    assert "Onze schepen" not in str(
        ResponseExportRow.objects.get(response__campaign=old).csv
    )
