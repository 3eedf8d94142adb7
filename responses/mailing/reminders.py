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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Min, Q
from django.utils import timezone

from municipalities.models import Contact, ContactRole, Municipality
from responses.answering.coverage import (
    covered_municipality_ids,
    delegated_besturen,
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

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

COUNTED = [
    DeliveryStatus.PENDING,
    DeliveryStatus.SENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNCERTAIN,  # most likely delivered: spacing counts it
]


class _Clock(TypedDict):
    invited_at: datetime  # when the reminder clock started


@dataclass
class DueReminder:
    municipality_id: int
    stream: str
    round: int
    invitation: Invitation
    include_staff: bool
    # Set for a coordinator's reminder: the besturen it still answers for.
    open_besturen: list[str] = field(default_factory=list)


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


@dataclass
class _State:
    rules: dict[str, ReminderRule]
    clocks: Mapping[int, WithAnnotations[Invitation, _Clock]]
    partial: set[int]
    history: dict[int, _History]
    delegated: dict[int, list[int]] = field(default_factory=dict)
    coordinators: list[Any] = field(default_factory=list)


def _state(campaign: Campaign, now: datetime) -> _State | None:
    rules = {r.stream: r for r in campaign.reminder_rules.filter(active=True)}
    if (
        not rules
        or campaign.status != CampaignStatus.OPEN
        or campaign.mail_paused
        or now >= campaign.closes_at
    ):
        return None
    covered = covered_municipality_ids(campaign=campaign)
    partial = partial_municipality_ids(campaign=campaign)
    delegated = delegated_besturen(campaign=campaign)
    # Besturen in an unsubmitted coordinator response: the coordinator is reminded.
    covered |= {pk for ids in delegated.values() for pk in ids}
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
    clock_by_muni: dict[int, WithAnnotations[Invitation, _Clock]] = {}
    for clock in clocks:
        clock_by_muni.setdefault(clock.municipality_id, clock)
    coordinators = _coordinator_clocks(campaign, delegated)
    history = _histories(
        campaign, [inv.pk for inv in [*clock_by_muni.values(), *coordinators]]
    )
    return _State(rules, clock_by_muni, partial, history, delegated, coordinators)


def _coordinator_clocks(
    campaign: Campaign, delegated: dict[int, list[int]]
) -> list[Invitation]:
    return list(
        Invitation.objects.filter(pk__in=delegated, revoked_at__isnull=True)
        .annotate(
            invited_at=Min(
                "deliveries__sent_at",
                filter=Q(deliveries__status=DeliveryStatus.SENT),
            )
        )
        .filter(invited_at__isnull=False)
        .select_related("municipality")
        .order_by("pk")
    )


def _due_coordinators(
    coordinators, delegated, partial, rules, history, *, now, today
) -> list[DueReminder]:
    """One reminder per coordinator link, naming the besturen still open."""
    names = dict(
        Municipality.objects.filter(
            pk__in={pk for ids in delegated.values() for pk in ids}
        ).values_list("pk", "name")
    )
    due = []
    for invitation in coordinators:
        ids = delegated[invitation.pk]
        stream = (
            ReminderStream.PARTIAL
            if partial.intersection(ids)
            else ReminderStream.NOT_STARTED
        )
        rule = rules.get(stream)
        hist = history.get(invitation.pk, _History())
        if rule is not None and _is_due(
            rule, invitation.invited_at, hist, stream, now, today
        ):
            due.append(
                DueReminder(
                    invitation.municipality_id,
                    stream,
                    hist.max_round + 1,
                    invitation,
                    False,
                    sorted(names[pk] for pk in ids),
                )
            )
    return due


def due_reminders(
    *, campaign: Campaign, now: datetime | None = None
) -> list[DueReminder]:
    """Municipalities whose next reminder is due at `now` (no writes)."""
    now = now or timezone.now()
    state = _state(campaign, now)
    return _due_at(state, campaign, now) if state else []


def _due_at(state: _State, campaign: Campaign, now: datetime) -> list[DueReminder]:
    today = timezone.localtime(now).date()
    due = _due_coordinators(
        state.coordinators,
        state.delegated,
        state.partial,
        state.rules,
        state.history,
        now=now,
        today=today,
    )
    for muni_id, invitation in state.clocks.items():
        stream = stream_of(muni_id, state.partial)
        rule = state.rules.get(stream)
        hist = state.history.get(invitation.pk, _History())
        if rule is None:
            continue
        final = final_reminder_date(rule, campaign)
        is_final = _is_final_due(final, hist, stream, now, today)
        if is_final or _is_due(rule, invitation.invited_at, hist, stream, now, today):
            staff = rule.include_staff and (
                is_final
                or rule.staff_after_days is None
                or now >= invitation.invited_at + timedelta(days=rule.staff_after_days)
            )
            due.append(
                DueReminder(muni_id, stream, hist.max_round + 1, invitation, staff)
            )
    return due


@dataclass
class Upcoming:
    rule: ReminderRule
    next_date: date | None
    municipalities: int
    recipients: int


def upcoming_reminders(
    *, campaign: Campaign, now: datetime | None = None
) -> list[Upcoming]:
    """Per active rule: the next day it sends and to how many (if nothing changes).

    A forward simulation over the days until closing on data fetched once; answers
    arriving in the meantime only lower the numbers.
    """
    now = now or timezone.now()
    rules = list(campaign.reminder_rules.filter(active=True).order_by("stream"))
    state = _state(campaign, now)
    if state is None:
        return [Upcoming(rule, None, 0, 0) for rule in rules]
    staff_per_muni = _staff_counts(list(state.clocks))
    found: dict[str, Upcoming] = {}
    day = now
    while day < campaign.closes_at and len(found) < len(state.rules):
        for stream, items in _by_stream(_due_at(state, campaign, day)).items():
            if stream in found:
                continue
            staff = sum(
                staff_per_muni.get(d.municipality_id, 0)
                for d in items
                if d.include_staff
            )
            found[stream] = Upcoming(
                state.rules[stream],
                timezone.localtime(day).date(),
                len(items),
                len(items) + staff,
            )
        # Beat ticks all day: due by the end of a day means sent that day.
        end_of_day = timezone.localtime(day).replace(
            hour=23, minute=59, second=59, microsecond=999999
        )
        day = end_of_day if day < end_of_day else end_of_day + timedelta(days=1)
    return [found.get(rule.stream) or Upcoming(rule, None, 0, 0) for rule in rules]


def _by_stream(due: list[DueReminder]) -> dict[str, list[DueReminder]]:
    grouped: dict[str, list[DueReminder]] = defaultdict(list)
    for item in due:
        grouped[item.stream].append(item)
    return grouped


def _staff_counts(municipality_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for muni_id in (
        Contact.objects.filter(
            municipality_id__in=municipality_ids, active=True, email_bad=False
        )
        .exclude(role=ContactRole.MAYOR)
        .values_list("municipality_id", flat=True)
    ):
        counts[muni_id] += 1
    return counts


def final_reminder_date(rule: ReminderRule, campaign: Campaign) -> date | None:
    """The day of the rule's last-call reminder (N days before closing), if any."""
    if rule.final_days_before_close is None:
        return None
    closes = timezone.localtime(campaign.closes_at).date()
    return closes - timedelta(days=rule.final_days_before_close)


def _is_final_due(
    final: date | None, hist: _History, stream: str, now: datetime, today: date
) -> bool:
    # The last call goes out once, whatever max_count, but never twice in a day.
    if final is None or today < final:
        return False
    if hist.last_at and now < hist.last_at + timedelta(days=1):
        return False
    last = hist.last_in_stream.get(stream)
    return last is None or timezone.localtime(last).date() < final


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
        else list(
            Campaign.objects.filter(status=CampaignStatus.OPEN, test_of__isnull=True)
        )
    )
    result: dict[str, Any] = {
        "campaigns": 0,
        "municipalities": 0,
        "queued": 0,
        "due": [],
    }
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
    pairs = [
        (item, invitation)
        for item in due
        for invitation in [
            item.invitation,
            *(staff.get(item.municipality_id, []) if item.include_staff else []),
        ]
    ]
    invited = invited_ids(campaign, [inv.pk for _, inv in pairs])
    rows = [
        first_or_reminder(
            campaign,
            invitation,
            invited=invited,
            round=item.round,
            stream=item.stream,
            now=now,
        )
        for item, invitation in pairs
    ]
    for row, (item, _) in zip(rows, pairs, strict=True):
        if item.open_besturen and row.kind == DeliveryKind.REMINDER:
            row.context = {
                "template_kind": "reminder_coordinator",
                "open_besturen": ", ".join(item.open_besturen),
            }
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    ids = list(
        Delivery.objects.filter(
            campaign=campaign,
            kind__in=[DeliveryKind.REMINDER, DeliveryKind.INVITATION],
            status=DeliveryStatus.PENDING,
        ).values_list("pk", flat=True)
    )
    enqueue_deliveries(ids)
    return len(rows)


def invited_ids(campaign: Campaign, invitation_ids: list[int]) -> set[int]:
    """Invitations whose invitation mail is queued, sent or failed (not skipped)."""
    return set(
        Delivery.objects.filter(
            campaign=campaign,
            kind=DeliveryKind.INVITATION,
            invitation_id__in=invitation_ids,
            status__in=COUNTED,
        ).values_list("invitation_id", flat=True)
    )


def first_or_reminder(
    campaign: Campaign,
    invitation: Invitation,
    *,
    invited: set[int],
    round: int,  # noqa: A002 - the Delivery field
    stream: str,
    now: datetime,
) -> Delivery:
    """A reminder row, or the invitation itself for someone never invited.

    A "Herinnering" as the first mail confuses a contact who never got the link.
    """
    if invitation.pk not in invited:
        return Delivery(
            campaign=campaign,
            invitation=invitation,
            kind=DeliveryKind.INVITATION,
            round=0,
            email=invitation.email,
        )
    return Delivery(
        campaign=campaign,
        invitation=invitation,
        kind=DeliveryKind.REMINDER,
        round=round,
        stream=stream,
        email=invitation.email,
        planned_at=now,
    )


def _staff_invitations(
    campaign: Campaign, municipality_ids: list[int]
) -> dict[int, list]:
    """Active staff contacts get their own invitation (own link, same municipality)."""
    if not municipality_ids:
        return {}
    contacts = Contact.objects.filter(
        municipality_id__in=municipality_ids, active=True, email_bad=False
    ).exclude(role=ContactRole.MAYOR)
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


def add_default_reminder_rules(*, campaign: Campaign) -> int:
    """A sensible schedule for a new campaign; existing rules are left alone.

    Mayors after 14 days, staff join from day 21, then weekly (at most twice), and
    a last call to everyone still open 3 days before closing. Returns rules created.
    """
    created = 0
    for stream in ReminderStream.values:
        _, new = ReminderRule.objects.get_or_create(
            campaign=campaign,
            stream=stream,
            defaults={
                "first_after_days": 14,
                "interval_days": 7,
                "min_days_between": 5,
                "max_count": 2,
                "include_staff": True,
                "staff_after_days": 21,
                "final_days_before_close": 3,
            },
        )
        created += new
    return created
