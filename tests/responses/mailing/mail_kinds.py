"""Every mail kind as the sending code builds it (header and spam tests)."""

from __future__ import annotations

from django.utils import timezone

from responses.answering.answers import confirmation_context
from responses.mailing.rendering import sample_context
from responses.mailing.sending import build_message
from responses.models import Delivery, DeliveryKind
from tests.factories import (
    make_campaign,
    make_covering_response,
    make_invitation,
    make_municipality,
)

KINDS = (
    "invitation",
    "reminder_not_started",
    "reminder_partial",
    "forward",
    "confirmation",
    "test",
)


def build_kind(kind: str, *, municipality_name: str = "Zonnebeke"):
    """(delivery, EmailMultiAlternatives) for one kind, through build_message()."""
    campaign = make_campaign(name="Ledenbevraging radicalisering 2026")
    municipality = make_municipality(name=municipality_name)
    invitation = make_invitation(campaign=campaign, municipality=municipality)
    fields = {"campaign": campaign, "invitation": invitation, "email": invitation.email}
    if kind == "invitation":
        fields["kind"] = DeliveryKind.INVITATION
    elif kind.startswith("reminder_"):
        fields.update(kind=DeliveryKind.REMINDER, stream=kind.split("_", 1)[1])
    elif kind == "forward":
        fields.update(
            kind=DeliveryKind.FORWARD,
            context={
                "forwarded_by": "Burgemeester Jan Peeters",
                "contact_email": "radicalisering@vvsg.be",
            },
        )
    elif kind == "confirmation":
        response = make_covering_response(
            campaign=campaign,
            municipalities=[municipality],
            respondent_name=invitation.name,
            submitted_at=timezone.now(),
        )
        fields.update(
            kind=DeliveryKind.CONFIRMATION,
            context=confirmation_context(response=response),
        )
    elif kind == "test":
        context = sample_context(campaign=campaign)
        context["template_kind"] = "invitation"
        fields.update(kind=DeliveryKind.TEST, invitation=None, context=context)
    delivery = Delivery.objects.create(**fields)
    return delivery, build_message(delivery, now=timezone.now())
