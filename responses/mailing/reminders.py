"""Reminders: who is due now, per the campaign's ReminderRule rows.

The mayor invitation of a municipality is its clock: reminders count from the day its
invitation mail was sent, and its reminder history (per stream) decides max_count,
min_days_between and the interval. Staff contacts of the municipality get the same
round when the rule includes staff. The plan is computed in a constant number of
queries; the Delivery unique key (invitation, kind, round) makes queueing idempotent,
so beat, cron and a manual command can all run send_due_reminders() at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Min, Q
from django.utils import timezone

from municipalities.models import Contact, ContactRole
from responses.answering.coverage import (
    covered_municipality_ids,
    partial_municipality_ids,
)
from responses.mailing.outbox import enqueue_deliveries
from responses.mailing.sending import recover_deliveries
from responses.mailing.tokens import issue_token
from responses.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Invitation,
    InvitationKind,
    ReminderRule,
    ReminderStream,
)

COUNTED = [
    DeliveryStatus.PENDING,
    DeliveryStatus.SENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNCERTAIN,  # most likely delivered: spacing counts it
]


@dataclass
class DueReminder:
    municipality_id: int
    stream: str
    round: int
    invitation: Invitation
    include_staff: bool


@dataclass
class _History:
    per_stream: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    last_at: datetime | None = None
    last_in_stream: dict[str, datetime] = field(default_factory=dict)
    max_round: int = 0


def _rule_dates(rule: ReminderRule) -> list[date]:
    dates = []
    for raw in rule.send_on or []:
        try:
            dates.append(date.fromisoformat(str(raw)))
        except ValueError:
            continue
    return sorted(dates)


def stream_of(municipality_id: int, partial: set[int]) -> str:
    if municipality_id in partial:
        return ReminderStream.PARTIAL
    return ReminderStream.NOT_STARTED


def due_reminders(
    *, campaign: Campaign, now: datetime | None = None
) -> list[DueReminder]:
    """Municipalities whose next reminder is due at `now` (no writes)."""
    now = now or timezone.now()
    rules = {r.stream: r for r in campaign.reminder_rules.filter(active=True)}
    if not rules or campaign.status != CampaignStatus.OPEN or now >= campaign.closes_at:
        return []
    covered = covered_municipality_ids(campaign=campaign)
    partial = partial_municipality_ids(campaign=campaign)
    clocks = (
        Invitation.objects.filter(
            campaign=campaign,
            kind=InvitationKind.MAYOR,
            revoked_at__isnull=True,
            municipality__valid_to__isnull=True,
        )
        .exclude(municipality_id__in=covered)
        .annotate(
            invited_at=Min(
                "deliveries__sent_at",
                filter=Q(
                    deliveries__kind=DeliveryKind.INVITATION,
                    deliveries__status=DeliveryStatus.SENT,
                ),
            )
        )
        .filter(invited_at__isnull=False)
        .select_related("municipality")
        .order_by("municipality_id", "pk")
    )
    clock_by_muni: dict[int, Invitation] = {}
    for invitation in clocks:
        clock_by_muni.setdefault(invitation.municipality_id, invitation)
    history = _histories(campaign, [inv.pk for inv in clock_by_muni.values()])
    today = timezone.localtime(now).date()
    due = []
    for muni_id, invitation in clock_by_muni.items():
        stream = stream_of(muni_id, partial)
        rule = rules.get(stream)
        hist = history.get(invitation.pk, _History())
        if rule is not None and _is_due(
            rule, invitation.invited_at, hist, stream, now, today
        ):
            due.append(
                DueReminder(
                    muni_id, stream, hist.max_round + 1, invitation, rule.include_staff
                )
            )
    return due


def _histories(campaign: Campaign, invitation_ids: list[int]) -> dict[int, _History]:
    history: dict[int, _History] = defaultdict(_History)
    rows = Delivery.objects.filter(
        campaign=campaign,
        kind=DeliveryKind.REMINDER,
        invitation_id__in=invitation_ids,
        status__in=COUNTED,
    ).values_list("invitation_id", "stream", "round", "planned_at", "created_at")
    for invitation_id, stream, round_, planned_at, created_at in rows:
        created_at = planned_at or created_at
        hist = history[invitation_id]
        hist.per_stream[stream] += 1
        hist.max_round = max(hist.max_round, round_)
        hist.last_at = max(filter(None, [hist.last_at, created_at]))
        hist.last_in_stream[stream] = max(
            filter(None, [hist.last_in_stream.get(stream), created_at])
        )
    return history


def _is_due(
    rule: ReminderRule,
    invited_at: datetime,
    hist: _History,
    stream: str,
    now: datetime,
    today: date,
) -> bool:
    sent_in_stream = hist.per_stream.get(stream, 0)
    if sent_in_stream >= rule.max_count:
        return False
    if now < invited_at + timedelta(days=rule.first_after_days):
        return False
    # At most one reminder a day, whatever the rule says: a double tick is a no-op.
    spacing = timedelta(days=max(rule.min_days_between, 1))
    if hist.last_at and now < hist.last_at + spacing:
        return False
    dates = _rule_dates(rule)
    if dates:
        # One reminder per fixed date that has passed.
        return sent_in_stream < sum(1 for d in dates if d <= today)
    last = hist.last_in_stream.get(stream)
    interval = max(rule.interval_days or rule.min_days_between, 1)
    return last is None or now >= last + timedelta(days=interval)


def send_due_reminders(
    *,
    campaign: Campaign | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> dict:
    """Queue every due reminder (mayor + staff) and recover lost deliveries.

    Returns {"campaigns": n, "municipalities": n, "queued": n, "recovered": {...}}.
    """
    now = now or timezone.now()
    campaigns = (
        [campaign]
        if campaign is not None
        else list(Campaign.objects.filter(status=CampaignStatus.OPEN))
    )
    result = {"campaigns": 0, "municipalities": 0, "queued": 0, "due": []}
    for item in campaigns:
        due = due_reminders(campaign=item, now=now)
        result["campaigns"] += 1
        result["municipalities"] += len(due)
        result["due"] += [
            (item.slug, d.invitation.municipality.name, d.stream) for d in due
        ]
        if not dry_run and due:
            result["queued"] += _queue(item, due, now=now)
    if not dry_run:
        result["recovered"] = recover_deliveries(now=now)
    return result


def _queue(campaign: Campaign, due: list[DueReminder], *, now: datetime) -> int:
    staff = _staff_invitations(
        campaign, [d.municipality_id for d in due if d.include_staff]
    )
    rows = []
    for item in due:
        recipients = [
            item.invitation,
            *(staff.get(item.municipality_id, []) if item.include_staff else []),
        ]
        rows += [
            Delivery(
                campaign=campaign,
                invitation=invitation,
                kind=DeliveryKind.REMINDER,
                round=item.round,
                stream=item.stream,
                email=invitation.email,
                planned_at=now,
            )
            for invitation in recipients
        ]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    ids = list(
        Delivery.objects.filter(
            campaign=campaign, kind=DeliveryKind.REMINDER, status=DeliveryStatus.PENDING
        ).values_list("pk", flat=True)
    )
    enqueue_deliveries(ids)
    return len(rows)


def _staff_invitations(
    campaign: Campaign, municipality_ids: list[int]
) -> dict[int, list]:
    """Active staff contacts get their own invitation (own link, same municipality)."""
    if not municipality_ids:
        return {}
    contacts = Contact.objects.filter(
        municipality_id__in=municipality_ids,
        role=ContactRole.STAFF,
        active=True,
        email_bad=False,
    )
    Invitation.objects.bulk_create(
        [
            Invitation(
                campaign=campaign,
                municipality_id=c.municipality_id,
                contact=c,
                kind=InvitationKind.STAFF,
                name=c.name,
                email=c.email,
                function=c.function,
                **issue_token(),
            )
            for c in contacts
        ],
        ignore_conflicts=True,
    )
    by_muni: dict[int, list] = defaultdict(list)
    for invitation in Invitation.objects.filter(
        campaign=campaign,
        kind=InvitationKind.STAFF,
        revoked_at__isnull=True,
        municipality_id__in=municipality_ids,
        contact__active=True,
        contact__email_bad=False,
    ):
        by_muni[invitation.municipality_id].append(invitation)
    return by_muni
