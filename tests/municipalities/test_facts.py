"""Cluster, province and police zone as facts at a date (issue 18)."""

import datetime as dt

import pytest

from municipalities.models import (
    ClusterSource,
    ClusterType,
    Municipality,
    MunicipalityFacts,
)
from municipalities.services import load_reference_data
from responses.reporting.results.data import load_directory
from responses.reporting.results.report import Options, build_report
from responses.reporting.results.representativeness import by_cluster
from tests.factories import make_export_campaign, make_export_response

pytestmark = pytest.mark.django_db

# VVSG, Ledenbevraging 2024, Bijlage 1, column "Aantal gemeenten" (n=300).
BIJLAGE_1 = {
    "V1": 10, "V2": 14, "V3": 37, "V4": 28, "V5": 27, "V6": 21, "V7": 17, "V8": 26,
    "V9": 13, "V10": 16, "V11": 13, "V12": 32, "V13": 11, "V14": 14, "V15": 13,
    "V16": 8,
}  # fmt: skip
# ... and its family column "Proportie gemeenten": 39%, 21%, 25%, 8%, 4%, 3%.
FAMILIES_2024 = {
    ClusterType.WOON: 116,
    ClusterType.LANDELIJK: 64,
    ClusterType.ECONOMISCH: 74,
    ClusterType.VERSTEDELIJKT: 25,
    ClusterType.STEDEN: 13,
    ClusterType.KUST: 8,
}


def cluster_counts(day: dt.date) -> tuple[dict[str, int], dict[str, int]]:
    population = load_directory(day).population(day)
    table = by_cluster(population, [], families=ClusterType.choices)
    clusters = {c.code: c.population for f in table.families for c in f.clusters}
    return clusters, {f.key: f.population for f in table.families}


def test_2024_map_has_the_reports_cluster_counts(reference_data):
    clusters, families = cluster_counts(dt.date(2024, 5, 21))

    assert clusters == BIJLAGE_1
    assert sum(clusters.values()) == 300
    assert families == FAMILIES_2024
    # 116/300 = 38.7% -> 39%, 64 -> 21%, 74 -> 25%, 25 -> 8%, 13 -> 4%, 8 -> 3%
    shares = {k: round(100 * n / 300) for k, n in families.items()}
    assert list(shares.values()) == [39, 21, 25, 8, 4, 3]


def test_2025_map_keeps_the_merger_rule_clusters(reference_data):
    clusters, _ = cluster_counts(dt.date(2025, 6, 1))

    assert sum(clusters.values()) == 285
    kruisem = MunicipalityFacts.objects.filter(municipality__nis_code="45068")
    assert [
        (f.valid_from, f.valid_to, f.cluster.code, f.cluster_source) for f in kruisem
    ] == [
        (dt.date(2019, 1, 1), dt.date(2025, 1, 1), "V7", ClusterSource.VVSG_2024),
        (dt.date(2025, 1, 1), None, "V4", ClusterSource.MERGER_RULE),
    ]


def test_facts_of_ended_and_new_municipalities(reference_data):
    borsbeek = MunicipalityFacts.objects.get(municipality__nis_code="11007")
    zwijndrecht = MunicipalityFacts.objects.get(municipality__nis_code="11056")
    pajottegem = MunicipalityFacts.objects.get(municipality__nis_code="23106")

    assert (borsbeek.valid_to, borsbeek.cluster.code) == (dt.date(2025, 1, 1), "V14")
    assert borsbeek.police_zone_name == ""  # the zone file describes 2025 only
    # Zwijndrecht was in the province of Antwerp until its 2025 merger.
    assert zwijndrecht.province.name == "Antwerpen"
    assert (pajottegem.valid_from, pajottegem.valid_to) == (dt.date(2025, 1, 1), None)
    assert MunicipalityFacts.objects.count() == 312 + 3  # Puurs-SA, Oudsbergen, Kruisem


def test_directory_on_a_date_uses_that_days_facts(reference_data):
    def bestuur(day, nis):
        directory = load_directory(day)
        return next(b for b in directory.by_id.values() if b.nis_code == nis)

    assert bestuur(dt.date(2024, 5, 21), "12041").cluster == "V11"
    assert bestuur(dt.date(2026, 5, 21), "12041").cluster == "V10"
    assert bestuur(dt.date(2026, 5, 21), "11001").police_zone == "PZ Hekla"


def test_loading_facts_twice_changes_nothing(reference_data):
    assert reference_data.facts.created == 312

    second = load_reference_data()

    assert (second.facts.created, second.facts.updated) == (0, 0)
    assert second.facts.unchanged == 312


def test_report_of_a_2024_campaign_uses_the_2024_map(reference_data):
    opened = dt.datetime(2024, 5, 21, 9, 0, tzinfo=dt.UTC)
    campaign = make_export_campaign(opens_at=opened)
    kruisem = Municipality.objects.get(nis_code="45068")
    make_export_response(
        campaign=campaign, municipalities=[kruisem], answers={"q1": "ja"}
    )

    report = build_report(campaign, options=Options(), crosstabs=False)

    lines = {c.code: (c.population, c.sample) for f in report.by_cluster.families
             for c in f.clusters}  # fmt: skip
    assert lines["V7"] == (17, 1)  # Kruisem: landbouwgemeente in 2024
    assert lines["V4"] == (28, 0)
    assert report.by_cluster.population == 300
