"""Reusable reads for municipalities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import QuerySet

from municipalities.models import Contact, Municipality, MunicipalityFacts


def current_municipalities() -> QuerySet[Municipality]:
    """Today's map, with province and cluster (Municipality.objects.current())."""
    return Municipality.objects.current().select_related("province", "cluster")


def municipalities_on(date: dt.date) -> QuerySet[Municipality]:
    """The map valid on `date`, with province and cluster."""
    return Municipality.objects.on(date).select_related("province", "cluster")


def facts_on(date: dt.date) -> dict[int, MunicipalityFacts]:
    """Municipality id -> its cluster, province and police zone valid on `date`,
    in one query; municipalities without a row there keep their own values."""
    rows = MunicipalityFacts.objects.on(date).select_related("province", "cluster")
    return {f.municipality_id: f for f in rows}


def municipality_by_nis(nis: str) -> Municipality | None:
    """The municipality with this NIS code, current or historic, or None."""
    return (
        Municipality.objects.select_related("province", "cluster", "successor")
        .filter(nis_code=str(nis).strip())
        .first()
    )


class SuccessorCycleError(ValueError):
    """The successor links of municipalities loop (only bad manual edits do this)."""


def follow_successors(start: int, successor_of: Callable[[int], int | None]) -> int:
    """The id at the end of a successor chain (Borsbeek -> Antwerpen).

    The one resolver for the 2025 merger chain, whether the links come from the
    database or from an in-memory directory; a cycle raises SuccessorCycleError.
    """
    seen = {start}
    current = start
    while (nxt := successor_of(current)) is not None:
        if nxt in seen:
            raise SuccessorCycleError(
                f"Opvolgers van gemeenten vormen een kring (id {nxt})."
            )
        seen.add(nxt)
        current = nxt
    return current


def _successor_id(pk: int) -> int | None:
    return (
        Municipality.objects.filter(pk=pk)
        .values_list("successor_id", flat=True)
        .first()
    )


def current_successor(municipality: Municipality) -> Municipality:
    """Follow the successor chain to the municipality on today's map.

    Maps answers of earlier waves onto the current municipalities. A row that
    has ended without a successor (not in the reference data) is returned as is.
    """
    pk = follow_successors(municipality.pk, _successor_id)
    if pk == municipality.pk:
        return municipality
    return Municipality.objects.select_related("province", "cluster").get(pk=pk)


def active_contacts(municipality: Municipality) -> QuerySet[Contact]:
    """Contacts that may receive mail: active and without a bounced address."""
    return municipality.contacts.filter(active=True, email_bad=False)
