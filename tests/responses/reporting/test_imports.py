"""Import of an earlier wave from the export format: validation, dry run, round trip."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command

from responses.models import Answer, Response, ResponseStatus
from responses.reporting.exports import (
    META_COLUMNS,
    export_rows,
    stream_csv,
    write_xlsx,
)
from responses.reporting.imports import RowError, import_responses
from tests.factories import (
    make_export_campaign,
    make_export_response,
    make_municipality,
)

pytestmark = pytest.mark.django_db

ANSWERS = {
    "q1": "ja",
    "q2": ["rad", "ander"],
    "q3": {"r1": "2", "r2": "3"},
    "q4": "=gevaarlijk? nee",
    "q5": 12,
    "q6": ["46003"],
    "q7": "ander",
}
SUBMITTED = datetime(2022, 4, 1, 12, 0, tzinfo=UTC)
OTHERS = {"q2": "Extreemrechts", "q7": "'@quote"}


@pytest.fixture
def wave():
    """A 2022 wave with two responses; one coordinator for two (historic) besturen."""
    m1 = make_municipality(nis_code="46003", name="Beveren")
    m2 = make_municipality(
        nis_code="46013", name="Kruibeke", valid_to=date(2024, 12, 31)
    )
    m3 = make_municipality(
        nis_code="46020", name="Zwijndrecht", valid_to=date(2024, 12, 31)
    )
    source = make_export_campaign(slug="ledenbevraging-2022")
    make_export_response(
        campaign=source, municipalities=[m1], answers=ANSWERS, others=OTHERS,
        respondent_function="Burgemeester", submitted_at=SUBMITTED,
    )  # fmt: skip
    make_export_response(
        campaign=source, municipalities=[m2, m3],
        answers={"q1": "nee", "q3": {"r1": "1"}, "q5": 7, "q4": "tweede"},
        respondent_function="-coördinator", submitted_at=SUBMITTED,
    )  # fmt: skip
    target = make_export_campaign(instrument=source.instrument, slug="import-2022")
    return source, target


def export_csv(campaign, **kw) -> bytes:
    return b"".join(stream_csv(export_rows(campaign=campaign, **kw)))


def answer_part(campaign, **kw) -> list[list]:
    """Export rows without response_id/campaign/started_at (they differ per copy)."""
    rows = list(export_rows(campaign=campaign, **kw))
    keep = [i for i, n in enumerate(rows[0]) if n not in ("response_id", "campaign")]
    return [[row[i] for i in keep] for row in rows]


def csv_file(rows: list[list], delimiter=";") -> io.BytesIO:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return io.BytesIO(("\ufeff" + buffer.getvalue()).encode("utf-8"))


def test_round_trip_csv_gives_identical_answer_columns(wave):
    source, target = wave

    result = import_responses(campaign=target, source=io.BytesIO(export_csv(source)))

    assert (result.ok, result.responses, result.answers) == (True, 2, 11)
    assert answer_part(target) == answer_part(source)
    imported = Response.objects.filter(campaign=target)
    assert {(r.status, r.imported) for r in imported} == {("submitted", True)}
    assert sorted(imported.values_list("is_coordinator", flat=True)) == [False, True]


def test_round_trip_xlsx_and_bestuur_layout(wave, tmp_path):
    source, target = wave
    path = tmp_path / "wave.xlsx"
    write_xlsx(export_rows(campaign=source, layout="bestuur"), str(path))

    result = import_responses(campaign=target, source=path)

    assert (result.ok, result.responses) == (True, 2)
    assert answer_part(target) == answer_part(source)


def test_round_trip_of_a_labels_export(wave):
    source, target = wave

    data = export_csv(source, labels=True)
    result = import_responses(campaign=target, source=io.BytesIO(data))

    assert result.ok
    assert answer_part(target) == answer_part(source)


def test_import_validates_every_row_and_writes_nothing(wave):
    source, target = wave
    make_export_response(
        campaign=target, municipalities=[make_municipality(nis_code="11001")]
    )
    header = META_COLUMNS["response"][:6] + ["q1", "q2__pol", "q4", "q5", "q6"]
    long_text = "x" * 51
    rows = [
        header,
        ["", "", "", "", "", "46003", "misschien", "1", "", "", ""],
        ["", "", "", "", "", "46013", "ja", "ja", long_text, "twaalf", ""],
        ["", "", "", "", "", "99999;11001", "ja", "", "", "3,5", "12345"],
        ["", "", "", "", "", "46003", "", "", "", "", ""],
    ]
    before = (Response.objects.count(), Answer.objects.count())

    result = import_responses(campaign=target, source=csv_file(rows))

    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "q1"),
        (3, "q2__pol"),
        (3, "q5"),
        (3, "q4"),
        (4, "q6"),
        (4, "q5"),
        (4, "nis_codes"),
        (4, "nis_codes"),
        (5, "nis_codes"),
    ]
    messages = [str(e) for e in result.errors]
    assert messages[0] == (
        "rij 2, kolom q1: onbekende optiecode 'misschien' (toegelaten: ja, nee)"
    )
    assert "verwacht 0 of 1, niet 'ja'" in messages[1]
    assert "geen getal: 'twaalf'" in messages[2]
    assert "hoogstens 50 tekens" in messages[3]
    assert "onbekende NIS-code '12345'" in messages[4]
    assert "geheel getal" in messages[5]
    assert "onbekende NIS-code '99999'" in messages[6]
    assert "NIS-code 11001 heeft al een antwoord in deze bevraging" in messages[7]
    assert "NIS-code 46003 staat ook in rij 2" in messages[8]
    assert (Response.objects.count(), Answer.objects.count()) == before


def test_import_rejects_unknown_columns(wave):
    _, target = wave
    rows = [["nis_codes", "q1", "q99", "q2__nope"], ["46003", "ja", "", ""]]

    result = import_responses(campaign=target, source=csv_file(rows, delimiter=","))

    assert result.errors == [
        RowError(1, "q99", "onbekende kolom"),
        RowError(1, "q2__nope", "onbekende kolom"),
    ]
    assert Response.objects.filter(campaign=target).count() == 0


def test_dry_run_reports_and_writes_nothing(wave):
    source, target = wave

    result = import_responses(
        campaign=target, source=io.BytesIO(export_csv(source)), dry_run=True
    )

    assert (result.ok, result.dry_run, result.responses, result.answers) == (
        True, True, 2, 11,
    )  # fmt: skip
    assert Response.objects.filter(campaign=target).count() == 0


def test_import_keeps_wave_dates_and_function(wave):
    source, target = wave
    rows = [
        ["nis_codes", "respondent_function", "started_at", "submitted_at", "q1"],
        ["46003", "'-schepen", "2022-03-01 09:00:00", "2022-03-02 10:00:00", "nee"],
    ]

    assert import_responses(campaign=target, source=csv_file(rows)).ok

    response = Response.objects.get(campaign=target)
    assert response.respondent_function == "-schepen"
    assert f"{response.submitted_at:%Y-%m-%d}" == "2022-03-02"
    assert f"{response.started_at:%Y-%m-%d}" == "2022-03-01"
    assert response.status == ResponseStatus.SUBMITTED


def test_import_command_dry_run_and_errors(wave, tmp_path):
    source, target = wave
    good = tmp_path / "good.csv"
    good.write_bytes(export_csv(source))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(export_csv(source).replace(b";ja;", b";jaa;"))
    out, err = io.StringIO(), io.StringIO()

    call_command("import_responses", target.slug, str(good), "--dry-run", stdout=out)
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_responses", target.slug, str(bad), stderr=err)
    assert Response.objects.filter(campaign=target).count() == 0
    call_command("import_responses", target.slug, str(good), stdout=out)

    assert "would create 2 responses with 11 answers" in out.getvalue()
    assert "created 2 responses" in out.getvalue()
    assert "kolom q1: onbekende optiecode 'jaa'" in err.getvalue()
    assert Response.objects.filter(campaign=target, imported=True).count() == 2


def test_admin_import_page_dry_run_then_import(wave, client):
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    source, target = wave
    client.force_login(User.objects.create_superuser("root", "r@example.test", "x"))
    data = export_csv(source)

    def post(dry_run: bool):
        upload = SimpleUploadedFile("wave.csv", data, content_type="text/csv")
        form = {"campaign": target.pk, "file": upload}
        return client.post(
            "/admin/responses/response/import/",
            form | ({"dry_run": "on"} if dry_run else {}),
        )

    page = post(dry_run=True).content.decode()
    assert "zou 2 responsen met 11 antwoorden aanmaken" in page
    assert Response.objects.filter(campaign=target).count() == 0

    response = post(dry_run=False)
    assert response.status_code == 302
    assert Response.objects.filter(campaign=target, imported=True).count() == 2

    page = post(dry_run=False).content.decode()  # the same besturen again
    assert "heeft al een antwoord in deze bevraging" in page
    assert Response.objects.filter(campaign=target).count() == 2


def test_admin_import_page_needs_add_permission(wave, client):
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    source, target = wave
    client.force_login(User.objects.create_user("staff", password="x", is_staff=True))
    upload = SimpleUploadedFile("wave.csv", export_csv(source), content_type="text/csv")

    page = client.get("/admin/responses/response/import/")
    posted = client.post(
        "/admin/responses/response/import/", {"campaign": target.pk, "file": upload}
    )

    assert (page.status_code, posted.status_code) == (403, 403)
    assert "Antwoorden van een vorige golf importeren" not in page.content.decode()
    assert Response.objects.filter(campaign=target).count() == 0
    assert Answer.objects.filter(response__campaign=target).count() == 0


def test_import_reads_excel_cp1252_csv_and_reports_unreadable_xlsx(wave, tmp_path):
    _, target = wave
    legacy = "nis_codes;respondent_function;q4\r\n46003;Schepen;Café  \r\n"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")

    result = import_responses(
        campaign=target, source=io.BytesIO(legacy.encode("cp1252")), dry_run=True
    )
    unreadable = import_responses(campaign=target, source=broken)

    assert (result.ok, result.answers) == (True, 1)
    assert [(e.row, e.column) for e in unreadable.errors] == [(1, "-")]
    assert import_responses(
        campaign=target, source=io.BytesIO(legacy.encode("cp1252"))
    ).ok
    assert Answer.objects.get(response__campaign=target).value == "Café  "


# --- status and timestamps (issue 18) -----------------------------------------------


def test_import_keeps_status_and_times_of_incomplete_responses(wave):
    _, target = wave
    rows = [
        ["nis_codes", "status", "started_at", "submitted_at", "q1"],
        ["46003", "started", "2022-03-01 09:00:00", "", "ja"],
        ["46013", "Gedeeltelijk ingevuld", "2022-03-02 09:30:00", "", "nee"],
        ["46020", "submitted", "2022-03-03 08:00:00", "2022-03-03 08:45:00", "ja"],
    ]

    result = import_responses(campaign=target, source=csv_file(rows))

    assert (result.ok, result.responses) == (True, 3)
    got = {
        r.represented.get().municipality.nis_code: (
            r.status,
            f"{r.started_at.astimezone():%Y-%m-%d %H:%M}",
            r.submitted_at and f"{r.submitted_at.astimezone():%Y-%m-%d %H:%M}",
        )
        for r in Response.objects.filter(campaign=target)
    }
    assert got == {
        "46003": ("started", "2022-03-01 09:00", None),
        "46013": ("partial", "2022-03-02 09:30", None),
        "46020": ("submitted", "2022-03-03 08:00", "2022-03-03 08:45"),
    }


def test_round_trip_keeps_status_and_timestamps(wave):
    source, target = wave
    first = Response.objects.filter(campaign=source).order_by("pk").first()
    Response.objects.filter(pk=first.pk).update(
        status=ResponseStatus.PARTIAL, submitted_at=None
    )

    result = import_responses(campaign=target, source=io.BytesIO(export_csv(source)))

    assert result.ok
    # answer_part keeps status, started_at, submitted_at and completion_pct
    assert answer_part(target) == answer_part(source)
    statuses = sorted(
        Response.objects.filter(campaign=target).values_list("status", flat=True)
    )
    assert statuses == ["partial", "submitted"]


def test_import_reports_unknown_status_and_bad_times_per_row(wave):
    _, target = wave
    rows = [
        ["nis_codes", "status", "started_at", "submitted_at", "q1"],
        ["46003", "klaar", "", "", "ja"],
        ["46013", "started", "gisteren", "2022-03-02 10:00:00", "nee"],
        ["46020", "submitted", "2022-03-05 10:00:00", "2099-03-04 10:00:00", ""],
        ["11001", "", "2022-02-30 10:00:00", "", "ja"],
    ]
    make_municipality(nis_code="11001")
    before = (Response.objects.count(), Answer.objects.count())

    result = import_responses(campaign=target, source=csv_file(rows))

    assert [str(e) for e in result.errors] == [
        "rij 2, kolom status: onbekende status 'klaar' "
        "(toegelaten: started, partial, submitted)",
        "rij 3, kolom started_at: ongeldige datum/tijd: 'gisteren'",
        "rij 3, kolom submitted_at: ingediend op ingevuld, maar de status is 'started'",
        "rij 4, kolom submitted_at: ligt in de toekomst: 2099-03-04 10:00",
        "rij 5, kolom started_at: ongeldige datum/tijd: '2022-02-30 10:00:00'",
    ]
    assert (Response.objects.count(), Answer.objects.count()) == before
