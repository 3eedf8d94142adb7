"""Send Delivery rows exactly once and recover rows a dead worker left behind.

The sending itself lives in responses/mailing/chunks.py (a chunk of rows on one
SMTP connection, claimed with one conditional UPDATE). `send_delivery` is the same
code path for one row: forwards, confirmations and the tests' races use it.
SENDING rows carry `end_of_data_at` once the final "." may have left
(responses/mailing/smtp.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from municipalities.models import Contact
from responses.mailing.chunks import (
    ClaimLost,
    Outcome,
    RetryLater,
    build_message,
    send_deliveries,
)
from responses.mailing.composing import CAMPAIGN_MAILINGS
from responses.mailing.outbox import enqueue_deliveries
from responses.models import CampaignStatus, Delivery, DeliveryStatus

__all__ = [
    "ClaimLost",
    "Outcome",
    "RetryLater",
    "build_message",
    "confirm_delivery",
    "recover_deliveries",
    "retry_delivery",
    "send_deliveries",
    "send_delivery",
]

logger = logging.getLogger(__name__)


def send_delivery(*, delivery_id: int, now: datetime | None = None) -> Outcome:
    """Claim, render and send one Delivery. Raises RetryLater on temporary errors."""
    outcome = send_deliveries(delivery_ids=[delivery_id], now=now)[delivery_id]
    if outcome.status == "retry":
        raise RetryLater(outcome.countdown, outcome.reason)
    return outcome


def recover_deliveries(*, now: datetime | None = None) -> dict[str, int]:
    """Resend claims a dead worker left before the end of data; flag the others.

    A SENDING row older than MAIL_STALE_CLAIM_SECONDS belongs to a dead worker. Without
    `end_of_data_at` it died before the final "." (see responses/mailing/smtp.py), so
    the relay discarded that message: back to PENDING and resend. With the marker the
    relay may have the mail: UNCERTAIN, shown to staff, never resent blindly. PENDING
    rows older than MAIL_REQUEUE_AFTER_SECONDS are enqueued again; a duplicate task
    message is harmless, the claim decides.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.MAIL_STALE_CLAIM_SECONDS)
    stale_claims = Delivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=stale
    )
    uncertain = stale_claims.filter(end_of_data_at__isnull=False).update(
        status=DeliveryStatus.UNCERTAIN,
        last_error=(
            "onzeker: worker stopte na het einde van de data, vóór het antwoord van "
            "de mailserver; controleer het log van de mailserver"
        ),
    )
    reclaimed = stale_claims.filter(end_of_data_at__isnull=True).update(
        status=DeliveryStatus.PENDING,
        last_error="claim verlopen (worker gestopt vóór verzending); opnieuw",
    )
    requeue_before = now - timedelta(seconds=settings.MAIL_REQUEUE_AFTER_SECONDS)
    ids = list(
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING, created_at__lt=requeue_before
        )
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .exclude(kind__in=CAMPAIGN_MAILINGS, campaign__status=CampaignStatus.PAUSED)
        .exclude(kind__in=CAMPAIGN_MAILINGS, campaign__mail_paused=True)
        .values_list("pk", flat=True)
    )
    enqueue_deliveries(ids)
    return {"reclaimed": reclaimed, "uncertain": uncertain, "requeued": len(ids)}


def retry_delivery(*, delivery: Delivery) -> bool:
    """Staff action: put a FAILED, SKIPPED or UNCERTAIN row back in the queue.

    For an UNCERTAIN row this is the decision "the relay's log has no trace of it".
    """
    updated = Delivery.objects.filter(
        pk=delivery.pk,
        status__in=[
            DeliveryStatus.FAILED,
            DeliveryStatus.SKIPPED,
            DeliveryStatus.UNCERTAIN,
        ],
    ).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        not_before=None,
        claimed_at=None,
        claimed_by="",
        end_of_data_at=None,
    )
    if updated:
        Contact.objects.filter(email__iexact=delivery.email).update(
            email_bad=False, email_bad_reason=""
        )
        enqueue_deliveries([delivery.pk])
    return bool(updated)


def confirm_delivery(*, delivery: Delivery, note: str = "") -> bool:
    """Staff action: an UNCERTAIN row was found in the relay's log, so it is SENT."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.UNCERTAIN).update(
            status=DeliveryStatus.SENT,
            sent_at=F("end_of_data_at"),
            last_error=note[:2000] or "bevestigd in het log van de mailserver",
        )
    )
