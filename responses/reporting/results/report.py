"""Assembles the results of a campaign: tables, cross-tabs, trends, representation.

This is the one entry point for the views and the XLSX download, so both show
exactly the same numbers for the same options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from municipalities.models import ClusterType
from responses.models import Campaign
from surveys.models import Section

from . import breakdowns, charts, representativeness, tables, trends
from .codes import CodeCounts
from .data import Directory, campaign_day, campaign_spec, load_directory, load_records
from .units import (
    UNIT_BESTUUR,
    UNITS,
    Bestuur,
    Completeness,
    Record,
    build_units,
    completeness,
)

K_MAX = 100


@dataclass(frozen=True)
class Options:
    """What the staff member asked for (query string), validated."""

    unit: str = UNIT_BESTUUR
    k: int = 5
    show_small: bool = False
    submitted_only: bool = False
    by: str = ""  # cross-tab every question by this (single-choice) question

    def query(self, **changes: Any) -> str:
        """Query string for a link that changes some options and keeps the rest."""
        opts = replace(self, **changes)
        parts = [f"unit={opts.unit}", f"k={opts.k}"]
        if opts.show_small:
            parts.append("small=show")
        if opts.submitted_only:
            parts.append("status=submitted")
        if opts.by:
            parts.append(f"by={opts.by}")
        return "?" + "&".join(parts)


def option_links(options: Options) -> dict[str, str]:
    """Query strings for the view toggles on the pages."""
    return {
        "bestuur": options.query(unit=UNIT_BESTUUR),
        "respondent": options.query(unit="respondent"),
        "all": options.query(submitted_only=False),
        "submitted": options.query(submitted_only=True),
        "current": options.query(),
    }


def parse_options(params: Mapping[str, str], *, default_k: int) -> Options:
    unit = params.get("unit", UNIT_BESTUUR)
    try:
        k = int(params.get("k", default_k))
    except (TypeError, ValueError):
        k = default_k
    return Options(
        unit=unit if unit in UNITS else UNIT_BESTUUR,
        k=min(max(k, 1), K_MAX),
        show_small=params.get("small") == "show",
        submitted_only=params.get("status") == "submitted",
        # Checked against the instrument in build_report (unknown: ignored).
        by=str(params.get("by", ""))[:100],
    )


@dataclass(frozen=True)
class Wave:
    campaign: Campaign
    spec: Any
    records: list[Record]
    units: list[tables.Unit]


def load_wave(
    campaign: Campaign, *, directory: Directory, options: Options, map_to_current=False
) -> Wave:
    spec = campaign_spec(campaign)
    records = load_records(
        campaign, directory=directory, spec=spec, map_to_current=map_to_current
    )
    if options.submitted_only:
        records = [r for r in records if r.status == "submitted"]
    return Wave(campaign, spec, records, build_units(records, options.unit))


@dataclass
class QuestionResult:
    question: Any
    table: Any
    chart: Any = None
    others: tuple[str, ...] = ()
    by_family: tables.CrossTab | None = None
    by_province: tables.CrossTab | None = None
    by_zone: tables.CrossTab | None = None
    by_size: tables.CrossTab | None = None
    by_question: tables.CrossTab | None = None
    trend: trends.TrendTable | None = None
    # Coded open answers (reporting/open_answers.py fills it for the pages and
    # workbooks; this module cannot load reviews without an import circle).
    codes: CodeCounts | None = None
    # Member-facing page only (reporting/member_results.py): quotes of an open
    # question, and whether the table is a number summary.
    quotes: tuple[str, ...] = ()
    is_number: bool = False
    # All waves of the chain (campaign.previous, its previous, ...), oldest first.
    series: trends.WaveSeries | None = None
    series_chart: charts.TrendChart | None = None


@dataclass
class SectionResult:
    code: str
    title: str
    questions: list[QuestionResult] = field(default_factory=list)


@dataclass
class Report:
    campaign: Campaign
    options: Options
    completeness: Completeness
    sample_size: representativeness.SampleSize
    by_cluster: representativeness.ClusterRepresentation
    by_province: tuple[representativeness.ProvinceLine, ...]
    sections: list[SectionResult]
    previous: Campaign | None = None
    waves: tuple[Campaign, ...] = ()  # earlier waves in the series, oldest first
    drop_off: tuple[breakdowns.SectionDropOff, ...] = ()
    by_question: Any = None  # the question of ?by=, when valid
    by_choices: tuple[tuple[str, str], ...] = ()  # questions ?by= accepts
    # The loaded answers, so open answers and their codes need no second load.
    wave: Wave | None = None

    @property
    def questions(self) -> list[QuestionResult]:
        return [q for section in self.sections for q in section.questions]


def family_groups(units: Sequence[tables.Unit]) -> list[tuple[str, str]]:
    groups = list(ClusterType.choices)
    if any(not unit.family for unit in units):
        groups.append(("", "Onbekend"))
    return groups


def province_groups(directory: Directory, units: Sequence[tables.Unit]) -> list:
    names = {b.province: b.province_nis for b in directory.by_id.values()}
    groups = [(name, name) for name in sorted(names, key=lambda n: (names[n], n))]
    if any(not unit.province for unit in units):
        groups.append(("", "Onbekend"))
    return groups


def _question_result(
    question, wave: Wave, previous: Wave | None, ctx
) -> QuestionResult:
    table = tables.question_table(question, wave.units)
    result = QuestionResult(question, table, charts.chart_for(table))
    history = ctx.get("history") or ()
    if history and question.kind.results in ("frequency", "matrix", "number"):
        result.series = _series(question, wave, history)
        if result.series is not None:
            result.series_chart = charts.trend_chart(result.series)
    if not tables.has_options_table(question):
        return result
    result.others = tables.other_answers(question, wave.units)
    if ctx["crosstabs"]:
        common = {"k": ctx["options"].k, "show_small": ctx["options"].show_small}
        result.by_family = tables.crosstab(
            question,
            wave.units,
            groups=ctx["families"],
            group_of=lambda unit: unit.family,
            **common,
        )
        result.by_province = tables.crosstab(
            question,
            wave.units,
            groups=ctx["provinces"],
            group_of=lambda unit: unit.province,
            **common,
        )
        if any(unit.police_zone for unit in wave.units):
            result.by_zone = tables.crosstab(
                question,
                wave.units,
                groups=breakdowns.zone_groups(wave.units),
                group_of=lambda unit: unit.police_zone,
                **common,
            )
        if any(unit.size for unit in wave.units):
            result.by_size = tables.crosstab(
                question,
                wave.units,
                groups=breakdowns.size_groups(wave.units),
                group_of=lambda unit: unit.size,
                **common,
            )
        by = ctx.get("by")
        if by is not None and by.code != question.code:
            result.by_question = tables.crosstab(
                question,
                wave.units,
                groups=breakdowns.answer_groups(by),
                group_of=breakdowns.answer_of(by),
                **common,
            )
    if previous is not None:
        try:
            old_question = previous.spec.question(question.code)
        except KeyError:
            old_question = None
        if old_question is not None and old_question.kind is question.kind:
            result.trend = trends.compare(
                table,
                tables.frequency(
                    old_question, previous.units, order=table_order(table)
                ),
            )
    return result


MAX_WAVES = 12  # 24 years of biennial waves; also stops a loop of previous links


def earlier_waves(campaign: Campaign) -> list[Campaign]:
    """campaign.previous, its previous, ... oldest first (one query per wave)."""
    chain: list[Campaign] = []
    seen = {campaign.pk}
    current = campaign
    while current.previous_id and current.previous_id not in seen:
        if len(chain) >= MAX_WAVES:
            break
        current = Campaign.objects.select_related("instrument").get(
            pk=current.previous_id
        )
        seen.add(current.pk)
        chain.append(current)
    return chain[::-1]


def wave_label(campaign: Campaign) -> str:
    return f"{campaign.opens_at:%Y}"


def _series(question, wave: Wave, history: Sequence[Wave]):
    """The question's table in every wave that asked it with the same type."""
    found = []
    for old in history:
        try:
            old_question = old.spec.question(question.code)
        except KeyError:
            old_question = None
        same = old_question is not None and old_question.kind is question.kind
        found.append(tables.question_table(old_question, old.units) if same else None)
    if not any(t is not None for t in found):
        return None
    tables_ = [*found, tables.question_table(question, wave.units)]
    labels = [wave_label(w.campaign) for w in [*history, wave]]
    return trends.series(tables_, labels)


def table_order(table: tables.FrequencyTable) -> str:
    return tables.ORDER_COUNT if table.multiple else tables.ORDER_INSTRUMENT


def build_report(
    campaign: Campaign,
    *,
    options: Options,
    codes: Sequence[str] | None = None,
    crosstabs: bool = True,
    with_trends: bool = True,
) -> Report:
    """Everything the pages and the XLSX show, for all questions or `codes` only."""
    # Clusters, provinces and zones as they were when the campaign opened.
    directory = load_directory(campaign_day(campaign))
    wave = load_wave(campaign, directory=directory, options=options)
    previous = None
    history: list[Wave] = []
    if with_trends and campaign.previous is not None:
        # Earlier waves are mapped onto today's municipalities (2025 crosswalk).
        history = [
            load_wave(old, directory=directory, options=options, map_to_current=True)
            for old in earlier_waves(campaign)
        ]
        previous = history[-1] if history else None
    titles = dict(
        Section.objects.filter(instrument_id=campaign.instrument_id).values_list(
            "code", "title"
        )
    )
    ctx = {
        "options": options,
        "crosstabs": crosstabs,
        "families": family_groups(wave.units),
        "provinces": province_groups(directory, wave.units),
        "history": history,
        "by": _by_question(wave.spec, options.by),
    }
    sections = {
        code: SectionResult(code, titles.get(code, code)) for code in wave.spec.sections
    }
    for question in wave.spec.questions:
        if codes is not None and question.code not in codes:
            continue
        if not tables.is_counted(question):
            continue
        section = sections.setdefault(
            question.section, SectionResult(question.section, question.section)
        )
        section.questions.append(_question_result(question, wave, previous, ctx))
    status = completeness(wave.records)
    population = directory.population(campaign_day(campaign))
    sample = _sample(wave.records)
    return Report(
        campaign=campaign,
        options=options,
        completeness=status,
        sample_size=representativeness.sample_size(
            len(population), respondents=status.respondents, besturen=status.besturen
        ),
        by_cluster=representativeness.by_cluster(
            population, sample, families=ClusterType.choices
        ),
        by_province=representativeness.by_province(population, sample),
        sections=[s for s in sections.values() if s.questions],
        previous=previous.campaign if previous else None,
        waves=tuple(w.campaign for w in history),
        drop_off=tuple(breakdowns.drop_off(wave.records, wave.spec, titles)),
        by_question=ctx["by"],
        by_choices=tuple(
            (q.code, f"{q.number}. {q.text}")
            for q in wave.spec.questions
            if breakdowns.can_group_by(q)
        ),
        wave=wave,
    )


def _by_question(spec, code: str):
    if not code:
        return None
    try:
        question = spec.question(code)
    except KeyError:
        return None
    return question if breakdowns.can_group_by(question) else None


def _sample(records: Sequence[Record]) -> list:
    seen: dict[int, Bestuur] = {}
    for record in records:
        if record.is_respondent:
            for bestuur in record.besturen:
                seen.setdefault(bestuur.id, bestuur)
    return list(seen.values())
