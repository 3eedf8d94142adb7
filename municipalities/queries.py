"""Reusable reads for municipalities."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from municipalities.models import Contact, Municipality


def current_municipalities() -> QuerySet[Municipality]:
    """Today's map: municipalities without an end date (285 since 2025)."""
    return Municipality.objects.filter(valid_to__isnull=True).select_related(
        "province", "cluster"
    )


def municipalities_on(date: dt.date) -> QuerySet[Municipality]:
    """The map valid on `date` (e.g. 300 municipalities on 2024-12-31)."""
    return Municipality.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=date),
        Q(valid_to__isnull=True) | Q(valid_to__gt=date),
    ).select_related("province", "cluster")


def municipality_by_nis(nis: str) -> Municipality | None:
    """The municipality with this NIS code, current or historic, or None."""
    return (
        Municipality.objects.select_related("province", "cluster", "successor")
        .filter(nis_code=str(nis).strip())
        .first()
    )


def current_successor(municipality: Municipality) -> Municipality:
    """Follow the successor chain to the municipality on today's map.

    Maps answers of earlier waves onto the current municipalities. A row that
    has ended without a successor (not in the reference data) is returned as is.
    """
    seen = {municipality.pk}
    while municipality.valid_to is not None and municipality.successor is not None:
        municipality = municipality.successor
        if municipality.pk in seen:  # a cycle can only come from bad manual edits
            raise ValueError(f"successor cycle at {municipality.nis_code}")
        seen.add(municipality.pk)
    return municipality


def active_contacts(municipality: Municipality) -> QuerySet[Contact]:
    """Contacts that may receive mail: active and without a bounced address."""
    return municipality.contacts.filter(active=True, email_bad=False)
