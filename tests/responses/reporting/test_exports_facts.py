"""The export's province and cluster columns follow the facts valid on the
campaign's opening day, not today's (issue 18): a 2024 wave on the 2024 map."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from municipalities.models import ClusterType, MunicipalityFacts
from responses.reporting.export_queries import ExportFilters
from responses.reporting.exports import export_rows
from tests.factories import (
    make_cluster,
    make_export_campaign,
    make_export_instrument,
    make_export_response,
    make_municipality,
    make_province,
)

pytestmark = pytest.mark.django_db


def _opening(year: int):
    return timezone.make_aware(dt.datetime(year, 5, 6, 9))


@pytest.fixture
def kruisem():
    """Cluster V7 (landelijk) and one police zone in 2024, V3 (woon) and another zone
    from 2025; today's row says V3 and has no zone."""
    prov = make_province(nis_code="40000", name="Oost-Vlaanderen")
    v7 = make_cluster(number=7, code="V7", type=ClusterType.LANDELIJK)
    v3 = make_cluster(number=3, code="V3", type=ClusterType.WOON)
    town = make_municipality(
        nis_code="45068", name="Kruisem", province=prov, cluster=v3
    )
    new_year = dt.date(2025, 1, 1)
    MunicipalityFacts.objects.create(
        municipality=town,
        valid_to=new_year,
        province=prov,
        cluster=v7,
        police_zone_name="PZ Vlaamse Ardennen",
        source="t",
    )
    MunicipalityFacts.objects.create(
        municipality=town,
        valid_from=new_year,
        province=prov,
        cluster=v3,
        police_zone_name="PZ Arro Lys",
        source="t",
    )
    # A municipality without facts keeps its own values in every year.
    plain = make_municipality(
        nis_code="44021",
        name="Gent",
        province=prov,
        cluster=make_cluster(number=15, code="V15", type=ClusterType.STEDEN),
    )
    return town, plain


def _rows(campaign, layout):
    header, *rows = list(export_rows(campaign=campaign, layout=layout))
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.parametrize(
    "year,clusters,types",
    [(2024, "V7;V15", "landelijk;steden"), (2025, "V3;V15", "woon;steden")],
)
def test_response_layout_uses_the_facts_of_the_opening_day(
    kruisem, year, clusters, types
):
    town, plain = kruisem
    campaign = make_export_campaign(opens_at=_opening(year))
    make_export_response(campaign=campaign, municipalities=[town, plain])

    (row,) = _rows(campaign, "response")

    # Gent sorts before Kruisem in the represented list.
    assert row["municipalities"] == "Gent;Kruisem"
    assert (row["clusters"], row["cluster_types"]) == (
        ";".join(clusters.split(";")[::-1]),
        ";".join(types.split(";")[::-1]),
    )
    assert row["provinces"] == "Oost-Vlaanderen"
    zone = "PZ Vlaamse Ardennen" if year == 2024 else "PZ Arro Lys"
    assert row["police_zones"] == zone  # Gent has no zone


@pytest.mark.parametrize("year,cluster,ctype", [(2024, "V7", "landelijk"),
                                                (2025, "V3", "woon")])  # fmt: skip
def test_bestuur_layout_uses_the_facts_of_the_opening_day(
    kruisem, year, cluster, ctype
):
    town, plain = kruisem
    campaign = make_export_campaign(opens_at=_opening(year))
    make_export_response(campaign=campaign, municipalities=[town, plain])

    rows = {r["municipality"]: r for r in _rows(campaign, "bestuur")}

    assert (rows["Kruisem"]["cluster"], rows["Kruisem"]["cluster_type"]) == (
        cluster,
        ctype,
    )
    assert (rows["Gent"]["cluster"], rows["Gent"]["cluster_type"]) == ("V15", "steden")
    assert rows["Kruisem"]["province"] == "Oost-Vlaanderen"
    zone = "PZ Vlaamse Ardennen" if year == 2024 else "PZ Arro Lys"
    assert (rows["Kruisem"]["police_zone"], rows["Gent"]["police_zone"]) == (zone, "")


def _merged_town(prov):
    """A fresh municipality in V7 during 2024 and V3 from 2025."""
    v7 = make_cluster(number=7, code="V7", type=ClusterType.LANDELIJK)
    v3 = make_cluster(number=3, code="V3", type=ClusterType.WOON)
    town = make_municipality(province=prov, cluster=v3)
    MunicipalityFacts.objects.create(
        municipality=town,
        valid_to=dt.date(2025, 1, 1),
        province=prov,
        cluster=v7,
        source="t",
    )
    return town


@pytest.mark.parametrize("layout", ["response", "bestuur"])
def test_export_query_count_does_not_grow_with_rows(kruisem, layout):
    _, plain = kruisem
    instrument = make_export_instrument()
    counts = []
    for size in (1, 6):
        campaign = make_export_campaign(instrument=instrument, opens_at=_opening(2024))
        for _ in range(size):
            make_export_response(
                campaign=campaign,
                municipalities=[_merged_town(plain.province)],
                answers={"q1": "ja"},
            )
        list(export_rows(campaign=campaign, layout=layout))  # instrument spec cached
        with CaptureQueriesContext(connection) as ctx:
            rows = list(export_rows(campaign=campaign, layout=layout))
        assert len(rows) == 1 + size
        # Each town's 2024 cluster, read from the facts, on every row.
        assert [row[rows[0].index("cluster" if layout == "bestuur" else "clusters")]
                for row in rows[1:]] == ["V7"] * size  # fmt: skip
        counts.append(len(ctx.captured_queries))

    assert counts[0] == counts[1]


@pytest.mark.parametrize("year,kept,dropped", [(2024, "V7", "V3"), (2025, "V3", "V7")])
@pytest.mark.parametrize("layout", ["response", "bestuur"])
def test_cluster_filter_reads_the_same_day_as_the_columns(
    kruisem, year, kept, dropped, layout
):
    town, plain = kruisem
    campaign = make_export_campaign(opens_at=_opening(year))
    make_export_response(campaign=campaign, municipalities=[town])
    make_export_response(campaign=campaign, municipalities=[plain])

    def names(cluster):
        filters = ExportFilters(clusters=(cluster,))
        header, *rows = list(
            export_rows(campaign=campaign, layout=layout, filters=filters)
        )
        column = header.index(
            "municipality" if layout == "bestuur" else "municipalities"
        )
        return [row[column] for row in rows]

    # Kruisem is in V7 on a 2024 opening day and in V3 on a 2025 one.
    assert names(kept) == ["Kruisem"]
    assert names(dropped) == []
    assert names("V15") == ["Gent"]
