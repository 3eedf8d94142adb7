"""A chunk's per-mail writes, sent without waiting for PostgreSQL's answer.

The end-of-data marker is sent right before the DATA command and its answer is
read (and checked: still this claim's row) right before the final ".", so the
database works while the SMTP server answers DATA; the "." still only leaves
once the marker is committed. After a 250 the worker sends the SENT update on
its own connection (libpq's asynchronous send) and goes on with the next mail;
the answer is read before the next statement on that connection, whichever it
is (a Django execute wrapper), or when the chunk ends. PostgreSQL runs the
statement as soon as it arrives, so a worker killed after the send still gets
its row SENT; killed before it, the row carries its marker and the sweep makes
it UNCERTAIN, exactly as with a waited-for UPDATE. The two waits per mail (a
round trip to PostgreSQL each, the dominant cost under CPU contention) now
overlap with SMTP. Other databases (SQLite in tests) get plain UPDATEs.
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.db import DatabaseError, connection
from django.utils import timezone

from responses.models import Delivery, DeliveryStatus

# A 250 proves delivery, also for a row a sweep flagged UNCERTAIN meanwhile.
_SENT_STATES = [DeliveryStatus.SENDING, DeliveryStatus.UNCERTAIN]


class ClaimLost(Exception):
    """The row is no longer this worker's SENDING claim: do not finish the DATA."""


class RowMarks:
    def __init__(self) -> None:
        self.pending = False

    def start_marker(self, delivery: Delivery) -> None:
        """Send `end_of_data_at` for this claim's row; confirm_marker() checks it."""
        if connection.vendor != "postgresql":
            return
        self.drain()
        table = connection.ops.quote_name(Delivery._meta.db_table)
        self._send(
            f"UPDATE {table} SET end_of_data_at = $1 WHERE id = $2 "  # noqa: S608 - only placeholders
            "AND status = $3 AND claimed_by = $4",
            [
                timezone.now().isoformat(),
                str(delivery.pk),
                DeliveryStatus.SENDING,
                delivery.claimed_by,
            ],
        )

    def confirm_marker(self, delivery: Delivery) -> None:
        """Raise ClaimLost unless the marker is committed on this claim's row."""
        if connection.vendor != "postgresql":
            marked = Delivery.objects.filter(
                pk=delivery.pk,
                status=DeliveryStatus.SENDING,
                claimed_by=delivery.claimed_by,
            ).update(end_of_data_at=timezone.now())
        elif not self.pending:  # the DATA command was never reached
            raise ClaimLost(f"delivery {delivery.pk}: no marker was sent")
        else:
            marked = self.drain()
        if marked != 1:
            raise ClaimLost(f"delivery {delivery.pk} is no longer claimed")

    def mark_sent(self, delivery: Delivery, reply: str) -> None:
        if connection.vendor != "postgresql":
            Delivery.objects.filter(pk=delivery.pk, status__in=_SENT_STATES).update(
                status=DeliveryStatus.SENT,
                sent_at=timezone.now(),
                smtp_reply=reply[:500],
                last_error="",
            )
            return
        self.drain()
        table = connection.ops.quote_name(Delivery._meta.db_table)
        self._send(
            f"UPDATE {table} SET status = $1, sent_at = $2, smtp_reply = $3, "  # noqa: S608 - only placeholders
            "last_error = '' WHERE id = $4 AND status IN ($5, $6)",
            [
                DeliveryStatus.SENT,
                timezone.now().isoformat(),
                reply[:500],
                str(delivery.pk),
                *_SENT_STATES,
            ],
        )

    def _send(self, sql: str, params: list[str]) -> None:
        connection.ensure_connection()
        pgconn = connection.connection.pgconn
        pgconn.send_query_params(sql.encode(), [p.encode("utf-8") for p in params])
        self.pending = True
        # The connection is non-blocking: push out what libpq still buffers.
        while pgconn.flush():
            select.select([], [pgconn.socket], [])

    def drain(self) -> int:
        """Read the answer to the last write: rows it changed; raise if refused."""
        if not self.pending:
            return 0
        self.pending = False
        pgconn = connection.connection.pgconn
        error, changed = b"", 0
        while (result := pgconn.get_result()) is not None:
            if result.error_message:
                error = result.error_message
            changed += result.command_tuples or 0
        if error:
            raise DatabaseError(error.decode("utf-8", "replace"))
        return changed

    def _before_query(self, execute, sql, params, many, context):
        self.drain()
        return execute(sql, params, many, context)


@contextmanager
def row_marks() -> Iterator[RowMarks]:
    """Marks for one chunk: every other query on the connection drains them first."""
    marks = RowMarks()
    try:
        with connection.execute_wrapper(marks._before_query):
            yield marks
            marks.drain()
    finally:
        if marks.pending:
            with suppress(DatabaseError):
                marks.drain()
