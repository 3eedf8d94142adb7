"""Two workers on one row, interleaving forced (tests/races.py): one mail, not two.

Each test fails when the claim loses its condition: dropping `status = PENDING`
from the chunk claim (responses/mailing/chunks.py, which send_delivery uses too),
or `ignore_conflicts`/the unique round from reminder queueing (checked by making
those mutations; see docs/testing.md).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from responses.mailing.campaigns import send_invitations
from responses.mailing.reminders import send_due_reminders
from responses.mailing.sending import Outcome, send_deliveries, send_delivery
from responses.models import Delivery, DeliveryKind, DeliveryStatus
from tests.conftest import missing_service
from tests.factories import (
    make_campaign,
    make_contact,
    make_invitation,
    make_municipality,
    make_reminder_rule,
)
from tests.races import race_behind_lock

pytestmark = pytest.mark.services


@pytest.fixture
def pg(transactional_db):
    if connection.vendor != "postgresql":
        missing_service("a race test needs PostgreSQL (set DB_ENGINE=postgresql)")


def test_two_workers_claiming_one_delivery_send_one_mail(pg):
    invitation = make_invitation()
    delivery = Delivery.objects.create(
        campaign=invitation.campaign,
        invitation=invitation,
        kind=DeliveryKind.INVITATION,
        email=invitation.email,
    )

    # Both workers pass the Python status check (a plain read), then block on the
    # row lock at their claim UPDATE; released together, only one may win.
    outcomes = race_behind_lock(
        "SELECT 1 FROM responses_delivery WHERE id = %s FOR UPDATE",
        [delivery.pk],
        [lambda: send_delivery(delivery_id=delivery.pk)] * 2,
    )

    assert sorted(o.status for o in outcomes) == ["not-pending", "sent"], outcomes
    assert [m.to for m in mail.outbox] == [[invitation.email]]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_two_overlapping_chunks_send_each_row_once(pg):
    campaign = make_campaign()
    a, b, c, d = (
        Delivery.objects.create(
            campaign=campaign,
            invitation=invitation,
            kind=DeliveryKind.INVITATION,
            email=invitation.email,
        )
        for invitation in (make_invitation(campaign=campaign) for _ in range(4))
    )

    # Both chunks read b and c as PENDING, then block at the one claim UPDATE on
    # the row locks; released together, each shared row goes to one claim only.
    results = race_behind_lock(
        "SELECT 1 FROM responses_delivery WHERE id IN (%s, %s) FOR UPDATE",
        [b.pk, c.pk],
        [
            lambda: send_deliveries(delivery_ids=[a.pk, b.pk, c.pk]),
            lambda: send_deliveries(delivery_ids=[b.pk, c.pk, d.pk]),
        ],
    )

    statuses = Counter(o.status for result in results for o in result.values())
    assert statuses == {"sent": 4, "not-pending": 2}, results
    assert Counter(m.to[0] for m in mail.outbox) == {
        row.email: 1 for row in (a, b, c, d)
    }
    assert set(Delivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.SENT
    }


def test_two_reminder_ticks_at_once_queue_one_round(pg, settings):
    # The ticks run 8 days ahead; without this each tick's sweep would take the
    # other's in-flight claim for a dead worker's (a clock artefact of the test).
    settings.MAIL_STALE_CLAIM_SECONDS = 30 * 24 * 3600
    campaign = make_campaign()
    make_reminder_rule(campaign=campaign, first_after_days=7, max_count=3)
    mayors = [make_contact(municipality=make_municipality()) for _ in range(3)]
    send_invitations(campaign=campaign)  # autocommit: sent at once (eager)
    assert len(mail.outbox) == 3
    mail.outbox.clear()
    tick = timezone.now() + timedelta(days=8)

    # SHARE mode lets both ticks read and plan (round 1 for everyone) but blocks
    # their INSERT of the reminder rows until both have planned.
    results = race_behind_lock(
        "LOCK TABLE responses_delivery IN SHARE MODE",
        [],
        [lambda: send_due_reminders(campaign=campaign, now=tick)] * 2,
    )

    assert [r["municipalities"] for r in results] == [3, 3], results
    reminders = Delivery.objects.filter(kind=DeliveryKind.REMINDER)
    assert sorted(reminders.values_list("email", "round")) == sorted(
        (m.email, 1) for m in mayors
    )
    assert Counter(m.to[0] for m in mail.outbox) == {m.email: 1 for m in mayors}
    assert set(reminders.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_outcome_type_is_public():
    # The race tests compare Outcome.status; keep that contract visible.
    assert Outcome("sent").status == "sent"
