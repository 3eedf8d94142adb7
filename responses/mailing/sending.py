"""Send one Delivery row, exactly once, and recover rows a dead worker left behind.

States: PENDING -> (claim) SENDING -> SENT | FAILED | SKIPPED | UNCERTAIN, or back to
PENDING with `not_before` after a temporary error. Every transition is a conditional
UPDATE on the expected state, so two workers, a retry, a double beat tick or a manual
command can race on one row and only one of them sends. SENDING rows carry
`end_of_data_at` once the final "." may have left (responses/mailing/smtp.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from municipalities.models import Contact
from responses.answering.coverage import reminder_is_moot
from responses.mailing import smtp
from responses.mailing.composing import (
    CAMPAIGN_MAILINGS,
    compose_message,
    review_link,
)
from responses.mailing.outbox import enqueue_deliveries
from responses.mailing.rendering import mail_context, render_mail, template_kind
from responses.mailing.tokens import link_for
from responses.models import (
    CampaignStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    ResultsPublication,
)

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """A temporary failure; the task retries after `countdown` seconds."""

    def __init__(self, countdown: int, reason: str):
        super().__init__(reason)
        self.countdown = countdown


@dataclass(frozen=True)
class Outcome:
    # sent | uncertain | failed | skipped | paused | not-pending | not-due | missing
    status: str
    reason: str = ""


def send_delivery(*, delivery_id: int, now: datetime | None = None) -> Outcome:
    """Claim, render and send one Delivery. Raises RetryLater on temporary errors."""
    now = now or timezone.now()
    delivery = (
        Delivery.objects.select_related(
            "campaign", "invitation__municipality", "invitation__contact"
        )
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return Outcome("missing")
    if delivery.status != DeliveryStatus.PENDING:
        return Outcome("not-pending")
    if delivery.not_before and delivery.not_before > now:
        return Outcome("not-due")
    if delivery.kind in CAMPAIGN_MAILINGS and (
        delivery.campaign.mail_paused
        or delivery.campaign.status == CampaignStatus.PAUSED
    ):
        return Outcome("paused")  # stays PENDING; resume/reopen re-enqueues
    reason = _skip_reason(delivery)
    if reason:
        _finish(
            delivery, DeliveryStatus.SKIPPED, reason, expected=DeliveryStatus.PENDING
        )
        return Outcome("skipped", reason)

    claimed = Delivery.objects.filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now),
        pk=delivery.pk,
        status=DeliveryStatus.PENDING,
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return Outcome("not-pending")
    delivery.attempts += 1

    try:
        message = build_message(delivery, now=now)
    except Exception as exc:  # noqa: BLE001 - a broken template must not block the batch
        logger.exception("cannot render delivery %s", delivery.pk)
        _finish(delivery, DeliveryStatus.FAILED, f"template: {exc}")
        return Outcome("failed", str(exc))

    def before_end_of_data() -> None:
        _mark_end_of_data(delivery)

    try:
        reply = smtp.deliver(message, before_end_of_data=before_end_of_data)
    except smtp.SmtpPermanentError as exc:
        _fail_permanently(delivery, str(exc), bad_address=exc.recipient_refused)
        return Outcome("failed", str(exc))
    except smtp.SmtpTemporaryError as exc:
        if exc.uncertain:
            # The end of data went out but no reply came back: the relay may have
            # the mail. Staff decide (check the relay's log), never a blind resend.
            _finish(delivery, DeliveryStatus.UNCERTAIN, f"onzeker: {exc}")
            return Outcome("uncertain", str(exc))
        return _retry_or_fail(delivery, str(exc), now=now)
    except ClaimLost:
        return Outcome("not-pending", "claim verlopen tijdens het versturen")
    # A 250 proves delivery, also for a row a sweep flagged UNCERTAIN meanwhile.
    Delivery.objects.filter(
        pk=delivery.pk, status__in=[DeliveryStatus.SENDING, DeliveryStatus.UNCERTAIN]
    ).update(
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        smtp_reply=reply[:500],
        last_error="",
    )
    return Outcome("sent")


class ClaimLost(Exception):
    """The row is no longer this worker's SENDING claim: do not finish the DATA."""


def _mark_end_of_data(delivery: Delivery) -> None:
    """Commit `end_of_data_at` right before the final "." (smtp.py's marker).

    synchronous_commit=off makes this COMMIT return without waiting for the WAL
    flush, which keeps the gap before the "." short; a database crash that loses
    the marker only turns an uncertain row back into a resend, as before the marker.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        marked = Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING
        ).update(end_of_data_at=timezone.now())
    if marked != 1:
        raise ClaimLost(f"delivery {delivery.pk} is no longer claimed")


def _skip_reason(delivery: Delivery) -> str:
    campaign = delivery.campaign
    invitation = delivery.invitation
    if delivery.kind in CAMPAIGN_MAILINGS and campaign.status != CampaignStatus.OPEN:
        return "bevraging is niet open"
    # Issue 17: a "your results" mail still queued when staff withdraw the results
    # must not point a bestuur at a page that is gone.
    if (
        delivery.kind == DeliveryKind.RESULTS
        and not ResultsPublication.objects.filter(
            campaign=campaign, published_at__isnull=False, withdrawn_at__isnull=True
        ).exists()
    ):
        return "resultaten niet (meer) gepubliceerd"
    if invitation is None:
        return ""
    if invitation.revoked_at is not None:
        return "uitnodiging ingetrokken"
    if invitation.contact is not None and invitation.contact.email_bad:
        return "e-mailadres gemarkeerd als ongeldig"
    if delivery.kind == DeliveryKind.REMINDER and invitation.unsubscribed_at:
        return "afgemeld voor herinneringen"
    if delivery.kind == DeliveryKind.REMINDER and reminder_is_moot(delivery=delivery):
        return "gemeente heeft intussen geantwoord"
    return ""


def build_message(delivery: Delivery, *, now: datetime) -> EmailMultiAlternatives:
    campaign = delivery.campaign
    invitation = delivery.invitation
    link = link_for(invitation) if invitation is not None else ""
    context = mail_context(campaign=campaign, invitation=invitation, link=link, now=now)
    if invitation is not None:
        context["review_link"] = review_link(invitation)
    extra = {
        k: v for k, v in (delivery.context or {}).items() if k != "link" or not link
    }
    context.update(extra)
    kind = extra.get("template_kind") or template_kind(delivery.kind, delivery.stream)
    subject, text, html = render_mail(campaign=campaign, kind=kind, context=context)
    return compose_message(delivery, subject=subject, text=text, html=html)


def _finish(
    delivery: Delivery,
    status: str,
    reason: str,
    *,
    expected: str = DeliveryStatus.SENDING,
) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=expected).update(
        status=status, last_error=reason[:2000]
    )


def _fail_permanently(delivery: Delivery, reason: str, *, bad_address: bool) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.FAILED, last_error=reason[:2000]
    )
    if not bad_address:
        return
    Contact.objects.filter(email__iexact=delivery.email).update(
        email_bad=True, email_bad_reason=reason[:500]
    )


def _retry_or_fail(delivery: Delivery, reason: str, *, now: datetime) -> Outcome:
    if delivery.attempts >= settings.MAIL_MAX_ATTEMPTS:
        _finish(
            delivery,
            DeliveryStatus.FAILED,
            f"{reason} (na {delivery.attempts} pogingen)",
        )
        return Outcome("failed", reason)
    countdown = settings.MAIL_RETRY_BASE_SECONDS * 2 ** (delivery.attempts - 1)
    # A refusal of the end of data itself also lands here: the server said it does
    # not have the mail, so the marker is cleared and a later resend is safe.
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING,
        end_of_data_at=None,
        last_error=reason[:2000],
        not_before=now + timedelta(seconds=countdown),
    )
    raise RetryLater(countdown, reason)


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
