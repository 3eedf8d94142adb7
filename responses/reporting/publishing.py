"""Publishing a campaign's results to the members, and withdrawing them (issue 17).

Publishing shows every participating bestuur its local mirror (/b/<token>/spiegel/)
and opens the member results page; it queues one "uw resultaten" mail per
participating bestuur through queue_mail, the same Delivery machinery, logs and
worker as invitations. The Delivery is unique per (invitation, kind, round), so
publishing twice, or again after a withdrawal, never mails a bestuur twice.
Withdrawing hides everything at once: the pages check the row on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from responses.mailing.outbox import queue_mail
from responses.models import (
    Campaign,
    DeliveryKind,
    Invitation,
    InvitationKind,
    ResultsPublication,
)

from .results.data import campaign_spec, load_directory, load_records

RESULTS_ROUND = 0


def is_published(campaign: Campaign) -> bool:
    return ResultsPublication.objects.filter(
        campaign=campaign, published_at__isnull=False, withdrawn_at__isnull=True
    ).exists()


def participating_ids(campaign: Campaign) -> set[int]:
    """Municipalities covered by a respondent: the results' own rule (a response
    with a visible answer, or submitted), so no bestuur is mailed its results to
    find a mirror that says it did not take part (an answer only to a question
    the branching hides does not count)."""
    records = load_records(
        campaign, directory=load_directory(), spec=campaign_spec(campaign)
    )
    return {b.id for record in records if record.is_respondent for b in record.besturen}


def _rank(invitation: Invitation) -> tuple:
    # The mayor's link first (the mirror is the bestuur's), then the link that
    # answered, then the oldest.
    return (
        invitation.kind != InvitationKind.MAYOR,
        invitation.response_id is None,
        invitation.pk,
    )


def results_recipients(campaign: Campaign) -> list[Invitation]:
    """One active invitation per participating bestuur."""
    ids = participating_ids(campaign)
    chosen: dict[int, Invitation] = {}
    invitations = Invitation.objects.filter(
        campaign=campaign, municipality_id__in=ids, revoked_at__isnull=True
    ).select_related("municipality")
    for invitation in invitations:
        current = chosen.get(invitation.municipality_id)
        if current is None or _rank(invitation) < _rank(current):
            chosen[invitation.municipality_id] = invitation
    return sorted(chosen.values(), key=lambda inv: inv.municipality.name)


@dataclass(frozen=True)
class Published:
    queued: int  # Delivery rows that are new or still pending


@transaction.atomic
def publish_results(
    *, campaign: Campaign, user, now: datetime | None = None
) -> Published:
    now = now or timezone.now()
    publication, _ = ResultsPublication.objects.select_for_update().get_or_create(
        campaign=campaign
    )
    publication.published_at = now
    publication.published_by = user
    publication.withdrawn_at = None
    publication.withdrawn_by = None
    publication.save()
    queued = 0
    for invitation in results_recipients(campaign):
        delivery = queue_mail(
            campaign=campaign,
            kind=DeliveryKind.RESULTS,
            email=invitation.email,
            invitation=invitation,
            round=RESULTS_ROUND,
        )
        queued += delivery.status == "pending"
    return Published(queued)


@transaction.atomic
def withdraw_results(*, campaign: Campaign, user, now: datetime | None = None) -> bool:
    """Hide the results again; False when they were not published."""
    changed = ResultsPublication.objects.filter(
        campaign=campaign, published_at__isnull=False, withdrawn_at__isnull=True
    ).update(withdrawn_at=now or timezone.now(), withdrawn_by=user)
    return bool(changed)
