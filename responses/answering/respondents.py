"""The respondent's path before the questions: the link, the besturen, forwarding.

Services here take the invitation resolved from the link; they never see the raw
token except where a new one is minted for a forwarded colleague.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Model, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format

from responses.answering.audit import record_event
from responses.mailing.budgets import record_refusal
from responses.mailing.outbox import queue_mail
from responses.mailing.tokens import find_invitation, hash_token, issue_token, link_for
from responses.models import (
    Campaign,
    CampaignStatus,
    CoverageEventKind,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Invitation,
    InvitationKind,
    Response,
    ResponseStatus,
)
from surveys.models import Instrument

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


GLOBAL_RATE_KEY = "token-fail:*"


def _rate_key(client_ip: str) -> str:
    return f"token-fail:{client_ip}"


def autosave_invitation(token_hash: str) -> Invitation | None:
    """The invitation behind a token hash, with only what an autosave reads: may the
    response change (campaign dates and status, response status) and the
    instrument's cache key. The bestuur and the texts every page shows stay behind.

    On PostgreSQL one hand-written query: compiling the ORM's join of four models
    cost more than running it. Touching another field of these rows costs a query.
    """
    if connection.vendor != "postgresql":
        return (
            Invitation.objects.select_related("campaign__instrument", "response")
            .only(*_AUTOSAVE_FIELDS)
            .filter(token_hash=token_hash)
            .first()
        )
    with connection.cursor() as cursor:
        cursor.execute(_AUTOSAVE_LINK, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, token_hash, revoked_at, campaign_id, response_id, status, opens_at = row[:7]
    closes_at, edit_until, instrument_id, sha256, created_at = row[7:12]
    invitation = _loaded(
        Invitation,
        id=pk,
        token_hash=token_hash,
        revoked_at=revoked_at,
        campaign_id=campaign_id,
        response_id=response_id,
    )
    invitation.campaign = _loaded(
        Campaign,
        id=campaign_id,
        status=status,
        opens_at=opens_at,
        closes_at=closes_at,
        edit_until=edit_until,
        instrument_id=instrument_id,
    )
    invitation.campaign.instrument = _loaded(
        Instrument, id=instrument_id, source_sha256=sha256, created_at=created_at
    )
    invitation.response = (
        None
        if response_id is None
        else _loaded(Response, id=response_id, status=row[12], campaign_id=row[13])
    )
    return invitation


def _loaded[M: Model](model: type[M], **values: Any) -> M:
    """A model instance from some of its columns (the others load on first use)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[n] for n in names])


_AUTOSAVE_FIELDS = (
    "token_hash",
    "revoked_at",
    "campaign__status",
    "campaign__opens_at",
    "campaign__closes_at",
    "campaign__edit_until",
    "campaign__instrument__source_sha256",
    "campaign__instrument__created_at",
    "response__campaign_id",
    "response__status",
)
_AUTOSAVE_LINK = """
SELECT i.id, i.token_hash, i.revoked_at, i.campaign_id, i.response_id,
       c.status, c.opens_at, c.closes_at, c.edit_until, c.instrument_id,
       s.source_sha256, s.created_at, r.status, r.campaign_id
FROM responses_invitation i
JOIN responses_campaign c ON c.id = i.campaign_id
JOIN surveys_instrument s ON s.id = c.instrument_id
LEFT JOIN responses_response r ON r.id = i.response_id
WHERE i.token_hash = %s
"""


def resolve_link(
    *,
    raw_token: str,
    client_ip: str,
    lookup: Callable[[str], Invitation | None] | None = None,
) -> LinkLookup:
    """Find the invitation behind a link, limiting failed lookups.

    Failures are counted per client address and over all addresses. Past either
    limit an unknown link answers RATE_LIMITED, but a valid link always opens: a
    municipality's shared NAT or the reverse proxy must not let one attacker lock
    out every respondent behind it. Letting valid links through leaks nothing
    useful, since a guess hits one of 2^256 tokens; the limit is there to stop
    scanners and to make a guessing run visible (docs/security.md).
    `lookup` narrows what is loaded with the invitation (find_invitation).
    """
    invitation = find_invitation(raw_token=raw_token, lookup=lookup)
    if invitation is not None:
        return LinkLookup(LinkState.OK, invitation)
    key = _rate_key(client_ip)
    limited = _over_limit(key, settings.TOKEN_RATE_LIMIT) or _over_limit(
        GLOBAL_RATE_KEY, settings.TOKEN_GLOBAL_RATE_LIMIT
    )
    _count_failure(key)
    _count_failure(GLOBAL_RATE_KEY)
    if limited:
        return LinkLookup(LinkState.RATE_LIMITED)
    revoked = (
        raw_token
        and len(raw_token) <= 100
        and Invitation.objects.filter(
            token_hash=hash_token(raw_token), revoked_at__isnull=False
        ).exists()
    )
    return LinkLookup(LinkState.REVOKED if revoked else LinkState.UNKNOWN)


def _over_limit(key: str, limit: int) -> bool:
    try:
        return cache.get(key, 0) >= limit
    except Exception:  # noqa: BLE001 - see _count_failure
        logger.warning("rate-limit cache unavailable; link lookups not limited")
        return False


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


# Page views closer together than this are one visit: record_open writes once per
# visit, not on every page (docs/respondent.md, "Opened").
VISIT_GAP = timedelta(minutes=30)


def record_open(*, invitation: Invitation, now: datetime | None = None) -> None:
    """Note that the link was opened: first_opened_at once, last_opened_at per visit.

    last_opened_at is the start of the respondent's latest visit, to within
    VISIT_GAP: a page view within VISIT_GAP of the recorded open writes nothing.
    The check runs on the row the link lookup already read, so most page views cost
    no query; the UPDATE repeats the check, so two concurrent page views write once.
    """
    now = now or timezone.now()
    last = invitation.last_opened_at
    if last is not None and last > now - VISIT_GAP:
        return
    Invitation.objects.filter(
        Q(last_opened_at__isnull=True) | Q(last_opened_at__lte=now - VISIT_GAP),
        pk=invitation.pk,
    ).update(
        first_opened_at=Coalesce(F("first_opened_at"), Value(now)),
        last_opened_at=now,
    )
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


class ForwardRefused(Exception):
    """Forwarding is not allowed now; the message is shown to the respondent."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


def forward_invitation(
    *,
    invitation: Invitation,
    name: str,
    email: str,
    function: str = "",
    message: str = "",
    now: datetime | None = None,
) -> ForwardResult:
    """Give a colleague their own link to the same response and mail it to them.

    A colleague who already has an active invitation for this bestuur is sent that
    invitation's own link again (links are derived, so it stays the same). Refused
    (ForwardRefused, nothing written) once the campaign is closed or paused, and past
    FORWARD_LIMIT_PER_HOUR / FORWARD_LIMIT_PER_CAMPAIGN forwards by this invitation.
    """
    now = now or timezone.now()
    if campaign_phase(campaign=invitation.campaign, now=now) != CampaignPhase.OPEN:
        raise ForwardRefused(
            "Doorsturen kan niet meer: de bevraging is afgesloten of gepauzeerd.",
            status=403,
        )
    with transaction.atomic():
        # The lock serialises one invitation's forwards, so the counts below hold.
        Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
        why = _forward_limit_reached(invitation=invitation, now=now)
        if not why:
            return _forward(
                invitation=invitation,
                name=name,
                email=email,
                function=function,
                message=message,
            )
    # Outside the transaction: the refusal is recorded for the staff page.
    record_refusal(
        campaign=invitation.campaign,
        invitation=invitation,
        kind=DeliveryKind.FORWARD,
        email=email,
        why=f"doorsturen door deze uitnodiging, {why}",
    )
    raise ForwardRefused(
        f"U stuurde de vragenlijst al vaak door ({why}). Probeer het later opnieuw "
        f"of mail {contact_email(invitation.campaign)}.",
        status=429,
    )


def _forward(
    *, invitation: Invitation, name: str, email: str, function: str, message: str
) -> ForwardResult:
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
            # Counted by _forward_limit_reached: the forwarder's budget.
            "forwarded_by_id": invitation.pk,
            "note": message.strip(),
            "note_lines": message.strip().splitlines(),
            "forwarded_by": invitation.name,
            "forwarded_by_email": invitation.email,
            "municipality": invitation.municipality.name,
            "campaign": invitation.campaign.name,
            "deadline": format_deadline(invitation.campaign.closes_at),
            "contact_email": contact_email(invitation.campaign),
        },
    )
    return ForwardResult(invitation=target, link=link, reused=reused)


def _forward_limit_reached(*, invitation: Invitation, now: datetime) -> str:
    """Which forward limit of this invitation is used up ("" when none)."""
    sent = Delivery.objects.filter(
        kind=DeliveryKind.FORWARD,
        campaign=invitation.campaign,
        context__forwarded_by_id=invitation.pk,
    ).exclude(status=DeliveryStatus.SKIPPED)
    per_hour = settings.FORWARD_LIMIT_PER_HOUR
    if sent.filter(created_at__gte=now - timedelta(hours=1)).count() >= per_hour:
        return f"{per_hour} per uur"
    per_campaign = settings.FORWARD_LIMIT_PER_CAMPAIGN
    if sent.count() >= per_campaign:
        return f"{per_campaign} per bevraging"
    return ""
