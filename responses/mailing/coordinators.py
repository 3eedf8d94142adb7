"""Coordinator invitations: one per intergemeentelijk coördinator, for its besturen.

A coordinator contact (municipalities.Contact, role coordinator) lists the besturen
it serves. Its invitation belongs to the contact's own municipality (the employer,
which the import keys on) but starts a response that speaks for the served besturen
only (responses/answering/claims.py). Each served bestuur's mayor is told in their
own invitation who answers for them.
"""

from __future__ import annotations

from collections import defaultdict

from municipalities.models import Contact, ContactRole, Municipality
from responses.mailing.tokens import issue_token
from responses.models import Campaign, Invitation, InvitationKind


def coordinator_contacts():
    """Active, deliverable coordinators serving at least one current bestuur."""
    return (
        Contact.objects.filter(
            role=ContactRole.COORDINATOR,
            active=True,
            email_bad=False,
            serves__valid_to__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )


def create_coordinator_invitations(*, campaign: Campaign) -> int:
    """One invitation per coordinator contact; idempotent like mayor invitations."""
    existing = set(
        Invitation.objects.filter(
            campaign=campaign, revoked_at__isnull=True
        ).values_list("email", "municipality_id")
    )
    rows = [
        Invitation(
            campaign=campaign,
            municipality_id=contact.municipality_id,
            contact=contact,
            kind=InvitationKind.COORDINATOR,
            name=contact.name,
            email=contact.email,
            function=contact.function or "Intergemeentelijk coördinator",
            **issue_token(),
        )
        for contact in coordinator_contacts()
        if (contact.email, contact.municipality_id) not in existing
    ]
    Invitation.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


def served_names(contact_ids: list[int]) -> dict[int, list[str]]:
    """{coordinator contact id: [current besturen it serves, by name]}."""
    names: dict[int, list[str]] = defaultdict(list)
    rows = (
        Contact.serves.through.objects.filter(
            contact_id__in=contact_ids, municipality__valid_to__isnull=True
        )
        .order_by("municipality__name")
        .values_list("contact_id", "municipality__name")
    )
    for contact_id, name in rows:
        names[contact_id].append(name)
    return names


def answered_by(*, campaign: Campaign) -> dict[int, str]:
    """{municipality id: "Name (organisation)"} of the coordinators invited for it."""
    invited = Invitation.objects.filter(
        campaign=campaign, kind=InvitationKind.COORDINATOR, revoked_at__isnull=True
    ).values_list("contact_id", flat=True)
    who: dict[int, list[str]] = defaultdict(list)
    served = Municipality.objects.filter(
        coordinators__in=list(invited), valid_to__isnull=True
    ).values_list("pk", "coordinators__name", "coordinators__organisation")
    for municipality_id, name, organisation in served:
        label = f"{name} ({organisation})" if organisation else name
        who[municipality_id].append(label)
    return {pk: " en ".join(sorted(names)) for pk, names in who.items()}


def invitation_context(*, campaign: Campaign, invitations) -> dict[int, dict]:
    """Extra mail placeholders per invitation id for the first invitation mail."""
    coordinators = [i for i in invitations if i.kind == InvitationKind.COORDINATOR]
    served = served_names([i.contact_id for i in coordinators if i.contact_id])
    by_municipality = answered_by(campaign=campaign)
    context: dict[int, dict] = {}
    for invitation in invitations:
        if invitation.kind == InvitationKind.COORDINATOR:
            context[invitation.pk] = {
                "template_kind": "invitation_coordinator",
                "served_besturen": ", ".join(served.get(invitation.contact_id, [])),
                "organisation": invitation.contact.organisation
                if invitation.contact_id
                else "",
            }
        elif invitation.municipality_id in by_municipality:
            context[invitation.pk] = {
                "answered_by": by_municipality[invitation.municipality_id]
            }
    return context
