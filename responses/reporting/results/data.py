"""Loading a campaign's answers as plain records, in a fixed number of queries.

Five queries per campaign whatever the number of responses: the municipality
directory (all municipalities, a few hundred rows, shared by both waves), the
responses, the besturen they cover, the answers, plus whatever
`instrument_spec` needs (cached per instrument). Hidden answers are dropped here
with `branching.visible_answers`, so nothing downstream can count them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from municipalities.models import Municipality, MunicipalityFacts, PopulationFigure
from municipalities.queries import follow_successors
from responses.answering.coverage import counting
from responses.answering.per_bestuur import (
    answers_for_bestuur,
    differing_answers_for,
)
from responses.models import Answer, Campaign, Response, ResponseMunicipality
from surveys.branching import InstrumentSpec, visible_answers
from surveys.queries import instrument_spec

from .units import Bestuur, Record


class Directory:
    """Every municipality as a `Bestuur`, with the 2025 merger successor chain.

    `facts` (municipality id -> MunicipalityFacts valid on the directory's day)
    replace a municipality's own cluster, province and police zone, so a 2024 wave
    is broken down by the 2024 map; without a row the municipality's own values
    count (test worlds and manual municipalities carry no facts).
    """

    def __init__(
        self, rows, facts=None, *, day: dt.date | None = None, populations=None
    ):
        self.day = day
        self.by_id: dict[int, Bestuur] = {}
        self.successor: dict[int, int | None] = {}
        facts = facts or {}
        populations = populations or {}
        for m in rows:
            source = facts.get(m.pk, m)
            cluster, province = source.cluster, source.province
            self.by_id[m.pk] = Bestuur(
                id=m.pk,
                nis_code=m.nis_code,
                name=m.name,
                family=cluster.type if cluster else "",
                cluster=cluster.code if cluster else "",
                cluster_number=cluster.number if cluster else None,
                cluster_label=cluster.label if cluster else "",
                province=province.name,
                province_nis=province.nis_code,
                population=populations.get(m.pk, m.population),
                police_zone=source.police_zone_name,
            )
            self.successor[m.pk] = m.successor_id

    def current(self, pk: int) -> Bestuur:
        """Follow successor links to today's municipality (Borsbeek -> Antwerpen),
        in memory so mapping a whole wave costs no query per municipality; a cycle
        raises (municipalities.queries.follow_successors)."""
        return self.by_id[follow_successors(pk, self.successor.get)]

    def population(self, day: dt.date) -> list[Bestuur]:
        """The besturen that existed on `day` (300 in 2024, 285 from 2025)."""
        existing = set(Municipality.objects.on(day).values_list("pk", flat=True))
        return [b for pk, b in self.by_id.items() if pk in existing]


def load_directory(day: dt.date | None = None) -> Directory:
    """All municipalities; with `day`, broken down by the facts valid that day and
    the population of that year (two queries more)."""
    rows = Municipality.objects.select_related("cluster", "province").only(
        "nis_code",
        "name",
        "population",
        "valid_from",
        "valid_to",
        "successor_id",
        "cluster__code",
        "cluster__number",
        "cluster__label",
        "cluster__type",
        "province__name",
        "province__nis_code",
        "police_zone_name",
    )
    facts, populations = {}, {}
    if day is not None:
        facts = {
            f.municipality_id: f
            for f in MunicipalityFacts.objects.on(day).select_related(
                "cluster", "province"
            )
        }
        # The latest figure on or before the wave's year (1 January counts).
        figures = PopulationFigure.objects.filter(year__lte=day.year).order_by(
            "municipality_id", "year"
        )
        populations = dict(figures.values_list("municipality_id", "population"))
    return Directory(rows, facts, day=day, populations=populations)


def campaign_day(campaign: Campaign) -> dt.date:
    return campaign.opens_at.date()


def campaign_spec(campaign: Campaign) -> InstrumentSpec:
    return instrument_spec(campaign.instrument)


def load_records(
    campaign: Campaign,
    *,
    directory: Directory,
    spec: InstrumentSpec,
    map_to_current: bool = False,
) -> list[Record]:
    """Every response of the campaign with its visible answers.

    map_to_current=True replaces each covered municipality by its current successor
    (for trends); two merged municipalities then become one bestuur and
    units.bestuur_units keeps a single response for it.
    """
    responses = Response.objects.filter(campaign=campaign).values_list(
        "pk", "status", "updated_at"
    )
    covered: defaultdict[int, list[Bestuur]] = defaultdict(list)
    links = counting(ResponseMunicipality.objects.filter(response__campaign=campaign))
    for response_id, municipality_id in links.values_list(
        "response_id", "municipality_id"
    ):
        bestuur = (
            directory.current(municipality_id)
            if map_to_current
            else directory.by_id[municipality_id]
        )
        if bestuur not in covered[response_id]:
            covered[response_id].append(bestuur)
    raw: defaultdict[int, dict[str, Any]] = defaultdict(dict)
    others: defaultdict[int, dict[str, str]] = defaultdict(dict)
    answers = Answer.objects.filter(response__campaign=campaign).values_list(
        "response_id", "question__code", "value", "other_text"
    )
    for response_id, code, value, other_text in answers:
        raw[response_id][code] = value
        if other_text:
            others[response_id][code] = other_text
    differing = differing_answers_for(response_ids=list(raw))
    records = []
    for pk, status, updated_at in responses.order_by("pk"):
        visible = visible_answers(spec, raw.get(pk, {}))
        per_bestuur = {}
        for bestuur in covered.get(pk, ()):
            own = differing.get((pk, bestuur.id))
            if own:
                per_bestuur[bestuur.id] = answers_for_bestuur(
                    spec, raw.get(pk, {}), others.get(pk, {}), own
                )
        records.append(
            Record(
                response_id=pk,
                status=status,
                answers=visible,
                others={c: t for c, t in others.get(pk, {}).items() if c in visible},
                besturen=tuple(covered.get(pk, ())),
                updated_at=updated_at,
                per_bestuur=per_bestuur,
            )
        )
    return records
