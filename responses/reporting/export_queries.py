"""Read side of the response export: filtered responses with everything a row needs."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from municipalities.models import Municipality
from responses.answering.coverage import counting
from responses.models import Answer, Campaign, Response, ResponseMunicipality
from surveys.models import Question


@dataclass(frozen=True)
class ExportFilters:
    """What an export is restricted to; empty tuples mean "no restriction"."""

    statuses: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()  # province NIS code or name
    clusters: tuple[str, ...] = ()  # Belfius cluster code, e.g. "V3"
    cluster_types: tuple[str, ...] = ()  # ClusterType value, e.g. "woon"
    response_ids: tuple[int, ...] = field(default=())  # an admin selection

    def as_dict(self) -> dict[str, list]:
        """The non-empty filters, JSON-ready (ExportLog.filters)."""
        return {k: list(v) for k, v in self.__dict__.items() if v}

    @property
    def by_municipality(self) -> bool:
        return bool(self.provinces or self.clusters or self.cluster_types)

    def municipality_q(self, prefix: str = "municipality__") -> Q:
        q = Q()
        if self.provinces:
            q &= Q(**{f"{prefix}province__nis_code__in": self.provinces}) | Q(
                **{f"{prefix}province__name__in": self.provinces}
            )
        if self.clusters:
            q &= Q(**{f"{prefix}cluster__code__in": self.clusters})
        if self.cluster_types:
            q &= Q(**{f"{prefix}cluster__type__in": self.cluster_types})
        return q

    def matches(self, municipality) -> bool:
        """Same test as municipality_q, on an already loaded Municipality."""
        province, cluster = municipality.province, municipality.cluster
        if self.provinces and not {province.nis_code, province.name} & set(
            self.provinces
        ):
            return False
        if self.clusters and (cluster is None or cluster.code not in self.clusters):
            return False
        return not (
            self.cluster_types
            and (cluster is None or cluster.type not in self.cluster_types)
        )


def responses_for_export(
    *,
    campaign: Campaign,
    filters: ExportFilters | None = None,
    municipality_ids: Collection[int] | None = None,
) -> QuerySet[Response]:
    """Responses of a campaign in id order, with their municipalities prefetched.

    Iterate with `.iterator(chunk_size=...)`: each chunk runs its own prefetch
    query, so memory stays bounded by the chunk size. Answers come separately
    (`answers_for`), as tuples: model instances for ~57 answers per response made
    the prefetch the slowest and largest part of the export.
    """
    filters = filters or ExportFilters()
    qs = Response.objects.filter(campaign=campaign)
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    if filters.response_ids:
        qs = qs.filter(pk__in=filters.response_ids)
    if filters.by_municipality:
        # EXISTS instead of a join keeps one row per response without DISTINCT.
        # `municipality_ids`: the municipalities that match on the campaign's
        # opening day (exports.matching_municipalities), instead of today's values.
        match = (
            Q(municipality_id__in=municipality_ids)
            if municipality_ids is not None
            else filters.municipality_q()
        )
        covered = ResponseMunicipality.objects.filter(response=OuterRef("pk")).filter(
            match
        )
        qs = qs.filter(Exists(covered))
    represented = (
        counting(ResponseMunicipality.objects.all())
        .select_related("municipality__province", "municipality__cluster")
        .order_by("municipality__name", "municipality__nis_code")
    )
    return qs.order_by("pk").prefetch_related(
        Prefetch("represented", queryset=represented)
    )


def answers_for(*, response_ids: list[int]) -> dict[int, list[tuple]]:
    """response id -> [(question id, value, other_text)] for one chunk of responses."""
    out: dict[int, list[tuple]] = {pk: [] for pk in response_ids}
    rows = Answer.objects.filter(response_id__in=response_ids).values_list(
        "response_id", "question_id", "value", "other_text"
    )
    for response_id, question_id, value, other_text in rows:
        out[response_id].append((question_id, value, other_text))
    return out


def question_codes(*, instrument_id: int) -> dict[int, str]:
    """Question pk -> code, so answers need no join on the question table."""
    return dict(
        Question.objects.filter(instrument_id=instrument_id).values_list("pk", "code")
    )


def matching_municipalities(filters: ExportFilters, facts) -> list[int]:
    """Ids of the municipalities whose province/cluster on the opening day pass the
    filters (one query; the columns show the same day's values)."""
    rows = Municipality.objects.select_related("province", "cluster")
    return [m.pk for m in rows if filters.matches(facts.get(m.pk, m))]


def parse_filter_values(values: Iterable[str] | None) -> tuple[str, ...]:
    """Accept repeated values and comma-separated lists alike ("V1,V2")."""
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    return tuple(out)
