"""Reads for the respondent pages: who answers for my bestuur, which ones I serve."""

from __future__ import annotations

from responses.answering.claim_mails import claimant_label
from responses.models import (
    ClaimStatus,
    Invitation,
    InvitationKind,
    ResponseMunicipality,
)


def claim_for_own_bestuur(*, invitation: Invitation) -> dict | None:
    """The other response speaking for the link's own bestuur, as the bestuur may see
    it (name, function, organisation, status; never contact data or answers)."""
    if invitation.kind == InvitationKind.COORDINATOR:
        return None
    row = (
        ResponseMunicipality.objects.filter(
            campaign_id=invitation.campaign_id,
            municipality_id=invitation.municipality_id,
        )
        .exclude(status=ClaimStatus.OWN)
        .select_related("response", "claimed_by__contact", "claimed_by__municipality")
        .first()
    )
    if row is None:
        return None
    return {
        "claim_id": row.pk,
        "pending": row.status == ClaimStatus.PENDING,
        "status": row.get_status_display(),
        "submitted": row.response.status == "submitted",
        **claimant_label(row.response, row.claimed_by),
    }


def coordinator_picker_initial(
    *, invitation: Invitation, covered: dict[str, int]
) -> list[str]:
    """A coordinator link starts with the besturen it serves that nobody covers."""
    if invitation.kind != InvitationKind.COORDINATOR or invitation.contact is None:
        return []
    return sorted(
        code
        for code in invitation.contact.serves.filter(valid_to__isnull=True).values_list(
            "nis_code", flat=True
        )
        if code not in covered
    )


def own_response_started(*, invitation: Invitation) -> bool:
    """Whether a colleague already started this bestuur's own response."""
    return ResponseMunicipality.objects.filter(
        campaign_id=invitation.campaign_id,
        municipality_id=invitation.municipality_id,
        status=ClaimStatus.OWN,
    ).exists()
