"""The end-of-data marker and the "onzeker" state, against a real SMTP server.

The sink (tests/conftest.py) can hold its 250 reply after it stored a message, which
puts the sender exactly inside the uncertain window without any production hook.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from responses.mailing.sending import (
    confirm_delivery,
    recover_deliveries,
    retry_delivery,
    send_delivery,
)
from responses.models import Delivery, DeliveryKind, DeliveryStatus
from tests.conftest import missing_service
from tests.factories import make_invitation

pytestmark = pytest.mark.services


def _delivery():
    invitation = make_invitation()
    return Delivery.objects.create(
        campaign=invitation.campaign,
        invitation=invitation,
        kind=DeliveryKind.INVITATION,
        email=invitation.email,
    )


def _in_thread(call):
    def run():
        try:
            call()
        finally:
            connections.close_all()

    return run


def _wait(predicate, timeout=10.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_sent_row_stores_the_relay_reply(smtp_sink, db):
    delivery = _delivery()

    outcome = send_delivery(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome.status == "sent"
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.smtp_reply == "2.0.0 Ok: queued as Q000001"
    assert delivery.end_of_data_at is not None
    assert delivery.end_of_data_at <= delivery.sent_at
    assert smtp_sink.recipients() == [delivery.email]


def test_marker_is_committed_before_the_end_of_data(smtp_sink, transactional_db):
    if connection.vendor != "postgresql":
        missing_service("commit visibility across connections needs PostgreSQL")
    delivery = _delivery()
    smtp_sink.hold_data_reply = True
    outcomes = []
    sender = threading.Thread(
        target=_in_thread(
            lambda: outcomes.append(send_delivery(delivery_id=delivery.pk))
        )
    )
    sender.start()
    try:
        assert _wait(lambda: smtp_sink.replies_held == 1)
        # The server has the whole message; another connection sees the marker.
        row = Delivery.objects.get(pk=delivery.pk)
        assert (row.status, row.end_of_data_at is not None) == (
            DeliveryStatus.SENDING,
            True,
        )
        assert smtp_sink.recipients() == [delivery.email]
    finally:
        smtp_sink.release()
        sender.join(10)
    row.refresh_from_db()
    assert outcomes[0].status == "sent"
    assert row.status == DeliveryStatus.SENT


def test_no_reply_after_end_of_data_is_uncertain_and_not_resent(
    smtp_sink, settings, db
):
    settings.MAILERS["default"]["OPTIONS"]["timeout"] = 1
    delivery = _delivery()
    smtp_sink.hold_data_reply = True

    outcome = send_delivery(delivery_id=delivery.pk)
    smtp_sink.release()

    delivery.refresh_from_db()
    assert outcome.status == "uncertain"
    assert delivery.status == DeliveryStatus.UNCERTAIN
    assert delivery.last_error.startswith("onzeker: geen antwoord")
    later = timezone.now() + timedelta(days=1)
    assert recover_deliveries(now=later)["requeued"] == 0
    assert send_delivery(delivery_id=delivery.pk).status == "not-pending"
    assert smtp_sink.recipients() == [delivery.email]


def test_stale_claims_split_on_the_marker(settings, db, mailoutbox):
    unmarked, marked = _delivery(), _delivery()
    claimed = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(pk=unmarked.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=claimed
    )
    Delivery.objects.filter(pk=marked.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=claimed, end_of_data_at=claimed
    )

    result = recover_deliveries(now=timezone.now())

    assert (result["reclaimed"], result["uncertain"]) == (1, 1)
    unmarked.refresh_from_db()
    marked.refresh_from_db()
    assert unmarked.status == DeliveryStatus.PENDING
    assert marked.status == DeliveryStatus.UNCERTAIN
    assert "controleer het log" in marked.last_error


def test_claim_lost_before_end_of_data_drops_the_message(smtp_sink, transactional_db):
    if connection.vendor != "postgresql":
        missing_service("two connections on one row need PostgreSQL")
    delivery = _delivery()
    smtp_sink.hold_after = 0  # the sender waits at RCPT
    outcomes = []
    sender = threading.Thread(
        target=_in_thread(
            lambda: outcomes.append(send_delivery(delivery_id=delivery.pk))
        )
    )
    sender.start()
    assert _wait(lambda: smtp_sink.waiting == 1)
    # A sweep took the claim back meanwhile (a send slower than the stale timeout).
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING)
    smtp_sink.release()
    sender.join(10)

    assert outcomes[0].status == "not-pending"
    assert smtp_sink.wait_for(1, timeout=1) == []  # the server discarded the DATA
    delivery.refresh_from_db()
    assert (delivery.status, delivery.end_of_data_at) == (DeliveryStatus.PENDING, None)


def test_staff_confirm_or_resend_an_uncertain_row(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    confirmed, resent = _delivery(), _delivery()
    at = timezone.now()
    Delivery.objects.filter(pk__in=[confirmed.pk, resent.pk]).update(
        status=DeliveryStatus.UNCERTAIN, end_of_data_at=at, attempts=1
    )

    assert confirm_delivery(delivery=confirmed) is True
    assert confirm_delivery(delivery=confirmed) is False
    with django_capture_on_commit_callbacks(execute=True):
        assert retry_delivery(delivery=resent) is True

    confirmed.refresh_from_db()
    resent.refresh_from_db()
    assert (confirmed.status, confirmed.sent_at) == (DeliveryStatus.SENT, at)
    assert resent.status == DeliveryStatus.SENT  # eager: queued and sent again
    assert [m.to for m in mailoutbox] == [[resent.email]]


def test_campaign_page_counts_and_lists_uncertain_rows(client, db):
    delivery = _delivery()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.UNCERTAIN,
        end_of_data_at=timezone.now(),
        last_error="onzeker: geen antwoord op het einde van de data",
    )
    user = User.objects.create_user("staff", "s@vvsg.test", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(user)

    page = client.get(
        reverse("responses:show-campaign", args=[delivery.campaign.slug])
    ).content.decode()

    assert '<h2 class="h6">Onzeker (1)</h2>' in page
    assert delivery.email in page
    assert "geen antwoord op het einde van de data" in page
