import datetime as dt

import pytest

from municipalities.models import (
    Cluster,
    ClusterSource,
    ClusterType,
    Contact,
    ContactRole,
    Municipality,
    Province,
)
from municipalities.queries import current_municipalities, municipalities_on
from municipalities.services import (
    DEMO_DOMAIN,
    choose_merger_cluster,
    create_demo_contacts,
    load_reference_data,
)

pytestmark = pytest.mark.django_db

FAMILIES = {
    "V1": ClusterType.WOON,
    "V5": ClusterType.WOON,
    "V7": ClusterType.LANDELIJK,
    "V8": ClusterType.LANDELIJK,
    "V10": ClusterType.ECONOMISCH,
    "V12": ClusterType.ECONOMISCH,
    "V13": ClusterType.VERSTEDELIJKT,
    "V15": ClusterType.STEDEN,
    "V16": ClusterType.KUST,
}


def test_load_reference_data_creates_both_maps(reference_data):
    assert reference_data.municipalities.created == 312
    assert Province.objects.count() == 5
    assert Cluster.objects.count() == 16
    assert current_municipalities().count() == 285
    assert municipalities_on(dt.date(2024, 12, 31)).count() == 300
    ended = Municipality.objects.filter(valid_to=dt.date(2025, 1, 1))
    # 27 codes ended on 2025-01-01 (300 - 27 + 12 new codes = 285, a net loss of 15).
    assert ended.count() == 27
    assert ended.filter(successor__isnull=True).count() == 0
    assert set(ended.values_list("successor__valid_to", flat=True)) == {None}


def test_load_reference_data_sets_provinces_and_fields(reference_data):
    assert dict(Province.objects.values_list("nis_code", "name")) == {
        "10000": "Antwerpen",
        "20001": "Vlaams-Brabant",
        "30000": "West-Vlaanderen",
        "40000": "Oost-Vlaanderen",
        "70000": "Limburg",
    }
    counts = {
        p.name: p.municipalities.filter(valid_to=None).count()
        for p in Province.objects.all()
    }
    assert counts == {
        "Antwerpen": 67,
        "Vlaams-Brabant": 63,
        "West-Vlaanderen": 62,
        "Oost-Vlaanderen": 55,
        "Limburg": 38,
    }
    aartselaar = Municipality.objects.get(nis_code="11001")
    assert (aartselaar.name, aartselaar.province.nis_code, aartselaar.cluster.code) == (
        "Aartselaar",
        "10000",
        "V10",
    )
    assert (aartselaar.police_zone_code, aartselaar.police_zone_name) == (
        "ipz1",
        "PZ Hekla",
    )
    assert aartselaar.valid_from is None and aartselaar.valid_to is None
    pajottegem = Municipality.objects.get(nis_code="23106")
    assert (
        pajottegem.valid_from,
        pajottegem.cluster.code,
        pajottegem.cluster_source,
    ) == (
        dt.date(2025, 1, 1),
        "V6",
        ClusterSource.BELFIUS,
    )
    assert Municipality.objects.get(nis_code="12041").valid_from == dt.date(2019, 1, 1)


def test_load_reference_data_clusters_use_vvsg_2024_wording(reference_data):
    v15 = Cluster.objects.get(code="V15")
    v16 = Cluster.objects.get(code="V16")
    assert (v15.number, v15.label, v15.type) == (
        15,
        "Grootsteden en centrumsteden",
        "steden",
    )
    assert (v16.label, v16.type) == ("Kustgemeenten", "kust")
    assert Cluster.objects.get(code="V9").label == (
        "Gemeenten in de stadsrand met economische aantrekking "
        "en toenemend aantal jongeren"
    )
    assert set(Cluster.objects.values_list("type", flat=True)) == set(
        ClusterType.values
    )


def test_load_reference_data_merged_municipalities_point_at_successor(reference_data):
    borsbeek = Municipality.objects.get(nis_code="11007")
    antwerpen = Municipality.objects.get(nis_code="11002")
    assert (borsbeek.valid_to, borsbeek.successor) == (dt.date(2025, 1, 1), antwerpen)
    assert antwerpen.valid_to is None and antwerpen.successor is None
    zwijndrecht = Municipality.objects.get(nis_code="11056")
    assert zwijndrecht.province.name == "Antwerpen"
    assert zwijndrecht.successor.nis_code == "46030"
    assert zwijndrecht.successor.province.name == "Oost-Vlaanderen"
    # A municipality gone in 2025 keeps its own Belfius 2017 cluster.
    assert (zwijndrecht.cluster.code, zwijndrecht.cluster_source) == ("V9", "belfius")
    assert Municipality.objects.get(nis_code="73040").cluster.code == "V5"  # Kortessem


def test_load_reference_data_twice_changes_nothing(reference_data):
    before = list(Municipality.objects.order_by("pk").values())
    cluster_ids = list(Cluster.objects.order_by("pk").values_list("pk", "code"))

    second = load_reference_data()

    assert (second.municipalities.created, second.municipalities.updated) == (0, 0)
    assert second.municipalities.unchanged == 312
    assert (second.clusters.unchanged, second.provinces.unchanged) == (16, 5)
    assert list(Municipality.objects.order_by("pk").values()) == before
    assert list(Cluster.objects.order_by("pk").values_list("pk", "code")) == cluster_ids


def test_load_reference_data_repairs_edited_reference_fields(reference_data):
    Municipality.objects.filter(nis_code="11001").update(name="Aartselaar (oud)")

    result = load_reference_data()

    assert (result.municipalities.updated, result.municipalities.created) == (1, 0)
    assert Municipality.objects.get(nis_code="11001").name == "Aartselaar"


@pytest.mark.parametrize(
    ("nis", "name", "cluster"),
    [
        ("11002", "Antwerpen", "V15"),  # name match: Antwerpen over Borsbeek V14
        ("71072", "Hasselt", "V15"),  # name match: Hasselt over Kortessem V5
        ("73111", "Tongeren-Borgloon", "V13"),  # first name part: Tongeren
        ("46030", "Beveren-Kruibeke-Zwijndrecht", "V12"),  # first part: Beveren
        ("12041", "Puurs-Sint-Amands", "V10"),  # first part: Puurs (2019 merger)
        ("44085", "Lievegem", "V5"),  # no name match: woon beats landelijk
        ("45068", "Kruisem", "V4"),  # no name match: woon V4 beats landelijk V7
        ("72042", "Oudsbergen", "V10"),  # no name match: economisch beats woon
        ("72043", "Pelt", "V12"),  # "Pelt" is neither Neerpelt nor Overpelt
    ],
)
def test_load_reference_data_mixed_merger_rule(reference_data, nis, name, cluster):
    municipality = Municipality.objects.get(nis_code=nis)

    assert (municipality.name, municipality.cluster.code) == (name, cluster)
    assert municipality.cluster_source == ClusterSource.MERGER_RULE


def test_load_reference_data_marks_exactly_18_merger_rule_clusters(reference_data):
    assert Municipality.objects.filter(cluster_source="merger_rule").count() == 18
    assert current_municipalities().filter(cluster__isnull=True).count() == 0


def test_load_reference_data_keeps_import_override(reference_data):
    v6 = Cluster.objects.get(code="V6")
    Municipality.objects.filter(nis_code="72043").update(
        cluster=v6, cluster_source=ClusterSource.IMPORT
    )

    result = load_reference_data()

    pelt = Municipality.objects.get(nis_code="72043")
    assert (pelt.cluster.code, pelt.cluster_source) == ("V6", ClusterSource.IMPORT)
    assert result.municipalities.updated == 0


def test_choose_merger_cluster_ignores_case_and_diacritics():
    chosen = choose_merger_cluster(
        "Élsene-Noord", [("Noord", "V15"), ("ELSENE", "V7")], FAMILIES
    )

    assert chosen == "V7"


def test_choose_merger_cluster_breaks_ties_on_family_then_number():
    constituents = [("A", "V8"), ("B", "V16"), ("C", "V12"), ("D", "V10")]

    assert choose_merger_cluster("Nieuw", constituents, FAMILIES) == "V10"
    assert (
        choose_merger_cluster("Nieuw", [("A", "V16"), ("B", "V5")], FAMILIES) == "V16"
    )


def test_create_demo_contacts_is_deterministic_and_fake(reference_data):
    created = create_demo_contacts(seed=2026)
    first = list(Contact.objects.order_by("email").values_list("email", "name", "role"))

    again = create_demo_contacts(seed=2026)

    assert again == 0
    assert created == Contact.objects.count()
    assert (
        list(Contact.objects.order_by("email").values_list("email", "name", "role"))
        == first
    )
    assert Contact.objects.filter(role=ContactRole.MAYOR).count() == 285
    assert 285 <= created <= 285 * 3
    assert all(email.endswith(f"@{DEMO_DOMAIN}") for email, _, _ in first)
    assert not Contact.objects.filter(municipality__valid_to__isnull=False).exists()
