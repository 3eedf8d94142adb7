"""Celery tasks of reporting: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, name="responses.refresh_export_row", acks_late=False)
def refresh_export_row_task(self, response_id: int) -> int:
    """Build a submitted response's stored export row (export_store.py).

    No claim is needed: the service only rebuilds a row that is stale and writes
    it with an upsert, so a duplicate or late message does nothing harmful.
    """
    from responses.reporting.export_store import refresh_export_row

    return refresh_export_row(response_id=response_id)
