"""Who is covered, who is missing, and the response-rate numbers of a campaign.

A municipality is *covered* when a submitted response speaks for it, or when an
intermunicipal coordinator's response (submitted or not) includes it: reminders skip
both. Everything here is a constant number of queries, whatever the number of
municipalities (Exists annotations, grouping in Python over <= ~300 rows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, OuterRef, Q, QuerySet

from municipalities.models import Contact, ContactRole, Municipality
from responses.models import (
    Answer,
    Campaign,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Invitation,
    ResponseMunicipality,
    ResponseStatus,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class CoverageFlags(TypedDict):
    """What annotated_municipalities() adds to each municipality."""

    invited: bool
    opened: bool
    started: bool
    submitted: bool
    by_coordinator: bool


def current_municipalities() -> QuerySet[Municipality]:
    return Municipality.objects.current()


def covered_municipality_ids(*, campaign: Campaign) -> set[int]:
    """Municipalities no reminder should go to."""
    return set(
        ResponseMunicipality.objects.filter(campaign=campaign)
        .filter(
            Q(response__status=ResponseStatus.SUBMITTED)
            | Q(response__is_coordinator=True)
        )
        .values_list("municipality_id", flat=True)
    )


def is_covered(*, campaign: Campaign, municipality_id: int) -> bool:
    """One municipality's coverage (the send-time re-check of a reminder)."""
    return (
        ResponseMunicipality.objects.filter(
            campaign=campaign, municipality_id=municipality_id
        )
        .filter(
            Q(response__status=ResponseStatus.SUBMITTED)
            | Q(response__is_coordinator=True)
        )
        .exists()
    )


def partial_municipality_ids(*, campaign: Campaign) -> set[int]:
    """Municipalities with a started, unsubmitted response that has answers."""
    has_answers = Exists(Answer.objects.filter(response=OuterRef("response")))
    partial = Q(response__status=ResponseStatus.PARTIAL) | Q(has_answers=True)
    via_represented = (
        ResponseMunicipality.objects.filter(campaign=campaign)
        .exclude(response__status=ResponseStatus.SUBMITTED)
        .alias(has_answers=has_answers)
        .filter(partial)
        .values_list("municipality_id", flat=True)
    )
    via_invitation = (
        Invitation.objects.filter(campaign=campaign, response__isnull=False)
        .exclude(response__status=ResponseStatus.SUBMITTED)
        .alias(has_answers=has_answers)
        .filter(partial)
        .values_list("municipality_id", flat=True)
    )
    return set(via_represented) | set(via_invitation)


def annotated_municipalities(
    *, campaign: Campaign
) -> QuerySet[WithAnnotations[Municipality, CoverageFlags]]:
    """Current municipalities with invited/opened/started/submitted/covered flags."""
    represented = ResponseMunicipality.objects.filter(
        campaign=campaign, municipality=OuterRef("pk")
    )
    invitations = Invitation.objects.filter(
        campaign=campaign, municipality=OuterRef("pk")
    )
    return (
        current_municipalities()
        .select_related("province", "cluster")
        .annotate(
            invited=Exists(
                Delivery.objects.filter(
                    campaign=campaign,
                    kind=DeliveryKind.INVITATION,
                    status=DeliveryStatus.SENT,
                    invitation__municipality=OuterRef("pk"),
                )
            ),
            opened=Exists(invitations.filter(first_opened_at__isnull=False)),
            started=Exists(represented)
            | Exists(invitations.filter(response__isnull=False)),
            submitted=Exists(
                represented.filter(response__status=ResponseStatus.SUBMITTED)
            ),
            by_coordinator=Exists(represented.filter(response__is_coordinator=True)),
        )
    )


@dataclass
class Rate:
    label: str
    total: int = 0
    invited: int = 0
    opened: int = 0
    started: int = 0
    submitted: int = 0

    @property
    def percent_submitted(self) -> float:
        return round(100 * self.submitted / self.total, 1) if self.total else 0.0


@dataclass
class ResponseRates:
    overall: Rate
    by_province: list[Rate] = field(default_factory=list)
    by_cluster_type: list[Rate] = field(default_factory=list)

    @property
    def overall_rows(self) -> list[Rate]:
        return [self.overall]


def response_rates(*, campaign: Campaign) -> ResponseRates:
    """Invited/opened/started/submitted overall, per province, per cluster type."""
    overall = Rate(label="Vlaanderen")
    provinces: dict[str, Rate] = defaultdict(lambda: Rate(label=""))
    clusters: dict[str, Rate] = defaultdict(lambda: Rate(label=""))
    for muni in annotated_municipalities(campaign=campaign):
        cluster_label = muni.cluster.get_type_display() if muni.cluster else "Onbekend"
        for rate, label in (
            (overall, overall.label),
            (provinces[muni.province.name], muni.province.name),
            (clusters[cluster_label], cluster_label),
        ):
            rate.label = label
            rate.total += 1
            rate.invited += muni.invited
            rate.opened += muni.opened
            rate.started += muni.started
            rate.submitted += muni.submitted
    return ResponseRates(
        overall=overall,
        by_province=[provinces[k] for k in sorted(provinces)],
        by_cluster_type=[clusters[k] for k in sorted(clusters)],
    )


def missing_municipalities(*, campaign: Campaign) -> list[Municipality]:
    """Current municipalities without a submitted response, each with `.mayors`."""
    from django.db.models import Prefetch

    mayors = Contact.objects.filter(role=ContactRole.MAYOR, active=True).order_by(
        "name"
    )
    return list(
        annotated_municipalities(campaign=campaign)
        .filter(submitted=False)
        .prefetch_related(Prefetch("contacts", queryset=mayors, to_attr="mayors"))
        .order_by("name")
    )


def delivery_counts(*, campaign: Campaign) -> dict[str, dict[str, int]]:
    """{kind: {status: n}} for the dashboard."""
    from django.db.models import Count

    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = (
        Delivery.objects.filter(campaign=campaign)
        .values("kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["kind"]][row["status"]] = row["n"]
    return dict(counts)
