"""Reads for the mailing pages."""

from __future__ import annotations

from django.db.models import QuerySet

from responses.models import Campaign, Delivery, DeliveryStatus


def uncertain_deliveries(*, campaign: Campaign) -> QuerySet[Delivery]:
    """Rows whose end of data went out without a recorded reply, oldest first.

    Staff check each against the relay's log, then confirm or resend it (admin).
    """
    return Delivery.objects.filter(
        campaign=campaign, status=DeliveryStatus.UNCERTAIN
    ).order_by("end_of_data_at", "pk")
