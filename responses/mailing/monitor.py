"""Fieldwork monitor: progress per day, response rate per group, drop-off by section.

Reads only (a constant number of queries). The charts are plain SVG geometry
computed here (points and widths as attributes), because the CSP forbids inline
scripts and styles; each chart has a table as its text alternative.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Min
from django.utils import timezone

from responses.answering.coverage import response_rates
from responses.answering.queries import section_titles
from responses.models import (
    Campaign,
    Delivery,
    DeliveryKind,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)
from responses.reporting.results.representativeness import required_sample_size

WIDTH, HEIGHT, PAD = 600, 220, 30


@dataclass
class Day:
    day: date
    started: int
    submitted: int
    reminder: bool


@dataclass
class DailyChart:
    days: list[Day]
    total: int
    started_points: str = ""
    submitted_points: str = ""
    reminder_xs: list[float] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    required_y: float = 0.0
    required: int = 0


@dataclass
class GroupBar:
    label: str
    total: int
    submitted: int
    percent: float
    width: float  # 0..100 of the bar track


@dataclass
class RateChart:
    title: str
    bars: list[GroupBar]
    required: int
    population: int
    required_x: float  # 0..100


@dataclass
class DropOff:
    section: str
    title: str
    responses: int
    width: float


def _day(value) -> date:
    return timezone.localtime(value).date()


def daily_progress(*, campaign: Campaign, today: date | None = None) -> DailyChart:
    """Cumulative started and submitted besturen per day, with reminder days."""
    today = today or timezone.localdate()
    first = _day(campaign.opens_at)
    last = max(first, min(today, _day(campaign.closes_at)))
    links = ResponseMunicipality.objects.filter(campaign=campaign)
    started = links.values("municipality_id").annotate(at=Min("response__started_at"))
    submitted = (
        links.filter(response__status=ResponseStatus.SUBMITTED)
        .values("municipality_id")
        .annotate(at=Min("response__submitted_at"))
    )
    submitted_at = {row["municipality_id"]: row["at"] for row in submitted if row["at"]}
    # Submitted implies started: imported or backfilled rows may carry a later
    # started_at, and the started line must never run below the submitted one.
    started_at = {
        row["municipality_id"]: min(
            filter(None, [row["at"], submitted_at.get(row["municipality_id"])])
        )
        for row in started
        if row["at"] or row["municipality_id"] in submitted_at
    }
    started_on = Counter(_day(at) for at in started_at.values())
    submitted_on = Counter(_day(at) for at in submitted_at.values())
    reminder_days = {
        _day(at)
        for at in Delivery.objects.filter(
            campaign=campaign, kind=DeliveryKind.REMINDER, sent_at__isnull=False
        ).values_list("sent_at", flat=True)
    }
    days, s_total, d_total = [], 0, 0
    # Answers from before the opening day (imports, tests) count on day one.
    s_total = sum(n for d, n in started_on.items() if d < first)
    d_total = sum(n for d, n in submitted_on.items() if d < first)
    current = first
    while current <= last:
        s_total += started_on.get(current, 0)
        d_total += submitted_on.get(current, 0)
        days.append(Day(current, s_total, d_total, current in reminder_days))
        current += timedelta(days=1)
    population = response_rates(campaign=campaign).overall.total
    return _daily_geometry(days, population)


def _daily_geometry(days: list[Day], population: int) -> DailyChart:
    chart = DailyChart(days=days, total=population)
    top = max(population, 1)
    span = max(len(days) - 1, 1)

    def x(i: int) -> float:
        return round(PAD + (WIDTH - 2 * PAD) * i / span, 1)

    def y(n: int) -> float:
        return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * n / top, 1)

    chart.started_points = " ".join(
        f"{x(i)},{y(d.started)}" for i, d in enumerate(days)
    )
    chart.submitted_points = " ".join(
        f"{x(i)},{y(d.submitted)}" for i, d in enumerate(days)
    )
    chart.reminder_xs = [x(i) for i, d in enumerate(days) if d.reminder]
    step = max(len(days) // 6, 1)
    chart.ticks = [
        (x(i), d.day.strftime("%d/%m")) for i, d in enumerate(days) if i % step == 0
    ]
    chart.required = required_sample_size(population)
    chart.required_y = y(chart.required)
    return chart


def rate_charts(*, campaign: Campaign) -> list[RateChart]:
    """Submitted share per province and per cluster type, with the required line."""
    rates = response_rates(campaign=campaign)
    population = rates.overall.total
    required = required_sample_size(population)
    required_x = round(100 * required / population, 1) if population else 0.0
    charts = []
    for title, groups in (
        ("Per provincie", rates.by_province),
        ("Per clustertype", rates.by_cluster_type),
    ):
        bars = [
            GroupBar(
                label=rate.label,
                total=rate.total,
                submitted=rate.submitted,
                percent=rate.percent_submitted,
                width=min(rate.percent_submitted, 100.0),
            )
            for rate in groups
        ]
        charts.append(RateChart(title, bars, required, population, required_x))
    return charts


def drop_off(*, campaign: Campaign) -> list[DropOff]:
    """Where unsubmitted responses stopped: their last visited section."""
    counts = Counter(
        Response.objects.filter(campaign=campaign)
        .exclude(status=ResponseStatus.SUBMITTED)
        .values_list("current_section", flat=True)
    )
    titles = section_titles(instrument=campaign.instrument)
    order = {code: i for i, code in enumerate(titles)}
    most = max(counts.values(), default=0) or 1
    rows = [
        DropOff(
            section=code,
            title=titles.get(code) or code or "(nog geen sectie)",
            responses=n,
            width=round(100 * n / most, 1),
        )
        for code, n in counts.items()
    ]
    rows.sort(key=lambda row: order.get(row.section, -1))
    return rows
