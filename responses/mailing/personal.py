"""Per-municipality actions of the participant table (one recipient at a time).

Each only writes rows and queues the mail after commit; the worker sends.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from municipalities.models import Contact, ContactRole, Municipality
from responses.answering.coverage import partial_municipality_ids
from responses.mailing.outbox import queue_mail
from responses.mailing.reminders import stream_of
from responses.mailing.tokens import issue_token, rotate_token
from responses.models import (
    Campaign,
    Delivery,
    DeliveryKind,
    Invitation,
    InvitationKind,
)


def _next_round(invitation: Invitation, kind: str) -> int:
    last = Delivery.objects.filter(invitation=invitation, kind=kind).aggregate(
        last=Max("round")
    )["last"]
    return 0 if last is None else last + 1


def resend_invitation(*, invitation: Invitation) -> Delivery:
    """Send the invitation mail (again) with the same personal link."""
    return queue_mail(
        campaign=invitation.campaign,
        kind=DeliveryKind.INVITATION,
        email=invitation.email,
        invitation=invitation,
        round=_next_round(invitation, DeliveryKind.INVITATION),
    )


def send_personal_reminder(*, invitation: Invitation) -> Delivery:
    """One reminder to one person; someone never invited gets the invitation."""
    if not Delivery.objects.filter(
        invitation=invitation, kind=DeliveryKind.INVITATION
    ).exists():
        return resend_invitation(invitation=invitation)
    partial = partial_municipality_ids(campaign=invitation.campaign)
    return queue_mail(
        campaign=invitation.campaign,
        kind=DeliveryKind.REMINDER,
        email=invitation.email,
        invitation=invitation,
        round=max(_next_round(invitation, DeliveryKind.REMINDER), 1),
        stream=stream_of(invitation.municipality_id, partial),
    )


def reissue_link(*, invitation: Invitation) -> Delivery:
    """Revoke the old link (it stops working at once) and mail the new one.

    The invitation keeps its response, so nothing answered is lost.
    """
    with transaction.atomic():
        rotate_token(invitation=invitation)
        return resend_invitation(invitation=invitation)


def add_contact(
    *,
    campaign: Campaign,
    municipality: Municipality,
    name: str,
    email: str,
    role: str,
    function: str = "",
    invite: bool = True,
) -> Contact:
    """A new contact of a municipality, invited to this campaign right away if asked."""
    with transaction.atomic():
        contact = Contact.objects.create(
            municipality=municipality,
            name=name,
            email=email,
            role=role,
            function=function,
        )
        if invite:
            invitation, _ = Invitation.objects.get_or_create(
                campaign=campaign,
                municipality=municipality,
                email=email,
                revoked_at__isnull=True,
                defaults={
                    "contact": contact,
                    "kind": (
                        InvitationKind.MAYOR
                        if role == ContactRole.MAYOR
                        else InvitationKind.STAFF
                    ),
                    "name": name,
                    "function": function,
                    **issue_token(),
                },
            )
            resend_invitation(invitation=invitation)
    return contact
