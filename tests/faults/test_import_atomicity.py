"""Every import path writes all rows or none, also when the *write* fails halfway.

Validation errors are caught before writing (tests/responses/reporting/
test_imports.py); here a real PostgreSQL trigger raises on the Nth inserted row, after
earlier rows (and other tables) were written. The tests run without a wrapping test
transaction (transactional_db), so only the import's own transaction can undo them.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from municipalities.models import Cluster, Contact, Municipality, Province
from municipalities.services import load_reference_data
from responses.models import Answer, Response, ResponseMunicipality
from responses.reporting.exports import export_rows, stream_csv
from responses.reporting.imports import import_responses
from tests.conftest import missing_service
from tests.factories import (
    make_export_campaign,
    make_export_response,
    make_municipality,
)

pytestmark = pytest.mark.services


@pytest.fixture
def fail_on_row(transactional_db):
    """fail_on_row(table, n): the n-th INSERT into `table` raises in PostgreSQL."""
    if connection.vendor != "postgresql":
        missing_service("the injected write failure is a PostgreSQL trigger")
    tables = []

    def install(table: str, n: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("CREATE SEQUENCE IF NOT EXISTS test_fail_seq")
            cursor.execute("ALTER SEQUENCE test_fail_seq RESTART WITH 1")
            cursor.execute(
                "CREATE OR REPLACE FUNCTION test_fail_on_row() RETURNS trigger AS $$ "
                "BEGIN IF nextval('test_fail_seq') >= TG_ARGV[0]::int THEN "
                "RAISE EXCEPTION 'injected failure on row %', TG_ARGV[0]; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER test_fail BEFORE INSERT ON {table} "  # noqa: S608
                f"FOR EACH ROW EXECUTE FUNCTION test_fail_on_row({int(n)})"
            )
        tables.append(table)

    yield install
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TRIGGER IF EXISTS test_fail ON {table}")


def _rows_inserted() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM test_fail_seq")
        return cursor.fetchone()[0]


@pytest.fixture
def wave():
    m1 = make_municipality(nis_code="46003", name="Beveren")
    m2 = make_municipality(nis_code="46013", name="Kruibeke")
    m3 = make_municipality(nis_code="46020", name="Zwijndrecht")
    source = make_export_campaign(slug="golf-2022")
    for municipality in (m1, m2, m3):
        make_export_response(
            campaign=source,
            municipalities=[municipality],
            answers={"q1": "ja", "q3": {"r1": "2", "r2": "3"}, "q5": 12},
        )
    target = make_export_campaign(instrument=source.instrument, slug="import-2022")
    data = b"".join(stream_csv(export_rows(campaign=source)))
    return target, data


def _nothing_imported(target) -> None:
    assert Response.objects.filter(campaign=target).count() == 0
    assert ResponseMunicipality.objects.filter(campaign=target).count() == 0
    assert Answer.objects.filter(response__campaign=target).count() == 0


def test_response_import_service_writes_nothing_when_an_answer_insert_fails(
    fail_on_row, wave
):
    target, data = wave
    fail_on_row("responses_answer", 5)  # 3 responses, 3 links, 4 answers written

    with pytest.raises(Exception, match="injected failure on row 5"):
        import_responses(campaign=target, source=io.BytesIO(data))

    assert _rows_inserted() == 5
    _nothing_imported(target)


def test_response_import_command_writes_nothing_when_a_write_fails(
    fail_on_row, wave, tmp_path
):
    target, data = wave
    path = tmp_path / "golf.csv"
    path.write_bytes(data)
    fail_on_row("responses_responsemunicipality", 3)

    with pytest.raises(Exception, match="injected failure on row 3"):
        call_command("import_responses", target.slug, str(path))

    _nothing_imported(target)


def test_response_admin_import_writes_nothing_when_a_write_fails(
    fail_on_row, wave, client
):
    target, data = wave
    client.force_login(User.objects.create_superuser("root", "r@example.test", "x"))
    client.raise_request_exception = False
    fail_on_row("responses_answer", 7)

    reply = client.post(
        "/admin/responses/response/import/",
        {"campaign": target.pk, "file": SimpleUploadedFile("golf.csv", data)},
    )

    assert reply.status_code == 500
    assert _rows_inserted() == 7
    _nothing_imported(target)


CONTACTS = (
    b"nis_code,role,function,name,email,active\n"
    b"46003,mayor,,Een,een@example.be,1\n"
    b"46013,mayor,,Twee,twee@example.be,1\n"
    b"46020,mayor,,Drie,drie@example.be,1\n"
)


def test_contact_import_command_writes_nothing_when_row_three_fails(
    fail_on_row, wave, tmp_path
):
    path = tmp_path / "contacts.csv"
    path.write_bytes(CONTACTS)
    before = Contact.objects.count()
    fail_on_row("municipalities_contact", 3)

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_contacts", str(path))

    assert _rows_inserted() == 3
    assert Contact.objects.count() == before


def test_contact_admin_import_writes_nothing_when_row_three_fails(
    fail_on_row, wave, client
):
    client.force_login(User.objects.create_superuser("root", "r@example.test", "x"))
    before = Contact.objects.count()
    confirm = client.post(
        reverse("admin:municipalities_contact_import"),
        {
            "import_file": SimpleUploadedFile("contacts.csv", CONTACTS),
            "format": "0",
        },
    )
    form = confirm.context["confirm_form"]
    fail_on_row("municipalities_contact", 3)

    page = client.post(
        reverse("admin:municipalities_contact_process_import"),
        {name: form[name].value() for name in form.fields},
        follow=True,
    )

    assert _rows_inserted() == 3
    assert Contact.objects.count() == before
    assert [str(m) for m in page.context["messages"]] == [
        "Import mislukt, er is niets opgeslagen: injected failure on row 3"
    ]
    assert not LogEntry.objects.filter(content_type__model="contact").exists()


def test_reference_data_load_writes_nothing_when_a_municipality_insert_fails(
    fail_on_row,
):
    fail_on_row("municipalities_municipality", 200)

    with pytest.raises(Exception, match="injected failure on row 200"):
        load_reference_data()

    assert _rows_inserted() == 200
    assert (
        Province.objects.count(),
        Cluster.objects.count(),
        Municipality.objects.count(),
    ) == (0, 0, 0)
