"""Who is covered, who is missing, and the response-rate numbers of a campaign.

A municipality is *covered* only when a submitted response speaks for it with a
covering claim: its own response, an authorised coordinator's, or an accepted claim
(responses/answering/claims.py). A pending claim covers nothing, and neither does an
unsubmitted coordinator response: its besturen are reminded through the coordinator
(`delegated_besturen`). Everything here is a constant number of queries, whatever
the number of municipalities (Exists annotations, grouping in Python over <= ~300 rows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from municipalities.models import Contact, ContactRole, Municipality
from responses.models import (
    COVERING_CLAIMS,
    Answer,
    Campaign,
    ClaimStatus,
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


COVERS = Q(status__in=COVERING_CLAIMS, response__status=ResponseStatus.SUBMITTED)


def counting(rows: QuerySet[ResponseMunicipality]) -> QuerySet[ResponseMunicipality]:
    """The rows whose answers count for their bestuur (exports, results).

    Only covering claims count; a bestuur answered twice counts its own submitted
    response, until staff choose otherwise (claims.resolve_double_coverage).
    """
    own_submitted = ResponseMunicipality.objects.filter(
        campaign=OuterRef("campaign"),
        municipality=OuterRef("municipality"),
        status=ClaimStatus.OWN,
        response__status=ResponseStatus.SUBMITTED,
    )
    return rows.filter(status__in=COVERING_CLAIMS).exclude(
        Q(Exists(own_submitted)) & ~Q(status=ClaimStatus.OWN)
    )


def covered_municipality_ids(*, campaign: Campaign) -> set[int]:
    """Municipalities no reminder should go to."""
    return set(
        ResponseMunicipality.objects.filter(COVERS, campaign=campaign).values_list(
            "municipality_id", flat=True
        )
    )


def is_covered(*, campaign: Campaign, municipality_id: int) -> bool:
    """One municipality's coverage (the send-time re-check of a reminder)."""
    return ResponseMunicipality.objects.filter(
        COVERS, campaign=campaign, municipality_id=municipality_id
    ).exists()


def reminder_is_moot(*, delivery: Delivery) -> bool:
    """Send-time re-check: a coordinator's reminder lapses once all the besturen it
    named are covered; anyone else's once their own bestuur is."""
    invitation = delivery.invitation
    if invitation is None:
        return False
    campaign = invitation.campaign
    if "open_besturen" not in (delivery.context or {}):
        return is_covered(campaign=campaign, municipality_id=invitation.municipality_id)
    return not (
        ResponseMunicipality.objects.filter(
            claimed_by=invitation,
            status__in=(ClaimStatus.AUTHORISED, ClaimStatus.ACCEPTED),
        )
        .exclude(municipality_id__in=covered_municipality_ids(campaign=campaign))
        .exists()
    )


def delegated_besturen(*, campaign: Campaign) -> dict[int, list[int]]:
    """{coordinator invitation id: [municipality ids]} for besturen that an
    authorised or accepted, still unsubmitted coordinator response speaks for
    (and that nobody covers yet): their reminders go to the coordinator."""
    covered = covered_municipality_ids(campaign=campaign)
    rows = (
        ResponseMunicipality.objects.filter(
            campaign=campaign,
            status__in=(ClaimStatus.AUTHORISED, ClaimStatus.ACCEPTED),
            municipality__valid_to__isnull=True,
            claimed_by__revoked_at__isnull=True,
        )
        .exclude(response__status=ResponseStatus.SUBMITTED)
        .exclude(municipality_id__in=covered)
        .values_list("claimed_by_id", "municipality_id")
    )
    delegated: dict[int, list[int]] = defaultdict(list)
    for invitation_id, municipality_id in rows:
        delegated[invitation_id].append(municipality_id)
    return {pk: sorted(ids) for pk, ids in delegated.items()}


def double_coverage(*, campaign: Campaign) -> list[dict]:
    """Besturen for which two submitted responses count (own + claimant)."""
    rows = (
        ResponseMunicipality.objects.filter(COVERS, campaign=campaign)
        .select_related("municipality", "response")
        .order_by("municipality__name", "status")
    )
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row.municipality_id].append(row)
    return [
        {
            "municipality": pair[0].municipality,
            "own": next(r for r in pair if r.status == ClaimStatus.OWN),
            "claimant": next(r for r in pair if r.status != ClaimStatus.OWN),
        }
        for pair in grouped.values()
        if len(pair) == 2
    ]


def pending_claims(*, campaign: Campaign) -> QuerySet[ResponseMunicipality]:
    return (
        ResponseMunicipality.objects.filter(
            campaign=campaign, status=ClaimStatus.PENDING
        )
        .select_related("municipality", "response", "claimed_by__municipality")
        .order_by("added_at", "pk")
    )


def partial_municipality_ids(*, campaign: Campaign) -> set[int]:
    """Municipalities with a started, unsubmitted response that has answers."""
    has_answers = Exists(Answer.objects.filter(response=OuterRef("response")))
    partial = Q(response__status=ResponseStatus.PARTIAL) | Q(has_answers=True)
    via_represented = (
        ResponseMunicipality.objects.filter(
            campaign=campaign, status__in=COVERING_CLAIMS
        )
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
    """The municipalities on the campaign's map (the one valid on its opening day: 300
    in 2024, 285 since 2025) with invited/opened/started/submitted/covered flags."""
    represented = ResponseMunicipality.objects.filter(
        campaign=campaign, municipality=OuterRef("pk"), status__in=COVERING_CLAIMS
    )
    invitations = Invitation.objects.filter(
        campaign=campaign, municipality=OuterRef("pk")
    )
    return (
        Municipality.objects.on(timezone.localdate(campaign.opens_at))
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
            by_coordinator=Exists(represented.exclude(status=ClaimStatus.OWN)),
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
