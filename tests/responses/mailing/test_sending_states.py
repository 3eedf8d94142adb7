"""Exact state after each transition of a Delivery (written against mutmut survivors).

Every field a transition sets is asserted, so a mutant that drops or alters one of
them (docs/testing.md, "Mutation testing") fails here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from municipalities.models import Contact
from responses.mailing.composing import message_id_domain
from responses.mailing.sending import (
    RetryLater,
    confirm_delivery,
    recover_deliveries,
    retry_delivery,
    send_delivery,
)
from responses.models import CampaignStatus, Delivery, DeliveryKind, DeliveryStatus
from tests.factories import make_invitation


def _delivery(**fields):
    invitation = make_invitation()
    delivery = Delivery.objects.create(
        campaign=invitation.campaign,
        invitation=invitation,
        kind=DeliveryKind.INVITATION,
        email=invitation.email,
    )
    if fields:
        Delivery.objects.filter(pk=delivery.pk).update(**fields)
        delivery.refresh_from_db()
    return delivery


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [DeliveryStatus.FAILED, DeliveryStatus.SKIPPED, DeliveryStatus.UNCERTAIN]
)
def test_retry_resets_every_send_field_and_the_bad_address_flag(status):
    at = timezone.now()
    delivery = _delivery(
        status=status, attempts=5, not_before=at, claimed_at=at, end_of_data_at=at
    )
    contact = delivery.invitation.contact
    Contact.objects.filter(pk=contact.pk).update(
        email=contact.email.upper(), email_bad=True, email_bad_reason="550 weg"
    )

    assert retry_delivery(delivery=delivery) is True

    delivery.refresh_from_db()
    contact.refresh_from_db()
    assert (
        delivery.status,
        delivery.attempts,
        delivery.not_before,
        delivery.claimed_at,
        delivery.end_of_data_at,
    ) == (DeliveryStatus.PENDING, 0, None, None, None)
    assert (contact.email_bad, contact.email_bad_reason) == (False, "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [DeliveryStatus.SENT, DeliveryStatus.PENDING, DeliveryStatus.SENDING]
)
def test_retry_leaves_live_and_sent_rows_alone(status):
    delivery = _delivery(status=status, attempts=1)
    contact = delivery.invitation.contact
    Contact.objects.filter(pk=contact.pk).update(email_bad=True, email_bad_reason="x")

    assert retry_delivery(delivery=delivery) is False

    delivery.refresh_from_db()
    contact.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (status, 1)
    assert (contact.email_bad, contact.email_bad_reason) == (True, "x")


@pytest.mark.django_db
def test_confirm_sets_sent_at_to_the_end_of_data_and_records_why():
    at = timezone.now() - timedelta(hours=2)
    plain = _delivery(status=DeliveryStatus.UNCERTAIN, end_of_data_at=at)
    noted = _delivery(status=DeliveryStatus.UNCERTAIN, end_of_data_at=at)
    failed = _delivery(status=DeliveryStatus.FAILED, last_error="550")

    results = [
        confirm_delivery(delivery=plain),
        confirm_delivery(delivery=noted, note="queue id 4Xyz gevonden"),
        confirm_delivery(delivery=failed),
    ]

    for row in (plain, noted, failed):
        row.refresh_from_db()
    assert results == [True, True, False]
    assert (plain.status, plain.sent_at, plain.last_error) == (
        DeliveryStatus.SENT,
        at,
        "bevestigd in het log van de mailserver",
    )
    assert noted.last_error == "queue id 4Xyz gevonden"
    assert (failed.status, failed.sent_at, failed.last_error) == (
        DeliveryStatus.FAILED,
        None,
        "550",
    )


@pytest.mark.services
def test_temporary_error_backs_off_exponentially_from_the_given_clock(
    smtp_sink, settings, db
):
    settings.MAIL_RETRY_BASE_SECONDS = 60
    settings.MAIL_MAX_ATTEMPTS = 3
    now = timezone.now()
    delivery = _delivery(attempts=1, end_of_data_at=now)
    smtp_sink.refuse[delivery.email] = (451, "4.3.0 greylisted")

    with pytest.raises(RetryLater) as retry:
        send_delivery(delivery_id=delivery.pk, now=now)

    delivery.refresh_from_db()
    assert retry.value.countdown == 120  # second attempt: base * 2
    assert str(retry.value) == "451 4.3.0 greylisted"
    assert (
        delivery.status,
        delivery.attempts,
        delivery.not_before,
        delivery.end_of_data_at,
        delivery.last_error,
    ) == (
        DeliveryStatus.PENDING,
        2,
        now + timedelta(seconds=120),
        None,
        "451 4.3.0 greylisted",
    )

    outcome = send_delivery(delivery_id=delivery.pk, now=now + timedelta(seconds=120))

    delivery.refresh_from_db()
    assert (outcome.status, outcome.reason) == ("failed", "451 4.3.0 greylisted")
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.FAILED,
        3,
        "451 4.3.0 greylisted (na 3 pogingen)",
    )
    assert smtp_sink.recipients() == []


@pytest.mark.services
def test_permanent_refusal_records_the_reply_on_row_and_contact(smtp_sink, db):
    delivery = _delivery()
    smtp_sink.refuse[delivery.email] = (550, "5.1.1 mailbox unavailable")

    outcome = send_delivery(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    contact = Contact.objects.get(pk=delivery.invitation.contact_id)
    assert (outcome.status, outcome.reason) == (
        "failed",
        "550 5.1.1 mailbox unavailable",
    )
    assert (delivery.status, delivery.last_error, delivery.sent_at) == (
        DeliveryStatus.FAILED,
        "550 5.1.1 mailbox unavailable",
        None,
    )
    assert (contact.email_bad, contact.email_bad_reason) == (
        True,
        "550 5.1.1 mailbox unavailable",
    )


@pytest.mark.services
def test_each_transition_touches_only_its_own_row(smtp_sink, db, settings):
    now = timezone.now()
    bystanders = {
        DeliveryStatus.SENDING: _delivery(
            status=DeliveryStatus.SENDING, claimed_at=now
        ),
        DeliveryStatus.FAILED: _delivery(status=DeliveryStatus.FAILED),
        DeliveryStatus.PENDING: _delivery(not_before=now + timedelta(days=1)),
    }
    refused, greylisted, revoked, retried = (_delivery() for _ in range(4))
    smtp_sink.refuse[refused.email] = (550, "5.1.1 weg")
    smtp_sink.refuse[greylisted.email] = (451, "4.3.0 later")
    revoked.invitation.revoked_at = now
    revoked.invitation.save(update_fields=["revoked_at"])
    Delivery.objects.filter(pk=retried.pk).update(status=DeliveryStatus.FAILED)

    send_delivery(delivery_id=refused.pk)
    with pytest.raises(RetryLater):
        send_delivery(delivery_id=greylisted.pk)
    send_delivery(delivery_id=revoked.pk)
    retry_delivery(delivery=retried)

    assert {
        status: Delivery.objects.get(pk=row.pk).status
        for status, row in bystanders.items()
    } == {status: status for status in bystanders}


@pytest.mark.django_db
def test_sweep_leaves_sent_fresh_and_paused_rows_and_explains_uncertain_ones(
    mailoutbox, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - timedelta(hours=2)
    sent = _delivery(status=DeliveryStatus.SENT, claimed_at=long_ago)
    fresh = _delivery()
    marked = _delivery(
        status=DeliveryStatus.SENDING, claimed_at=long_ago, end_of_data_at=long_ago
    )
    paused_invitation = _delivery()
    paused = paused_invitation.campaign
    paused.status = CampaignStatus.PAUSED
    paused.save(update_fields=["status"])
    forward = Delivery.objects.create(
        campaign=paused, kind=DeliveryKind.FORWARD, email="collega@gemeente.be"
    )
    Delivery.objects.filter(pk__in=[paused_invitation.pk, forward.pk]).update(
        created_at=long_ago
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = recover_deliveries(now=timezone.now())

    assert result == {"reclaimed": 0, "uncertain": 1, "requeued": 1}
    assert Delivery.objects.get(pk=sent.pk).status == DeliveryStatus.SENT
    assert Delivery.objects.get(pk=fresh.pk).status == DeliveryStatus.PENDING
    assert Delivery.objects.get(pk=marked.pk).last_error == (
        "onzeker: worker stopte na het einde van de data, vóór het antwoord van "
        "de mailserver; controleer het log van de mailserver"
    )
    assert Delivery.objects.get(pk=paused_invitation.pk).status == (
        DeliveryStatus.PENDING
    )
    assert Delivery.objects.get(pk=forward.pk).status == DeliveryStatus.SENT
    assert [m.to for m in mailoutbox] == [["collega@gemeente.be"]]


@pytest.mark.services
def test_message_carries_a_stable_message_id_and_the_row_id(smtp_sink, db):
    delivery = _delivery()

    send_delivery(delivery_id=delivery.pk)

    (message,) = smtp_sink.messages
    slug = delivery.campaign.slug
    # The right-hand side is a real domain (SITE_URL's host), not "vvsg-survey".
    domain = message_id_domain()
    assert "." in domain or domain == "localhost"
    assert message["Message-ID"] == f"<delivery-{delivery.pk}.{slug}@{domain}>"
    assert message["X-VVSG-Delivery"] == str(delivery.pk)
