"""The respondent's path before the questions: the link, the besturen, forwarding.

Services here take the invitation resolved from the link; they never see the raw
token except where a new one is minted for a forwarded colleague.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from responses.answering.audit import record_event
from responses.mailing.outbox import queue_mail
from responses.mailing.tokens import find_invitation, hash_token, issue_token, link_for
from responses.models import (
    Campaign,
    CampaignStatus,
    CoverageEventKind,
    DeliveryKind,
    Invitation,
    InvitationKind,
    Response,
    ResponseStatus,
)

logger = logging.getLogger(__name__)


class LinkState(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    RATE_LIMITED = "rate_limited"


class CampaignPhase(StrEnum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


@dataclass
class LinkLookup:
    state: LinkState
    invitation: Invitation | None = None


def _rate_key(client_ip: str) -> str:
    return f"token-fail:{client_ip}"


def resolve_link(*, raw_token: str, client_ip: str) -> LinkLookup:
    """Find the invitation behind a link, counting failed lookups per client IP.

    Once an IP reached TOKEN_RATE_LIMIT failures within the window every lookup
    from it is refused, valid or not, so guessing cannot continue at a slower pace
    by interleaving a known-good link.
    """
    key = _rate_key(client_ip)
    try:
        limited = cache.get(key, 0) >= settings.TOKEN_RATE_LIMIT
    except Exception:  # noqa: BLE001 - see _count_failure
        logger.warning("rate-limit cache unavailable; link lookups not limited")
        limited = False
    if limited:
        return LinkLookup(LinkState.RATE_LIMITED)
    invitation = find_invitation(raw_token=raw_token)
    if invitation is not None:
        return LinkLookup(LinkState.OK, invitation)
    _count_failure(key)
    revoked = (
        raw_token
        and len(raw_token) <= 100
        and Invitation.objects.filter(
            token_hash=hash_token(raw_token), revoked_at__isnull=False
        ).exists()
    )
    return LinkLookup(LinkState.REVOKED if revoked else LinkState.UNKNOWN)


def _count_failure(key: str) -> None:
    # Fail open: with the cache (Redis in production) down, respondents must keep
    # answering; 256-bit tokens stay unguessable without the limit for a while
    # (tests/faults/test_redis_down.py).
    try:
        # add() creates the counter with the window as its lifetime; incr() keeps it.
        if not cache.add(key, 1, timeout=settings.TOKEN_RATE_WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=settings.TOKEN_RATE_WINDOW_SECONDS)
    except Exception:  # noqa: BLE001 - any cache backend's connection error
        logger.warning("rate-limit cache unavailable; failed lookup not counted")


def record_open(*, invitation: Invitation, now: datetime | None = None) -> None:
    now = now or timezone.now()
    Invitation.objects.filter(pk=invitation.pk, first_opened_at__isnull=True).update(
        first_opened_at=now
    )
    Invitation.objects.filter(pk=invitation.pk).update(last_opened_at=now)
    invitation.first_opened_at = invitation.first_opened_at or now
    invitation.last_opened_at = now


def campaign_phase(*, campaign: Campaign, now: datetime | None = None) -> CampaignPhase:
    now = now or timezone.now()
    if campaign.status == CampaignStatus.DRAFT or now < campaign.opens_at:
        return CampaignPhase.NOT_OPEN
    if campaign.status == CampaignStatus.CLOSED or now >= campaign.closes_at:
        return CampaignPhase.CLOSED
    if campaign.status == CampaignStatus.PAUSED:
        return CampaignPhase.PAUSED
    return CampaignPhase.OPEN


def edit_deadline(*, campaign: Campaign, response: Response | None) -> datetime:
    """Until when this response may change: a submitted one until edit_until."""
    if response is not None and response.status == ResponseStatus.SUBMITTED:
        return campaign.edit_until or campaign.closes_at
    return campaign.closes_at


def can_edit(
    *, campaign: Campaign, response: Response | None, now: datetime | None = None
) -> bool:
    now = now or timezone.now()
    if campaign.status in (CampaignStatus.DRAFT, CampaignStatus.PAUSED):
        return False
    if campaign.status == CampaignStatus.CLOSED and (
        response is None
        or response.status != ResponseStatus.SUBMITTED
        or campaign.edit_until is None
    ):
        return False
    return (
        campaign.opens_at <= now < edit_deadline(campaign=campaign, response=response)
    )


def contact_email(campaign: Campaign) -> str:
    return campaign.reply_to or campaign.sender_email


def format_deadline(moment: datetime) -> str:
    """'28 juni 2024 om 23:59' in Belgian time, JSON-safe for mail contexts."""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'j F Y')} om {local:%H:%M}"


# --- forwarding ----------------------------------------------------------------------


@dataclass
class ForwardResult:
    invitation: Invitation
    link: str
    reused: bool


def forward_invitation(
    *,
    invitation: Invitation,
    name: str,
    email: str,
    function: str = "",
    now: datetime | None = None,
) -> ForwardResult:
    """Give a colleague their own link to the same response and mail it to them.

    A colleague who already has an active invitation for this bestuur is sent that
    invitation's own link again (links are derived, so it stays the same).
    """
    with transaction.atomic():
        existing = (
            Invitation.objects.select_for_update()
            .filter(
                campaign=invitation.campaign,
                municipality=invitation.municipality,
                email__iexact=email,
                revoked_at__isnull=True,
            )
            .first()
        )
        if existing is not None:
            # Same person and bestuur: their link keeps working; mail it again.
            if existing.response_id is None:
                existing.response = invitation.response
                existing.save(update_fields=["response"])
            target, reused = existing, True
        else:
            target = Invitation.objects.create(
                campaign=invitation.campaign,
                municipality=invitation.municipality,
                response=invitation.response,
                forwarded_by=invitation,
                kind=InvitationKind.FORWARD,
                name=name,
                email=email,
                function=function,
                **issue_token(),
            )
            reused = False
        record_event(
            campaign_id=invitation.campaign_id,
            municipality_id=invitation.municipality_id,
            kind=CoverageEventKind.FORWARD,
            response=invitation.response,
            invitation=invitation,
            note=f"naar {name} <{email}>",
            now=now,
        )
        link = link_for(target)
        round_no = target.deliveries.filter(kind=DeliveryKind.FORWARD).count()
        queue_mail(
            campaign=invitation.campaign,
            kind=DeliveryKind.FORWARD,
            email=email,
            invitation=target,
            round=round_no,
            context={
                "name": name,
                "forwarded_by": invitation.name,
                "forwarded_by_email": invitation.email,
                "municipality": invitation.municipality.name,
                "campaign": invitation.campaign.name,
                "deadline": format_deadline(invitation.campaign.closes_at),
                "contact_email": contact_email(invitation.campaign),
            },
        )
    return ForwardResult(invitation=target, link=link, reused=reused)
