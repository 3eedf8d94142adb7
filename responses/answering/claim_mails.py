"""The mails of coverage changes: to a bestuur's mayor, and back to the claimant.

A mayor is told who answers (name, function, organisation, status), never the
claimant's contact data or answers.
"""

from __future__ import annotations

from municipalities.models import Contact, ContactRole, Municipality
from responses.answering.respondents import contact_email, format_deadline
from responses.mailing.outbox import queue_mail
from responses.mailing.tokens import issue_token
from responses.models import (
    DeliveryKind,
    Invitation,
    InvitationKind,
    Response,
    ResponseMunicipality,
)

# Claim mails one mayor can receive per campaign.
MAX_CLAIM_MAILS_PER_MAYOR = 3


def mayor_invitation(*, campaign, municipality: Municipality) -> Invitation | None:
    """The bestuur's active mayor invitation, created from its mayor contact if none."""
    found = (
        Invitation.objects.filter(
            campaign=campaign,
            municipality=municipality,
            kind=InvitationKind.MAYOR,
            revoked_at__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    contact = (
        Contact.objects.filter(
            municipality=municipality,
            role=ContactRole.MAYOR,
            active=True,
            email_bad=False,
        )
        .order_by("pk")
        .first()
    )
    if contact is None:
        return None
    return Invitation.objects.create(
        campaign=campaign,
        municipality=municipality,
        contact=contact,
        kind=InvitationKind.MAYOR,
        name=contact.name,
        email=contact.email,
        function=contact.function or "Burgemeester",
        **issue_token(),
    )


def claimant_label(response: Response, claimant: Invitation | None) -> dict:
    """Who answers, as a mayor may see it: never contact data or answers."""
    organisation = ""
    if claimant is not None:
        contact = claimant.contact
        organisation = (contact.organisation if contact else "") or (
            claimant.municipality.name
        )
    return {
        "claimant_name": response.respondent_name
        or (claimant.name if claimant else ""),
        "claimant_function": response.respondent_function,
        "claimant_organisation": organisation,
        "claimant_status": response.get_status_display(),
    }


def mail_mayor_about_claim(
    *, response: Response, municipality: Municipality, claimant: Invitation
) -> None:
    mayor = mayor_invitation(campaign=response.campaign, municipality=municipality)
    if mayor is None:
        return  # no mayor on file: the claim waits for staff (staff claims page)
    if _next_round(mayor) >= MAX_CLAIM_MAILS_PER_MAYOR:
        # Ticking and unticking must not turn into a mail cannon; further claims
        # wait for the mayor's link and the staff page.
        return
    queue_mail(
        campaign=response.campaign,
        kind=DeliveryKind.COVERAGE,
        email=mayor.email,
        invitation=mayor,
        round=_next_round(mayor),
        context={
            "template_kind": "coverage_claim",
            **claimant_label(response, claimant),
            "deadline": format_deadline(response.campaign.closes_at),
            "contact_email": contact_email(response.campaign),
        },
    )


def mail_claimant(*, row: ResponseMunicipality, template: str) -> None:
    claimant = row.claimed_by
    if claimant is None or claimant.revoked_at is not None:
        return
    queue_mail(
        campaign=row.campaign,
        kind=DeliveryKind.COVERAGE,
        email=claimant.email,
        invitation=claimant,
        round=_next_round(claimant),
        context={
            "template_kind": template,
            "claimed_municipality": row.municipality.name,
            "contact_email": contact_email(row.campaign),
        },
    )


def _next_round(invitation: Invitation) -> int:
    # Callers hold a row lock on the claim, so two mails never get the same round.
    return invitation.deliveries.filter(kind=DeliveryKind.COVERAGE).count()
