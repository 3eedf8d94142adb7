"""Send a chunk of Delivery rows on one SMTP connection, each of them exactly once.

States: PENDING -> (claim) SENDING -> SENT | FAILED | SKIPPED | UNCERTAIN, or back to
PENDING with `not_before` after a temporary error. A chunk (up to MAIL_CHUNK_SIZE
rows, one task) is claimed with one conditional UPDATE ... RETURNING id: only the
rows that were still PENDING and due become this claim's (`claimed_by`), and only
those are sent. Every later transition of a row is a conditional UPDATE on its
expected state (and, for the marker, on this claim), so two workers, a retry, a
double beat tick or a manual command can race on one row and only one of them
sends. Per mail, in order: the marker `end_of_data_at` is committed right before the
final "." (responses/mailing/smtp.py), then SENT with the relay's reply after its
250. A row of the chunk that a dead worker never reached is SENDING without the
marker, so the sweep resends it (no "." went out); at most the one row in flight
per worker process carries the marker without SENT (docs/mailings.md).

Per chunk, not per mail: the rows are read with one joined query, the template
sources once per (campaign, kind) and the results publication once per campaign.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, connection
from django.utils import timezone

from municipalities.models import Contact
from responses.answering.coverage import reminder_is_moot
from responses.mailing import smtp
from responses.mailing.composing import (
    CAMPAIGN_MAILINGS,
    compose_message,
    review_link,
)
from responses.mailing.marks import ClaimLost, RowMarks, row_marks
from responses.mailing.rendering import (
    mail_context,
    render_mail,
    template_kind,
    template_sources,
)
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
    # | retry (back to PENDING; send again after `countdown` seconds)
    status: str
    reason: str = ""
    countdown: int = 0


@dataclass
class ChunkCache:
    """What every mail of a chunk shares: loaded once, not once per mail."""

    sources: dict[tuple[int, str], tuple[str, str, str]] = field(default_factory=dict)
    published: dict[int, bool] = field(default_factory=dict)

    def template(self, campaign, kind: str) -> tuple[str, str, str]:
        key = (campaign.pk, kind)
        if key not in self.sources:
            self.sources[key] = template_sources(campaign=campaign, kind=kind)
        return self.sources[key]

    def results_published(self, campaign) -> bool:
        if campaign.pk not in self.published:
            self.published[campaign.pk] = ResultsPublication.objects.filter(
                campaign=campaign, published_at__isnull=False, withdrawn_at__isnull=True
            ).exists()
        return self.published[campaign.pk]


def send_deliveries(
    *, delivery_ids: list[int], now: datetime | None = None
) -> dict[int, Outcome]:
    """Claim the sendable rows among `delivery_ids` at once and send them in order.

    Returns an Outcome per id. One bad address, a broken template or a temporary
    refusal only affects its own row; if the relay cannot be reached at all, the
    rest of the chunk goes back to PENDING with the same backoff.
    """
    now = now or timezone.now()
    delivery_ids = list(dict.fromkeys(delivery_ids))  # a row is sent once per chunk
    cache = ChunkCache()
    rows = {
        row.pk: row
        for row in Delivery.objects.select_related(
            "campaign", "invitation__municipality", "invitation__contact"
        ).filter(pk__in=delivery_ids)
    }
    outcomes: dict[int, Outcome] = {}
    candidates = []
    for pk in delivery_ids:
        outcome = _before_claim(rows.get(pk), now=now, cache=cache)
        if outcome is None:
            candidates.append(rows[pk])
        else:
            outcomes[pk] = outcome
    token = claim_token()
    claimed = _claim([row.pk for row in candidates], now=now, token=token)
    queue = [row for row in candidates if row.pk in claimed]
    for row in candidates:
        if row.pk not in claimed:
            outcomes[row.pk] = Outcome("not-pending")
    if not queue:
        return outcomes
    with _fast_commits(), row_marks() as marks:
        for position, row in enumerate(queue):
            row.attempts += 1
            row.claimed_by = token
            outcome, unreachable = _send_claimed(row, now=now, cache=cache, marks=marks)
            outcomes[row.pk] = outcome
            if unreachable:
                for rest in queue[position + 1 :]:
                    rest.attempts += 1
                    outcomes[rest.pk] = _retry_or_fail(rest, outcome.reason, now=now)
                break
    return outcomes


@contextmanager
def _fast_commits() -> Iterator[None]:
    """Per-mail commits without waiting for the disk; one durable commit per chunk.

    Two commits per mail (the marker before the ".", SENT after the 250) each
    waiting for a WAL flush (an fsync, ~3.5 ms here) would cap a worker process
    at well under 200 mails/s. With synchronous_commit=off a COMMIT returns once
    its WAL is in PostgreSQL's buffers; a worker that dies loses nothing (the
    commits are done), only a crash of PostgreSQL itself can lose the last
    moments of them (at most 3 x wal_writer_delay, and never a finished chunk:
    the durable commit at the end flushes all of the chunk's WAL). A lost SENT
    with its marker kept makes the row UNCERTAIN; a lost marker makes it a resend
    (docs/mailings.md, "Chunks and commits"). The claim itself is durable.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
            # A commit that writes WAL (an xid) waits for the flush of all WAL
            # before it, the chunk's fast commits included.
            cursor.execute("SELECT txid_current()")


def claim_token() -> str:
    """Who holds a claim: host and pid for staff, a random part to be unique."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _before_claim(
    delivery: Delivery | None, *, now: datetime, cache: ChunkCache
) -> Outcome | None:
    """Why this row is not to be claimed now, or None."""
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
    reason = _skip_reason(delivery, cache=cache)
    if reason:
        _finish(
            delivery, DeliveryStatus.SKIPPED, reason, expected=DeliveryStatus.PENDING
        )
        return Outcome("skipped", reason)
    return None


def _claim(ids: list[int], *, now: datetime, token: str) -> set[int]:
    """One conditional UPDATE for the whole chunk; returns the ids it took."""
    if not ids:
        return set()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, claimed_at = %s, claimed_by = %s, "  # noqa: S608 - only placeholders
            f"attempts = attempts + 1 WHERE id IN ({marks}) AND status = %s "
            "AND (not_before IS NULL OR not_before <= %s) RETURNING id",
            [DeliveryStatus.SENDING, at, token, *ids, DeliveryStatus.PENDING, at],
        )
        return {row[0] for row in cursor.fetchall()}


def _send_claimed(
    delivery: Delivery, *, now: datetime, cache: ChunkCache, marks: RowMarks
) -> tuple[Outcome, bool]:
    """Send one claimed row: its outcome and whether the relay was unreachable."""
    try:
        message = build_message(delivery, now=now, cache=cache)
    except Exception as exc:  # noqa: BLE001 - a broken template must not block the chunk
        logger.exception("cannot render delivery %s", delivery.pk)
        _finish(delivery, DeliveryStatus.FAILED, f"template: {exc}")
        return Outcome("failed", str(exc)), False

    try:
        reply = smtp.deliver(
            message,
            before_data=lambda: marks.start_marker(delivery),
            before_end_of_data=lambda: marks.confirm_marker(delivery),
        )
    except smtp.SmtpPermanentError as exc:
        _fail_permanently(delivery, str(exc), bad_address=exc.recipient_refused)
        return Outcome("failed", str(exc)), False
    except smtp.SmtpTemporaryError as exc:
        if exc.uncertain:
            # The end of data went out but no reply came back: the relay may have
            # the mail. Staff decide (check the relay's log), never a blind resend.
            _finish(delivery, DeliveryStatus.UNCERTAIN, f"onzeker: {exc}")
            return Outcome("uncertain", str(exc)), False
        return _retry_or_fail(delivery, str(exc), now=now), exc.unreachable
    except ClaimLost:
        return Outcome("not-pending", "claim verlopen tijdens het versturen"), False
    marks.mark_sent(delivery, reply)
    return Outcome("sent"), False


def _skip_reason(delivery: Delivery, *, cache: ChunkCache | None = None) -> str:
    campaign = delivery.campaign
    invitation = delivery.invitation
    if delivery.kind in CAMPAIGN_MAILINGS and campaign.status != CampaignStatus.OPEN:
        return "bevraging is niet open"
    # Issue 17: a "your results" mail still queued when staff withdraw the results
    # must not point a bestuur at a page that is gone.
    if delivery.kind == DeliveryKind.RESULTS and not (
        cache or ChunkCache()
    ).results_published(campaign):
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


def build_message(
    delivery: Delivery, *, now: datetime, cache: ChunkCache | None = None
) -> EmailMultiAlternatives:
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
    sources = (cache or ChunkCache()).template(campaign, kind)
    subject, text, html = render_mail(
        campaign=campaign, kind=kind, context=context, sources=sources
    )
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
    return Outcome("retry", reason, countdown)
