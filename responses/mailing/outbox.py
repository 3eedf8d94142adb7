"""Queue campaign mails.

queue_mail() is the one entry point for every mail of the platform (invitations,
reminders, forwards, confirmations, tests): it writes a Delivery row first and only
then, after commit, enqueues the send task with the row id. The row is the state; the
task message is a hint that can be lost or duplicated without harm.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError

from responses.mailing.budgets import budget_for, over_budget, record_refusal
from responses.mailing.tasks import send_deliveries_task
from responses.models import Campaign, Delivery, DeliveryStatus, Invitation


def queue_mail(
    *,
    campaign: Campaign,
    kind: str,
    email: str,
    invitation: Invitation | None = None,
    round: int = 0,  # noqa: A002 - name fixed by the shared contract
    stream: str = "",
    context: dict | None = None,
) -> Delivery:
    """Create (or return the existing) Delivery and enqueue its send after commit.

    With an invitation the row is unique per (invitation, kind, round), so calling this
    twice sends once; past the kind's budget (MAIL_BUDGETS) nothing is queued and the
    refusal is counted instead (responses/mailing/budgets.py). `context` holds extra
    non-secret placeholders; the personal link is rebuilt from the invitation at send
    time, never stored.
    """
    values = {
        "campaign": campaign,
        "email": email,
        "stream": stream,
        "context": context or {},
    }
    if invitation is not None:
        # Budget check only for a new row: asking twice for one round stays idempotent.
        repeat = Delivery.objects.filter(invitation=invitation, kind=kind, round=round)
        if not repeat.exists() and over_budget(invitation=invitation, kind=kind):
            why = f"{budget_for(kind)} per uitnodiging"
            return record_refusal(
                campaign=campaign,
                invitation=invitation,
                kind=kind,
                email=email,
                why=why,
            )
        delivery, _ = Delivery.objects.get_or_create(
            invitation=invitation, kind=kind, round=round, defaults=values
        )
    else:
        delivery = Delivery.objects.create(kind=kind, round=round, **values)
    if delivery.status == DeliveryStatus.PENDING:
        enqueue_deliveries([delivery.pk])
    return delivery


def enqueue_deliveries(ids: Iterable[int]) -> None:
    """Enqueue send tasks once the surrounding transaction (if any) has committed.

    One task per MAIL_CHUNK_SIZE rows: a chunk is claimed with one UPDATE and sent
    on one SMTP connection (responses/mailing/chunks.py).
    """
    ids = list(ids)
    if not ids:
        return
    if not settings.MAIL_QUEUE_READY:
        # No broker outside tests: never send inline in a web request; the rows wait
        # PENDING for a worker (recover_deliveries) instead (docs/deployment.md).
        logging.getLogger(__name__).warning(
            "no CELERY_BROKER_URL; %d deliveries left PENDING for a worker", len(ids)
        )
        return

    size = max(1, settings.MAIL_CHUNK_SIZE)
    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]

    def _send() -> None:
        for done, chunk in enumerate(chunks):
            try:
                send_deliveries_task.delay(chunk)
            except OperationalError:
                # Broker down: the rows stay PENDING and recover_deliveries()
                # re-enqueues them on a later tick; raising here would turn a
                # committed submit into an error page (tests/faults/test_redis_down.py).
                logging.getLogger(__name__).warning(
                    "broker unavailable; %d deliveries left PENDING for recovery",
                    sum(len(chunk) for chunk in chunks[done:]),
                )
                break

    transaction.on_commit(_send)
