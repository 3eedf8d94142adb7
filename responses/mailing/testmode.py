"""Test mode: staff open a campaign as a respondent without touching its numbers.

Each real campaign gets at most one shadow campaign (`test_of`) on the same
instrument: the same pages and branching, its own invitations and responses. The
real campaign's coverage, results, exports and reminders only ever read their own
campaign, so test answers cannot leak into them; the shadow is hidden from the
staff lists and from the reminder tick, and its campaign mail is held for good.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from municipalities.models import Municipality
from responses.mailing.tokens import issue_token, link_for
from responses.models import Campaign, CampaignStatus, Invitation, InvitationKind

TEST_DAYS = 30


def test_campaign_for(*, campaign: Campaign) -> Campaign:
    """The shadow campaign of `campaign`, created open (and kept open) on demand."""
    now = timezone.now()
    shadow, _ = Campaign.objects.get_or_create(
        test_of=campaign,
        defaults={
            "instrument": campaign.instrument,
            "name": f"TEST — {campaign.name}",
            "slug": f"{campaign.slug[:54]}-test",
            "status": CampaignStatus.OPEN,
            "mail_paused": True,
            "opens_at": now - timedelta(minutes=1),
            "closes_at": now + timedelta(days=TEST_DAYS),
            "sender_name": campaign.sender_name,
            "sender_email": campaign.sender_email,
            "reply_to": campaign.reply_to,
        },
    )
    if shadow.closes_at < now + timedelta(days=1) or shadow.status != "open":
        Campaign.objects.filter(pk=shadow.pk).update(
            status=CampaignStatus.OPEN,
            mail_paused=True,
            closes_at=now + timedelta(days=TEST_DAYS),
        )
        shadow.refresh_from_db()
    return shadow


def open_test_link(*, campaign: Campaign, municipality: Municipality, user) -> str:
    """A fresh personal test link for `user` answering for `municipality`."""
    with transaction.atomic():
        shadow = test_campaign_for(campaign=campaign)
        invitation = Invitation.objects.filter(
            campaign=shadow,
            municipality=municipality,
            email=user.email or f"{user.get_username()}@test.invalid",
            revoked_at__isnull=True,
        ).first() or Invitation.objects.create(
            campaign=shadow,
            municipality=municipality,
            kind=InvitationKind.MAYOR,
            name=user.get_full_name() or user.get_username(),
            email=user.email or f"{user.get_username()}@test.invalid",
            function="Test (VVSG)",
            **issue_token(),
        )
    return link_for(invitation)


def reset_test_campaign(*, campaign: Campaign) -> int:
    """Delete every test response, link and mail of `campaign`; returns responses."""
    shadow = Campaign.objects.filter(test_of=campaign).first()
    if shadow is None:
        return 0
    with transaction.atomic():
        count = shadow.responses.count()
        shadow.invitations.all().delete()
        shadow.deliveries.all().delete()
        shadow.responses.all().delete()
    return count
