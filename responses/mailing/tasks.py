"""Celery tasks: thin wrappers that take ids and call one service each.

acks_late stays off: a message redelivered after a worker crash would only be a
second hint, because the Delivery row claim decides who sends; rows whose message
was lost are picked up by recover_deliveries() on the next reminder tick.
"""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="responses.send_delivery", max_retries=8, acks_late=False)
def send_delivery_task(self, delivery_id: int) -> str:
    """Send one Delivery row (invitation, reminder, forward, confirmation, test)."""
    from responses.mailing.sending import RetryLater, send_delivery

    try:
        return send_delivery(delivery_id=delivery_id).status
    except RetryLater as exc:
        # Attempts are counted on the row; max_retries only bounds the message chain.
        raise self.retry(countdown=exc.countdown, exc=exc) from exc


@shared_task(bind=True, name="responses.send_deliveries", acks_late=False)
def send_deliveries_task(self, delivery_ids: list[int]) -> dict[str, int]:
    """Send a chunk of Delivery rows on one SMTP connection (mailing/chunks.py).

    Rows back in PENDING after a temporary error are sent again by a new chunk
    task per backoff delay; a lost message is only a lost hint (the sweep).
    """
    from collections import Counter, defaultdict

    from responses.mailing.chunks import send_deliveries

    outcomes = send_deliveries(delivery_ids=delivery_ids)
    later: dict[int, list[int]] = defaultdict(list)
    for pk, outcome in outcomes.items():
        if outcome.status == "retry":
            later[outcome.countdown].append(pk)
            # The reason may echo the message (a relay's error text): the log's
            # redaction filter scrubs links (tests/security/test_log_redaction.py).
            logger.warning(
                "delivery %s: Retry in %ss: %s", pk, outcome.countdown, outcome.reason
            )
    for countdown, ids in sorted(later.items()):
        send_deliveries_task.apply_async((ids,), countdown=countdown)
    return dict(Counter(outcome.status for outcome in outcomes.values()))


@shared_task(bind=True, name="responses.send_due_reminders", acks_late=False)
def send_due_reminders_task(self, campaign_id: int | None = None) -> dict:
    """Beat tick: queue due reminders for open campaigns and recover lost deliveries."""
    from responses.mailing.reminders import send_due_reminders
    from responses.models import Campaign

    campaign = Campaign.objects.filter(pk=campaign_id).first() if campaign_id else None
    if campaign_id and campaign is None:
        return {}
    return send_due_reminders(campaign=campaign)


@shared_task(bind=True, name="responses.send_invitations", acks_late=False)
def send_invitations_task(self, campaign_id: int) -> int:
    """Create missing invitations of a campaign and queue their first mail."""
    from responses.mailing.campaigns import send_invitations
    from responses.models import Campaign

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return 0
    return send_invitations(campaign=campaign)


@shared_task(bind=True, name="responses.apply_retention", acks_late=False)
def apply_retention_task(self) -> dict:
    """Monthly beat entry: GDPR retention (idempotent, so a double tick is harmless)."""
    from responses.reporting.retention import apply_retention

    return apply_retention().as_dict()


@shared_task(bind=True, name="responses.send_reminders", acks_late=False)
def send_reminders_task(self, campaign_id: int, selection: dict) -> int:
    """Staff-confirmed reminders to a chosen audience (see mailing/audience.py)."""
    from responses.mailing.audience import Selection, send_reminders
    from responses.models import Campaign

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return 0
    return send_reminders(campaign=campaign, selection=Selection.from_dict(selection))


@shared_task(bind=True, name="responses.store_answer_copy", acks_late=False)
def store_answer_copy_task(self, response_id: int) -> int | None:
    """Render the PDF copy of a response's current revision (too slow for a request)."""
    from responses.answering.pdf import store_copy

    copy = store_copy(response_id=response_id)
    return copy.pk if copy else None


@shared_task(bind=True, name="responses.store_mirror_copy", acks_late=False)
def store_mirror_copy_task(self, campaign_id: int, municipality_id: int) -> int | None:
    """Render the PDF of one bestuur's local mirror (too slow for a request)."""
    from responses.reporting.mirror_pdf import store_mirror_copy

    copy = store_mirror_copy(campaign_id=campaign_id, municipality_id=municipality_id)
    return copy.pk if copy else None
