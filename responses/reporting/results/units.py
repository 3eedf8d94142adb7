"""From loaded responses to counted units, and the completeness figures.

Pure (no ORM). Two counting units:

* respondent: one response is one unit. Cross-tabs place a coordinator's response
  in the cluster family/province of its *primary* bestuur, the most populous one
  it covers (ties: lowest NIS code), so group columns add up to the total.
* bestuur: every municipality a response covers is one unit carrying that
  response's answers (the report's "152 lokale besturen"). A municipality is
  counted once: when several responses cover it (possible after mapping an
  earlier wave onto merged municipalities) the best one wins: submitted before
  partial before started, then most visible answers, then the most recently
  updated, then the lowest response id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .breakdowns import size_class
from .tables import Unit

UNIT_BESTUUR = "bestuur"
UNIT_RESPONDENT = "respondent"
UNITS = (UNIT_BESTUUR, UNIT_RESPONDENT)

STATUS_RANK = {"submitted": 2, "partial": 1, "started": 0}


@dataclass(frozen=True)
class Bestuur:
    """A municipality with the attributes results are broken down by."""

    id: int
    nis_code: str
    name: str
    family: str = ""
    cluster: str = ""
    cluster_number: int | None = None
    cluster_label: str = ""
    province: str = ""
    province_nis: str = ""
    population: int | None = None
    police_zone: str = ""  # zone name; empty when not known on the date


@dataclass(frozen=True)
class Record:
    """One response with its visible answers and the besturen it speaks for."""

    response_id: int
    status: str
    answers: Mapping[str, Any]
    others: Mapping[str, str] = field(default_factory=dict)
    besturen: tuple[Bestuur, ...] = ()
    updated_at: datetime | None = None
    # {bestuur id: (answers, others)} where a coordinator answered differently for
    # one of its besturen (responses/answering/per_bestuur.py).
    per_bestuur: Mapping[int, tuple[Mapping[str, Any], Mapping[str, str]]] = field(
        default_factory=dict
    )

    @property
    def answered(self) -> int:
        return len(self.answers)

    @property
    def is_respondent(self) -> bool:
        """Opened-but-empty responses are not respondents (and count nowhere)."""
        return self.answered > 0 or self.status == "submitted"


def primary_bestuur(record: Record) -> Bestuur | None:
    if not record.besturen:
        return None
    return min(record.besturen, key=lambda b: (-(b.population or 0), b.nis_code))


def _rank(record: Record) -> tuple:
    stamp = record.updated_at.timestamp() if record.updated_at else 0.0
    return (
        STATUS_RANK.get(record.status, 0),
        record.answered,
        stamp,
        -record.response_id,
    )


def respondent_units(records: Sequence[Record]) -> list[Unit]:
    units = []
    for record in records:
        if not record.is_respondent:
            continue
        main = primary_bestuur(record)
        units.append(
            Unit(
                key=f"r:{record.response_id}",
                answers=record.answers,
                others=record.others,
                family=main.family if main else "",
                province=main.province if main else "",
                cluster=main.cluster if main else "",
                source=f"r:{record.response_id}",
                police_zone=main.police_zone if main else "",
                size=size_class(main.population) if main else "",
            )
        )
    return units


def best_record_per_bestuur(
    records: Sequence[Record],
) -> dict[int, tuple[Bestuur, Record]]:
    chosen: dict[int, tuple[Bestuur, Record]] = {}
    for record in records:
        if not record.is_respondent:
            continue
        for bestuur in record.besturen:
            current = chosen.get(bestuur.id)
            if current is None or _rank(record) > _rank(current[1]):
                chosen[bestuur.id] = (bestuur, record)
    return chosen


def _for_bestuur(record: Record, bestuur: Bestuur) -> tuple[Mapping, Mapping]:
    return record.per_bestuur.get(bestuur.id, (record.answers, record.others))


def bestuur_units(records: Sequence[Record]) -> list[Unit]:
    chosen = best_record_per_bestuur(records)
    return [
        Unit(
            key=f"m:{bestuur.nis_code}",
            answers=_for_bestuur(record, bestuur)[0],
            others=_for_bestuur(record, bestuur)[1],
            family=bestuur.family,
            province=bestuur.province,
            cluster=bestuur.cluster,
            source=f"r:{record.response_id}",
            police_zone=bestuur.police_zone,
            size=size_class(bestuur.population),
        )
        for bestuur, record in sorted(
            chosen.values(), key=lambda pair: pair[0].nis_code
        )
    ]


def build_units(records: Sequence[Record], unit: str) -> list[Unit]:
    if unit == UNIT_RESPONDENT:
        return respondent_units(records)
    return bestuur_units(records)


@dataclass(frozen=True)
class Completeness:
    respondents: int
    submitted: int
    incomplete: int
    empty: int  # opened, nothing saved: not counted anywhere
    besturen: int
    besturen_submitted: int
    coordinators: int

    @property
    def incomplete_share(self) -> float | None:
        return self.incomplete / self.respondents if self.respondents else None


def completeness(records: Sequence[Record]) -> Completeness:
    """The report's "135 respondenten, waarvan 23 (17%) niet alle vragen
    doorliepen ... vertegenwoordigen 152 lokale besturen"."""
    respondents = [r for r in records if r.is_respondent]
    submitted = [r for r in respondents if r.status == "submitted"]
    return Completeness(
        respondents=len(respondents),
        submitted=len(submitted),
        incomplete=len(respondents) - len(submitted),
        empty=len(records) - len(respondents),
        besturen=len({b.id for r in respondents for b in r.besturen}),
        besturen_submitted=len({b.id for r in submitted for b in r.besturen}),
        coordinators=sum(1 for r in respondents if len(r.besturen) > 1),
    )
