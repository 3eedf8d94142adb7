import pytest
import tablib

from municipalities.models import ClusterSource, Contact, Municipality
from municipalities.resources import (
    ContactResource,
    MunicipalityResource,
    RowError,
    row_errors,
)
from municipalities.services import load_reference_data
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

CONTACT_HEADERS = ["nis_code", "role", "function", "name", "email", "active"]


def contacts(*rows):
    return tablib.Dataset(*rows, headers=CONTACT_HEADERS)


def bad_contact_rows():
    return contacts(
        ["11001", "mayor", "Burgemeester", "Goed Rij", "goed@example.be", "1"],
        ["1234", "mayor", "", "Korte Nis", "kort@example.be", "1"],
        ["99999", "staff", "", "Onbekend", "onbekend@example.be", "1"],
        ["11002", "chef", "", "Rare Rol", "rol@example.be", "1"],
        ["11004", "staff", "", "Slecht Adres", "geen-adres", "1"],
    )


BAD_CONTACT_ERRORS = [
    RowError(2, "nis_code", "Ongeldige NIS-code '1234': verwacht precies 5 cijfers."),
    RowError(3, "nis_code", "Onbekende gemeente met NIS-code 99999."),
    RowError(
        4,
        "role",
        "Onbekende rol 'chef': gebruik mayor, director, livc, prevention, policy, "
        "coordinator of staff (of de Nederlandse naam, bv. burgemeester).",
    ),
    RowError(5, "email", "Ongeldig e-mailadres 'geen-adres'."),
]


def test_contact_resource_creates_then_updates(reference_data):
    resource = ContactResource()
    first = contacts(
        ["11001", "burgemeester", "Burgemeester", "An Peeters", "An@X.be", ""]
    )

    created = resource.import_data(first)
    updated = resource.import_data(
        contacts(
            ["11001", "mayor", "Burgemeester", "An Peeters-Maes", "an@x.be", "nee"]
        )
    )

    assert (created.totals["new"], updated.totals["update"]) == (1, 1)
    assert list(
        Contact.objects.values_list("municipality__nis_code", "email", "name", "active")
    ) == [("11001", "an@x.be", "An Peeters-Maes", False)]


def test_contact_resource_reports_every_error_and_imports_nothing(reference_data):
    resource = ContactResource()

    result = resource.import_data(bad_contact_rows())

    assert row_errors(resource, result) == BAD_CONTACT_ERRORS
    assert Contact.objects.count() == 0


def test_contact_resource_rolls_back_valid_rows_before_an_error(reference_data):
    existing = make_contact(
        municipality=Municipality.objects.get(nis_code="11001"), name="Oud"
    )
    resource = ContactResource()
    rows = contacts(
        ["11001", "mayor", "", "Nieuw", existing.email, "1"],
        ["11002", "staff", "", "Extra", "extra@example.be", "1"],
        ["11004", "staff", "", "Fout", "fout@", "1"],
    )

    result = resource.import_data(rows)

    assert [(e.row, e.field) for e in row_errors(resource, result)] == [(3, "email")]
    assert list(Contact.objects.values_list("name", flat=True)) == ["Oud"]


def test_contact_resource_dry_run_saves_nothing(reference_data):
    resource = ContactResource()

    result = resource.import_data(
        contacts(["11001", "mayor", "", "Droog", "droog@example.be", "1"]), dry_run=True
    )

    assert (result.totals["new"], Contact.objects.count()) == (1, 0)


def test_contact_resource_exports_what_it_imports(reference_data):
    make_contact(
        municipality=Municipality.objects.get(nis_code="11002"),
        role="staff",
        name="Exporteur",
        email="exp@example.be",
    )
    resource = ContactResource()

    exported = resource.export()
    again = resource.import_data(tablib.Dataset().load(exported.csv, format="csv"))

    assert exported.dict == [
        {
            "nis_code": "11002",
            "municipality_name": "Antwerpen",
            "role": "staff",
            "function": "",
            "organisation": "",
            "name": "Exporteur",
            "email": "exp@example.be",
            "active": "1",
            "besturen": "",
        }
    ]
    assert (again.totals["skip"], again.totals["new"], Contact.objects.count()) == (
        1,
        0,
        1,
    )


MUNICIPALITY_HEADERS = ["nis_code", "name", "province", "cluster", "successor"]


def test_municipality_resource_updates_by_nis_and_marks_cluster_import(reference_data):
    resource = MunicipalityResource()
    rows = tablib.Dataset(
        ["72043", "Pelt", "Limburg", "v6", ""],
        [11001, "Aartselaar", "10000", "V10", ""],
        headers=MUNICIPALITY_HEADERS,
    )

    result = resource.import_data(rows)
    load_reference_data()  # a reload must not undo the hand-picked cluster

    assert (result.totals["update"], result.totals["skip"], result.totals["new"]) == (
        1,
        1,
        0,
    )
    assert Municipality.objects.count() == 312
    pelt = Municipality.objects.get(nis_code="72043")
    assert (pelt.cluster.code, pelt.cluster_source) == ("V6", ClusterSource.IMPORT)
    aartselaar = Municipality.objects.get(nis_code="11001")
    assert aartselaar.cluster_source == ClusterSource.BELFIUS


def test_municipality_resource_reports_errors_and_imports_nothing(reference_data):
    resource = MunicipalityResource()
    rows = tablib.Dataset(
        ["11001", "Aartselaar", "Antwerpen", "V3", ""],
        ["123456", "Te Lang", "Antwerpen", "V1", ""],
        ["11002", "Antwerpen", "Antwerpen", "V17", ""],
        ["11007", "Borsbeek", "Brabant", "V14", "99998"],
        headers=MUNICIPALITY_HEADERS,
    )

    result = resource.import_data(rows)

    assert row_errors(resource, result) == [
        RowError(
            2, "nis_code", "Ongeldige NIS-code '123456': verwacht precies 5 cijfers."
        ),
        RowError(
            3, "cluster", "Onbekende clustercode 'V17': verwacht V1 tot en met V16."
        ),
        RowError(4, "province", "Onbekende provincie 'Brabant'."),
        RowError(4, "successor", "Onbekende gemeente met NIS-code 99998."),
    ]
    assert Municipality.objects.get(nis_code="11001").cluster.code == "V10"
    assert not Municipality.objects.filter(name="Te Lang").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_contact_resource_all_or_nothing_on_postgresql(postgres):
    """Outside a test transaction: the rollback must reach the real database."""
    load_reference_data()
    resource = ContactResource()

    failed = resource.import_data(bad_contact_rows())
    postgres.ensure_connection()
    good = resource.import_data(
        contacts(["11001", "mayor", "", "Goed Rij", "goed@example.be", "1"])
    )

    assert row_errors(resource, failed) == BAD_CONTACT_ERRORS
    assert (good.totals["new"], Contact.objects.count()) == (1, 1)
    assert postgres.vendor == "postgresql"


COORDINATOR_HEADERS = [*CONTACT_HEADERS, "organisation", "besturen"]


def test_contact_resource_imports_roles_and_coordinator_besturen(reference_data):
    resource = ContactResource()
    rows = tablib.Dataset(
        ["11002", "directeur", "", "Dirk Directeur", "dirk@antwerpen.be", "", "", ""],
        ["11002", "LIVC R-coördinator", "", "Lies", "lies@antwerpen.be", "", "", ""],
        [
            "11001",
            "coordinator",
            "IGS-coördinator",
            "Cas Coördinator",
            "cas@igs.be",
            "",
            "IGS Noord",
            "11002; 11004,11001",
        ],
        headers=COORDINATOR_HEADERS,
    )

    result = resource.import_data(rows)

    assert row_errors(resource, result) == []
    coordinator = Contact.objects.get(email="cas@igs.be")
    assert (coordinator.role, coordinator.organisation) == ("coordinator", "IGS Noord")
    assert sorted(coordinator.serves.values_list("nis_code", flat=True)) == [
        "11001",
        "11002",
        "11004",
    ]
    assert dict(Contact.objects.values_list("email", "role")) == {
        "dirk@antwerpen.be": "director",
        "lies@antwerpen.be": "livc",
        "cas@igs.be": "coordinator",
    }
    exported = resource.export().dict
    assert [r["besturen"] for r in exported if r["email"] == "cas@igs.be"] == [
        "11001;11002;11004"
    ]


def test_contact_resource_besturen_errors_per_row_and_nothing_imported(
    reference_data,
):
    resource = ContactResource()
    rows = tablib.Dataset(
        ["11001", "coordinator", "", "Goed", "goed@igs.be", "", "IGS", "11002"],
        ["11001", "mayor", "", "Geen Coörd", "bm@x.be", "", "", "11002"],
        ["11001", "coordinator", "", "Fout", "fout@igs.be", "", "", "11002;99999"],
        ["11001", "coordinator", "", "Kort", "kort@igs.be", "", "", "123"],
        headers=COORDINATOR_HEADERS,
    )

    result = resource.import_data(rows)

    assert row_errors(resource, result) == [
        RowError(
            2,
            "besturen",
            "Alleen een intergemeentelijk coördinator (rol coordinator) kan "
            "besturen hebben.",
        ),
        RowError(
            3,
            "besturen",
            "Onbekende of niet meer bestaande gemeente(n) in besturen: 99999.",
        ),
        RowError(
            4, "besturen", "Ongeldige NIS-code '123': verwacht precies 5 cijfers."
        ),
    ]
    assert Contact.objects.count() == 0
