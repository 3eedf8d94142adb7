"""The coverage audit trail: one append-only row per change of who answers."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from responses.models import CoverageEvent, Invitation, Response


def record_event(
    *,
    campaign_id: int,
    municipality_id: int,
    kind: str,
    response: Response | None = None,
    invitation: Invitation | None = None,
    staff_user=None,
    note: str = "",
    now: datetime | None = None,
) -> CoverageEvent:
    """Write one audit row; `actor` freezes who it was, should the link be revoked."""
    if staff_user is not None:
        actor = f"VVSG: {staff_user.get_full_name() or staff_user.get_username()}"
    elif invitation is not None:
        actor = f"{invitation.name} <{invitation.email}>"
    else:
        actor = "systeem"
    return CoverageEvent.objects.create(
        campaign_id=campaign_id,
        municipality_id=municipality_id,
        kind=kind,
        response=response,
        invitation=invitation,
        staff_user=staff_user,
        actor=actor[:250],
        note=note[:500],
        created_at=now or timezone.now(),
    )


def events_for(*, campaign, municipality) -> QuerySet[CoverageEvent]:
    return CoverageEvent.objects.filter(
        campaign=campaign, municipality=municipality
    ).select_related("invitation", "staff_user", "response")
