"""Campaign life cycle and invitation mailings."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from municipalities.models import Contact, ContactRole
from responses.mailing.coordinators import (
    create_coordinator_invitations,
    invitation_context,
)
from responses.mailing.outbox import enqueue_deliveries, queue_mail
from responses.mailing.rendering import sample_context
from responses.mailing.sending import recover_deliveries, retry_delivery
from responses.mailing.tokens import issue_token
from responses.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    EmailTemplateKind,
    Invitation,
    InvitationKind,
)
from surveys.services import lock_instrument

__all__ = [
    "close_campaign",
    "create_invitations",
    "open_campaign",
    "pause_campaign",
    "recover_deliveries",
    "reopen_campaign",
    "resume_campaign",
    "retry_delivery",
    "send_invitation",
    "send_invitations",
    "send_test_mail",
    "suspend_campaign",
]


def mayor_contacts():
    """Active, deliverable mayors of current municipalities."""
    return Contact.objects.filter(
        role=ContactRole.MAYOR,
        active=True,
        email_bad=False,
        municipality__valid_to__isnull=True,
    )


def create_invitations(*, campaign: Campaign) -> int:
    """One invitation per mayor of every current municipality; idempotent.

    Returns the number of invitations created. The partial unique constraint on active
    (campaign, email, municipality) makes a second run (or a concurrent one) a no-op.
    """
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
            kind=InvitationKind.MAYOR,
            name=contact.name,
            email=contact.email,
            function=contact.function or "Burgemeester",
            **issue_token(),
        )
        for contact in mayor_contacts().order_by("municipality_id", "pk")
        if (contact.email, contact.municipality_id) not in existing
    ]
    before = Invitation.objects.filter(campaign=campaign).count()
    Invitation.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return Invitation.objects.filter(campaign=campaign).count() - before


def send_invitations(*, campaign: Campaign) -> int:
    """Create missing invitations and queue the first mail of every mayor invitation.

    Safe to run any number of times: the Delivery row (invitation, kind, round 0) is
    created at most once, and only PENDING rows are enqueued. Returns rows queued.
    """
    if campaign.status != CampaignStatus.OPEN:
        return 0
    create_invitations(campaign=campaign)
    create_coordinator_invitations(campaign=campaign)
    invitations = list(
        Invitation.objects.filter(
            campaign=campaign,
            kind__in=[InvitationKind.MAYOR, InvitationKind.COORDINATOR],
            revoked_at__isnull=True,
        )
        .exclude(deliveries__kind=DeliveryKind.INVITATION)
        .select_related("contact")
    )
    # Coordinators get their besturen, mayors who answers for them (issue 12).
    extra = invitation_context(campaign=campaign, invitations=invitations)
    Delivery.objects.bulk_create(
        [
            Delivery(
                campaign=campaign,
                invitation_id=invitation.pk,
                kind=DeliveryKind.INVITATION,
                round=0,
                email=invitation.email,
                context=extra.get(invitation.pk, {}),
            )
            for invitation in invitations
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    ids = list(
        Delivery.objects.filter(
            campaign=campaign,
            kind=DeliveryKind.INVITATION,
            status=DeliveryStatus.PENDING,
        ).values_list("pk", flat=True)
    )
    enqueue_deliveries(ids)
    return len(ids)


def send_invitation(*, invitation: Invitation) -> Delivery:
    """Queue the invitation mail of one invitation (returns the existing row if any)."""
    return queue_mail(
        campaign=invitation.campaign,
        kind=DeliveryKind.INVITATION,
        email=invitation.email,
        invitation=invitation,
        round=0,
    )


def send_test_mail(
    *, campaign: Campaign, email: str, kind: str = EmailTemplateKind.INVITATION
) -> Delivery:
    """Render a template with a sample recipient and send it to a staff address."""
    context = sample_context(campaign=campaign)
    context["template_kind"] = kind
    return queue_mail(
        campaign=campaign, kind=DeliveryKind.TEST, email=email, context=context
    )


def open_campaign(*, campaign: Campaign, now: datetime | None = None) -> None:
    """Open a campaign and lock its instrument version against edits."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_instrument(instrument=campaign.instrument, now=now)
        Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.OPEN)
    campaign.status = CampaignStatus.OPEN


def pause_campaign(*, campaign: Campaign) -> bool:
    """Hold every invitation and reminder mail; respondents can still answer.

    Queued rows stay PENDING until resume_campaign(). Returns False if already held.
    """
    updated = Campaign.objects.filter(pk=campaign.pk, mail_paused=False).update(
        mail_paused=True
    )
    if updated:
        campaign.mail_paused = True
    return bool(updated)


def resume_campaign(*, campaign: Campaign) -> int:
    """Let held mail go again and enqueue the waiting rows; returns rows enqueued."""
    updated = Campaign.objects.filter(pk=campaign.pk, mail_paused=True).update(
        mail_paused=False
    )
    if not updated:
        return 0
    campaign.mail_paused = False
    if campaign.status != CampaignStatus.OPEN:
        return 0
    return _enqueue_waiting(campaign)


def _enqueue_waiting(campaign: Campaign) -> int:
    ids = list(
        Delivery.objects.filter(
            campaign=campaign, status=DeliveryStatus.PENDING
        ).values_list("pk", flat=True)
    )
    enqueue_deliveries(ids)
    return len(ids)


def suspend_campaign(*, campaign: Campaign) -> bool:
    """Suspend the questionnaire: respondents see that it is temporarily interrupted.

    Answers already given stay; campaign mail is held as well (a link to a
    suspended questionnaire helps nobody) until reopen_campaign().
    """
    updated = Campaign.objects.filter(
        pk=campaign.pk, status=CampaignStatus.OPEN
    ).update(status=CampaignStatus.PAUSED)
    if updated:
        campaign.status = CampaignStatus.PAUSED
    return bool(updated)


def reopen_campaign(*, campaign: Campaign) -> int:
    """Reopen a suspended questionnaire; returns held rows enqueued again."""
    updated = Campaign.objects.filter(
        pk=campaign.pk, status=CampaignStatus.PAUSED
    ).update(status=CampaignStatus.OPEN)
    if not updated:
        return 0
    campaign.status = CampaignStatus.OPEN
    if campaign.mail_paused:
        return 0
    return _enqueue_waiting(campaign)


def close_campaign(*, campaign: Campaign) -> None:
    """Close for good: respondents can no longer answer; unsent mail is skipped."""
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSED)
    campaign.status = CampaignStatus.CLOSED
