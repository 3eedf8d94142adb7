"""Chunks: many rows claimed at once, sent on one connection, each row on its own."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.db import connection, connections
from django.utils import timezone

from municipalities.models import Contact
from responses.mailing.chunks import send_deliveries
from responses.mailing.outbox import enqueue_deliveries
from responses.models import CampaignStatus, Delivery, DeliveryKind, DeliveryStatus
from tests.conftest import _free_port, missing_service
from tests.factories import make_campaign, make_invitation

pytestmark = pytest.mark.services


def _rows(n, *, campaign=None):
    campaign = campaign or make_campaign()
    rows = []
    for _ in range(n):
        invitation = make_invitation(campaign=campaign)
        rows.append(
            Delivery.objects.create(
                campaign=campaign,
                invitation=invitation,
                kind=DeliveryKind.INVITATION,
                email=invitation.email,
            )
        )
    return rows


def _status(row):
    row.refresh_from_db()
    return row.status


def test_chunk_one_bad_and_one_greylisted_address_leave_the_rest_sent(
    smtp_sink, db, settings
):
    settings.MAIL_RETRY_BASE_SECONDS = 60
    now = timezone.now()
    first, bad, grey, last = _rows(4)
    smtp_sink.refuse[bad.email] = (550, "5.1.1 mailbox unavailable")
    smtp_sink.refuse[grey.email] = (451, "4.3.0 greylisted")

    outcomes = send_deliveries(
        delivery_ids=[first.pk, bad.pk, grey.pk, last.pk], now=now
    )

    assert {pk: o.status for pk, o in outcomes.items()} == {
        first.pk: "sent",
        bad.pk: "failed",
        grey.pk: "retry",
        last.pk: "sent",
    }
    assert outcomes[grey.pk].countdown == 60
    assert smtp_sink.recipients() == [first.email, last.email]
    grey.refresh_from_db()
    assert (grey.status, grey.attempts, grey.not_before, grey.end_of_data_at) == (
        DeliveryStatus.PENDING,
        1,
        now + timedelta(seconds=60),
        None,
    )
    assert _status(bad) == DeliveryStatus.FAILED
    assert Contact.objects.get(pk=bad.invitation.contact_id).email_bad is True
    for row in (first, last):
        row.refresh_from_db()
        assert (row.status, row.attempts) == (DeliveryStatus.SENT, 1)
        assert row.smtp_reply.startswith("2.0.0 Ok: queued as Q")
        assert row.end_of_data_at is not None and row.claimed_by


def test_chunk_claims_only_rows_still_pending_and_due(smtp_sink, db):
    now = timezone.now()
    due, sent, later, held = _rows(4)
    Delivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT)
    Delivery.objects.filter(pk=later.pk).update(not_before=now + timedelta(hours=1))
    paused = make_campaign(status=CampaignStatus.PAUSED)
    Delivery.objects.filter(pk=held.pk).update(campaign=paused)

    outcomes = send_deliveries(
        delivery_ids=[due.pk, sent.pk, later.pk, held.pk, 987654, due.pk], now=now
    )

    assert {pk: o.status for pk, o in outcomes.items()} == {
        due.pk: "sent",
        sent.pk: "not-pending",
        later.pk: "not-due",
        held.pk: "paused",
        987654: "missing",
    }
    assert smtp_sink.recipients() == [due.email]
    assert [_status(r) for r in (later, held)] == [DeliveryStatus.PENDING] * 2


def test_unreachable_relay_puts_the_whole_chunk_back_with_backoff(db, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _free_port(), "timeout": 2},
        }
    }
    rows = _rows(3)

    outcomes = send_deliveries(delivery_ids=[r.pk for r in rows])

    assert {o.status for o in outcomes.values()} == {"retry"}
    assert all("cannot connect" in o.reason for o in outcomes.values())
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
        assert row.not_before is not None


def test_chunk_queries_stay_constant_per_mail(
    smtp_sink, db, django_assert_max_num_queries
):
    rows = _rows(20)

    # Per mail at most the marker and SENT (on PostgreSQL those two bypass the
    # ORM, see mailing/marks.py); the rows, the templates and the claim once.
    with django_assert_max_num_queries(2 * len(rows) + 8):
        outcomes = send_deliveries(delivery_ids=[r.pk for r in rows])

    assert Counter(o.status for o in outcomes.values()) == {"sent": 20}
    assert Counter(smtp_sink.recipients()) == {r.email: 1 for r in rows}


def test_row_reclaimed_by_another_worker_mid_send_is_not_finished(
    smtp_sink, transactional_db
):
    if connection.vendor != "postgresql":
        missing_service("two connections on one row need PostgreSQL")
    (row,) = _rows(1)
    smtp_sink.hold_after = 0  # the sender waits at RCPT
    outcomes = []

    def send():
        try:
            outcomes.append(send_deliveries(delivery_ids=[row.pk])[row.pk])
        finally:
            connections.close_all()

    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 10
    while smtp_sink.waiting < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    # A sweep took the claim back and another worker claimed the row again: it is
    # SENDING, but no longer this sender's claim.
    Delivery.objects.filter(pk=row.pk).update(claimed_by="other-worker:1:abc")
    smtp_sink.release()
    sender.join(10)

    assert outcomes[0].status == "not-pending"
    assert smtp_sink.wait_for(1, timeout=1) == []  # no "." went out
    row.refresh_from_db()
    assert (row.status, row.end_of_data_at, row.claimed_by) == (
        DeliveryStatus.SENDING,
        None,
        "other-worker:1:abc",
    )


def test_enqueue_sends_one_task_per_chunk(
    transactional_db, celery_broker, redis_url, settings
):
    settings.MAIL_CHUNK_SIZE = 100
    client = redis.Redis.from_url(redis_url)
    client.flushdb()

    enqueue_deliveries(range(1, 251))

    messages = [loads_task(raw) for raw in client.lrange("celery", 0, -1)]
    assert sorted(len(ids) for name, ids in messages) == [50, 100, 100]
    assert {name for name, _ in messages} == {"responses.send_deliveries"}
    assert sorted(pk for _, ids in messages for pk in ids) == list(range(1, 251))


def loads_task(raw: bytes) -> tuple[str, list[int]]:
    """(task name, first argument) of a message as kombu stores it in Redis."""
    envelope = json.loads(raw)
    body = base64.b64decode(envelope["body"])  # body_encoding "base64"
    args = json.loads(body)[0]
    return envelope["headers"]["task"], args[0]
