"""Coordinator invitations and reminders: mayor vs coordinator (issue 12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from municipalities.models import ContactRole
from responses.answering.claims import start_response
from responses.mailing.campaigns import send_invitations
from responses.mailing.reminders import send_due_reminders
from responses.mailing.sending import send_delivery
from responses.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Invitation,
    InvitationKind,
    Response,
    ResponseStatus,
)
from tests.factories import (
    make_campaign,
    make_contact,
    make_municipality,
    make_reminder_rule,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Mayors of Geel, Mol, Balen; a coordinator (IGS Kempen) serving Geel and Mol."""
    campaign = make_campaign()
    munis = {n: make_municipality(name=n) for n in ("Geel", "Mol", "Balen")}
    mayors = {n: make_contact(municipality=m, name=f"BM {n}") for n, m in munis.items()}
    coordinator = make_contact(
        municipality=munis["Balen"],
        role=ContactRole.COORDINATOR,
        name="Cas Coördinator",
        organisation="IGS Kempen",
        email="cas@igs-kempen.be",
    )
    coordinator.serves.set([munis["Geel"], munis["Mol"]])
    with django_capture_on_commit_callbacks(execute=True):
        send_invitations(campaign=campaign)
    return campaign, munis, mayors, coordinator


def test_send_invitations_creates_one_coordinator_invitation_and_tells_mayors(world):
    campaign, munis, mayors, coordinator = world

    invitation = Invitation.objects.get(kind=InvitationKind.COORDINATOR)
    by_to = {m.to[0]: m for m in mail.outbox}
    coordinator_mail = by_to[coordinator.email]
    assert invitation.contact == coordinator
    assert len(mail.outbox) == 4
    assert "Geel, Mol" in coordinator_mail.subject
    assert "IGS Kempen" in coordinator_mail.body and "/b/" in coordinator_mail.body
    for name in ("Geel", "Mol"):
        assert (
            "antwoordt Cas Coördinator (IGS Kempen) als intergemeentelijk coördinator"
            in by_to[mayors[name].email].body
        )
    assert "coördinator" not in by_to[mayors["Balen"].email].body
    assert send_invitations(campaign=campaign) == 0  # idempotent
    assert Invitation.objects.filter(kind=InvitationKind.COORDINATOR).count() == 1


def test_in_progress_coordinator_gets_the_reminder_naming_open_besturen(
    world, django_capture_on_commit_callbacks
):
    campaign, munis, mayors, coordinator = world
    make_reminder_rule(campaign=campaign, first_after_days=7, include_staff=False)
    invitation = Invitation.objects.get(kind=InvitationKind.COORDINATOR)
    result = start_response(
        invitation=invitation,
        respondent_name="Cas",
        respondent_email=coordinator.email,
        respondent_function="IGS",
        is_coordinator=True,
        extra_nis_codes=[munis["Geel"].nis_code, munis["Mol"].nis_code],
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(campaign=campaign, now=timezone.now() + timedelta(days=8))

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [coordinator.email, mayors["Balen"].email]
    )
    coordinator_mail = next(m for m in mail.outbox if m.to == [coordinator.email])
    assert "Geel, Mol" in coordinator_mail.subject
    assert "Geel, Mol" in coordinator_mail.body

    # Submitted later: the coordinator's next reminder lapses at send time.
    Response.objects.filter(pk=result.response.pk).update(
        status=ResponseStatus.SUBMITTED
    )
    row = Delivery.objects.create(
        campaign=campaign,
        invitation=invitation,
        kind=DeliveryKind.REMINDER,
        round=9,
        email=invitation.email,
        context={"template_kind": "reminder_coordinator", "open_besturen": "Geel"},
    )
    outcome = send_delivery(delivery_id=row.pk)
    row.refresh_from_db()
    assert outcome.status == "skipped"
    assert row.status == DeliveryStatus.SKIPPED


def test_pending_claim_leaves_reminders_with_the_mayor(
    world, django_capture_on_commit_callbacks
):
    campaign, munis, mayors, coordinator = world
    make_reminder_rule(campaign=campaign, first_after_days=7, include_staff=False)
    balen = Invitation.objects.get(contact=mayors["Balen"])
    with django_capture_on_commit_callbacks(execute=True):
        result = start_response(
            invitation=balen,
            respondent_name="BM Balen",
            respondent_email=balen.email,
            respondent_function="Burgemeester",
            is_coordinator=True,
            extra_nis_codes=[munis["Geel"].nis_code],
        )
    Response.objects.filter(pk=result.response.pk).update(
        status=ResponseStatus.SUBMITTED
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(campaign=campaign, now=timezone.now() + timedelta(days=8))

    # Balen answered; Geel's claim is pending, so Geel's mayor is still reminded.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [mayors["Geel"].email, mayors["Mol"].email]
    )
