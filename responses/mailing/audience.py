"""Staff-chosen reminders: who would get a mail, and queueing exactly that.

plan_reminders() is a read: the preview page shows its counts, recipient list and
one rendered mail, and the confirmation states its total. send_reminders() (run by
a task, never in the request) recomputes the plan and queues it. A contact that
never got an invitation mail receives the invitation, not a "Herinnering".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from municipalities.models import Contact, ContactRole, Municipality
from municipalities.queries import current_municipalities
from responses.answering.coverage import (
    covered_municipality_ids,
    partial_municipality_ids,
)
from responses.mailing.outbox import enqueue_deliveries
from responses.mailing.reminders import first_or_reminder, invited_ids, stream_of
from responses.mailing.tokens import issue_token
from responses.models import (
    Campaign,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Invitation,
    InvitationKind,
    ReminderStream,
)


class Audience:
    MAYORS = "mayors"
    STAFF = "staff"
    COORDINATORS = "coordinators"
    choices = [
        (MAYORS, "Burgemeesters"),
        (STAFF, "Medewerkers (per rol)"),
        (COORDINATORS, "Intergemeentelijk coördinatoren"),
    ]


class Progress:
    OPEN = "open"
    NOT_STARTED = ReminderStream.NOT_STARTED
    PARTIAL = ReminderStream.PARTIAL
    choices = [
        (OPEN, "Alle gemeenten zonder ingediend antwoord"),
        (NOT_STARTED, "Nog niet gestart"),
        (PARTIAL, "Gestart maar niet ingediend"),
    ]


@dataclass(frozen=True)
class Selection:
    """What staff picked; plain values only, so a task can carry it as JSON."""

    audiences: tuple[str, ...] = (Audience.MAYORS,)
    progress: str = Progress.OPEN
    province_ids: tuple[int, ...] = ()
    cluster_types: tuple[str, ...] = ()
    municipality_ids: tuple[int, ...] = ()
    staff_roles: tuple[str, ...] = ()  # empty: every role except the mayor

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Selection:
        values: dict[str, Any] = {
            key: tuple(value) if isinstance(value, list) else value
            for key, value in data.items()
        }
        return cls(**values)


@dataclass
class Recipient:
    municipality: Municipality
    audience: str
    name: str
    email: str
    kind: str  # DeliveryKind.INVITATION or REMINDER
    stream: str
    invitation: Invitation | None = None
    contact: Contact | None = None


@dataclass
class Plan:
    recipients: list[Recipient] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.recipients)

    @property
    def municipality_count(self) -> int:
        return len({r.municipality.pk for r in self.recipients})

    def counts(self) -> list[dict]:
        """Per audience: label, invitations, reminders, total (for the preview)."""
        rows = []
        for value, label in Audience.choices:
            mine = [r for r in self.recipients if r.audience == value]
            invitations = sum(1 for r in mine if r.kind == DeliveryKind.INVITATION)
            rows.append(
                {
                    "audience": value,
                    "label": label,
                    "invitations": invitations,
                    "reminders": len(mine) - invitations,
                    "total": len(mine),
                }
            )
        return rows


def selected_municipalities(
    *, campaign: Campaign, selection: Selection
) -> tuple[list[Municipality], set[int]]:
    """Open (not covered) municipalities matching the selection, and partial ids."""
    covered = covered_municipality_ids(campaign=campaign)
    partial = partial_municipality_ids(campaign=campaign)
    qs = current_municipalities()  # with province and cluster
    if selection.province_ids:
        qs = qs.filter(province_id__in=selection.province_ids)
    if selection.cluster_types:
        qs = qs.filter(cluster__type__in=selection.cluster_types)
    if selection.municipality_ids:
        qs = qs.filter(pk__in=selection.municipality_ids)
    munis = []
    for muni in qs.exclude(pk__in=covered).order_by("name"):
        stream = stream_of(muni.pk, partial)
        if selection.progress in (Progress.OPEN, stream):
            munis.append(muni)
    return munis, partial


def plan_reminders(*, campaign: Campaign, selection: Selection) -> Plan:
    """Every mail a confirmed send would queue, in a constant number of queries."""
    munis, partial = selected_municipalities(campaign=campaign, selection=selection)
    by_pk = {m.pk: m for m in munis}
    invitations = list(
        Invitation.objects.filter(
            campaign=campaign, revoked_at__isnull=True, municipality_id__in=by_pk
        ).select_related("contact")
    )
    contact_invitation = {i.contact_id: i for i in invitations if i.contact_id}
    recipients: list[Recipient] = []
    seen: set[tuple[str, int]] = set()

    def add(muni_id, audience, name, email, invitation=None, contact=None):
        key = (email.lower(), muni_id)
        if key in seen:
            return
        seen.add(key)
        recipients.append(
            Recipient(
                municipality=by_pk[muni_id],
                audience=audience,
                name=name,
                email=email,
                kind=DeliveryKind.INVITATION,
                stream=stream_of(muni_id, partial),
                invitation=invitation,
                contact=contact,
            )
        )

    if Audience.MAYORS in selection.audiences or Audience.STAFF in selection.audiences:
        contacts = Contact.objects.filter(
            municipality_id__in=by_pk, active=True, email_bad=False
        ).order_by("municipality__name", "name")
        for contact in contacts:
            audience = (
                Audience.MAYORS if contact.role == ContactRole.MAYOR else Audience.STAFF
            )
            if audience not in selection.audiences:
                continue
            if (
                audience == Audience.STAFF
                and selection.staff_roles
                and contact.role not in selection.staff_roles
            ):
                continue
            invitation = contact_invitation.get(contact.pk)
            add(
                contact.municipality_id,
                audience,
                contact.name,
                invitation.email if invitation else contact.email,
                invitation=invitation,
                contact=contact,
            )
    if Audience.COORDINATORS in selection.audiences:
        for invitation in invitations:
            if invitation.kind == InvitationKind.COORDINATOR:
                add(
                    invitation.municipality_id,
                    Audience.COORDINATORS,
                    invitation.name,
                    invitation.email,
                    invitation=invitation,
                )
    invited = invited_ids(
        campaign, [r.invitation.pk for r in recipients if r.invitation]
    )
    for recipient in recipients:
        if recipient.invitation and recipient.invitation.pk in invited:
            recipient.kind = DeliveryKind.REMINDER
    return Plan(recipients=recipients)


def send_reminders(
    *, campaign: Campaign, selection: Selection, now: datetime | None = None
) -> int:
    """Queue the mails of plan_reminders() now; returns the number of rows queued.

    Idempotent per click only through the Delivery key: each call is a new reminder
    round, so the confirmation page (not this service) guards against double sends.
    """
    now = now or timezone.now()
    plan = plan_reminders(campaign=campaign, selection=selection)
    _invite_contacts(campaign, [r for r in plan.recipients if r.invitation is None])
    invitations = [_invited(r) for r in plan.recipients]
    invitation_ids = [invitation.pk for invitation in invitations]
    invited = invited_ids(campaign, invitation_ids)
    rounds = dict(
        Delivery.objects.filter(
            kind=DeliveryKind.REMINDER, invitation_id__in=invitation_ids
        )
        .values("invitation_id")
        .annotate(last=Max("round"))
        .values_list("invitation_id", "last")
    )
    rows = [
        first_or_reminder(
            campaign,
            invitation,
            invited=invited,
            round=rounds.get(invitation.pk, 0) + 1,
            stream=r.stream,
            now=now,
        )
        for r, invitation in zip(plan.recipients, invitations, strict=True)
    ]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    ids = list(
        Delivery.objects.filter(
            Q(kind=DeliveryKind.INVITATION) | Q(kind=DeliveryKind.REMINDER),
            invitation_id__in=invitation_ids,
            status=DeliveryStatus.PENDING,
        ).values_list("pk", flat=True)
    )
    enqueue_deliveries(ids)
    return len(rows)


def _invited(recipient: Recipient) -> Invitation:
    """The recipient's invitation, which _invite_contacts() has filled in."""
    if recipient.invitation is None:
        raise ValueError(f"no invitation for {recipient.email}")
    return recipient.invitation


def _invite_contacts(campaign: Campaign, recipients: list[Recipient]) -> None:
    """Give contacts without an invitation their own link (fills r.invitation)."""
    if not recipients:
        return
    Invitation.objects.bulk_create(
        [
            Invitation(
                campaign=campaign,
                municipality_id=r.municipality.pk,
                contact=r.contact,
                kind=(
                    InvitationKind.MAYOR
                    if r.audience == Audience.MAYORS
                    else InvitationKind.STAFF
                ),
                name=r.name,
                email=r.email,
                function=r.contact.function if r.contact else "",
                **issue_token(),
            )
            for r in recipients
        ],
        ignore_conflicts=True,
    )
    by_key: dict[tuple[str, int], Invitation] = {}
    for invitation in Invitation.objects.filter(
        campaign=campaign,
        revoked_at__isnull=True,
        municipality_id__in={r.municipality.pk for r in recipients},
    ):
        by_key[(invitation.email.lower(), invitation.municipality_id)] = invitation
    for r in recipients:
        r.invitation = by_key[(r.email.lower(), r.municipality.pk)]
