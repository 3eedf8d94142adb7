"""Hostile files against every import path: a clear error, bounded memory, no rows.

Paths: `import_responses` (service, command, admin view), `import_contacts` and the
django-import-export admin imports. Files: 200 MB CSV, XLSX zip bomb and entity
bomb, Latin-1 / UTF-16 / broken UTF-8, formulas and HTML in cells, 100,000 rows
with a bad last row. Peak memory is measured (tracemalloc in this process for the
real service, ru_maxrss of a fresh subprocess for the reader on its own).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from municipalities.models import Contact
from responses.models import Answer, Response
from responses.reporting.imports import import_responses
from tests.factories import make_export_campaign, make_municipality

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MB = 1_000_000
HEADER = ["response_id", "nis_codes", "respondent_function", "q1", "q4"]
CONTACT_HEADER = "nis_code,role,function,name,email,active\n"


@pytest.fixture
def target():
    make_municipality(nis_code="11001", name="Aartselaar")
    make_municipality(nis_code="11002", name="Antwerpen")
    return make_export_campaign(slug="doel")


def _nothing_written() -> bool:
    counts = (Response.objects.count(), Answer.objects.count(), Contact.objects.count())
    return counts == (0, 0, 0)


def write_big_csv(path: Path, size: int, *, header: str, line: str) -> Path:
    """Stream `size` bytes of rows to disk (never held in memory)."""
    block = line.encode() * max(1, (1 << 20) // len(line))
    with path.open("wb") as fh:
        fh.write(header.encode())
        while fh.tell() < size:
            fh.write(block)
    return path


def write_zip_bomb(path: Path, unpacked: int) -> Path:
    """A real workbook whose sheet XML inflates to `unpacked` bytes."""
    small = io.BytesIO()
    Workbook().save(small)
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w") as bomb:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, src.read(item))
        member = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        member.compress_type = zipfile.ZIP_DEFLATED
        with bomb.open(member, "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/')
            sheet.write(b'spreadsheetml/2006/main"><sheetData>')
            row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000
            for _ in range(unpacked // len(row) + 1):
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return path


def _peak(call):
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


READER = """
import json, os, resource, sys
import django
django.setup()
from vvsg_survey.uploads import Limits, UploadError, read_table
def peak_kb():
    # VmHWM is this process's own peak; Linux's ru_maxrss also carries the parent's
    # (pytest's) RSS across fork + exec, so it grew with whatever pytest had loaded.
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
limits = Limits(**json.loads(sys.argv[2]))
before = peak_kb()
try:
    header, rows = read_table(sys.argv[1], limits=limits)
    count = sum(1 for _ in rows)
    outcome = f"read {count} rows"
except UploadError as exc:
    outcome = str(exc)
after = peak_kb()
print(json.dumps({"outcome": outcome, "growth_kb": after - before, "peak_kb": after}))
"""


def _read_in_subprocess(path: Path, **limits) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "vvsg_survey.settings"}
    done = subprocess.run(
        [sys.executable, "-c", READER, str(path), json.dumps(limits)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- 200 MB ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "groot.csv"
    yield write_big_csv(
        path, 200 * MB, header=";".join(HEADER) + "\n", line=";11001;x;ja;tekst\n"
    )
    path.unlink()  # 200 MB is too much to leave in pytest's kept temp dirs


def test_200mb_csv_is_refused_by_every_import_path_in_bounded_memory(
    target, big_csv, tmp_path
):
    result, peak = _peak(lambda: import_responses(campaign=target, source=big_csv))
    with pytest.raises(CommandError, match="Bestand te groot: 20[0-9.]+ MB"):
        call_command("import_contacts", str(big_csv))

    size = big_csv.stat().st_size
    assert size >= 200 * MB
    assert [str(e) for e in result.errors] == [
        f"rij 1, kolom -: Bestand te groot: {size / MB:.1f} MB, maximum 20.0 MB."
    ]
    assert peak < 1 * MB
    assert _nothing_written()


def test_200mb_csv_streams_when_the_byte_limit_is_raised(big_csv):
    # Without the byte limit the row limit still stops it, read as a stream.
    seen = _read_in_subprocess(
        big_csv, max_bytes=10**10, max_rows=50_000, max_xlsx_uncompressed=10**9
    )

    assert seen["outcome"].startswith("Te veel rijen: rij 50002 ligt voorbij")
    assert seen["growth_kb"] < 30_000  # 30 MB for a 200 MB file
    # The whole process, Django and every installed app included: far below the
    # 200 MB that reading the file at once would add on top.
    assert seen["peak_kb"] < 180_000


# --- XLSX bombs -----------------------------------------------------------------


def test_xlsx_zip_bomb_is_refused_before_it_is_unpacked(target, tmp_path):
    bomb = write_zip_bomb(tmp_path / "bom.xlsx", unpacked=300 * MB)

    result, peak = _peak(lambda: import_responses(campaign=target, source=bomb))
    with pytest.raises(CommandError, match="te groot na uitpakken"):
        call_command("import_contacts", str(bomb))
    alone = _read_in_subprocess(
        bomb, max_bytes=20 * MB, max_rows=50_000, max_xlsx_uncompressed=200 * MB
    )

    with zipfile.ZipFile(bomb) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    assert bomb.stat().st_size < 2 * MB
    assert (
        f"XLSX-bestand te groot na uitpakken: {unpacked / MB:.1f} MB, maximum 200.0 MB"
        in str(result.errors[0])
    )
    assert alone["outcome"].startswith("XLSX-bestand te groot na uitpakken")
    assert peak < 1 * MB
    assert alone["growth_kb"] < 10_000
    assert alone["peak_kb"] < 180_000
    assert _nothing_written()


def test_xlsx_entity_bomb_is_refused(target, tmp_path):
    path = tmp_path / "entities.xlsx"
    small = io.BytesIO()
    Workbook().save(small)
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c>'
        b"</row></sheetData></worksheet>"
    )
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            out.writestr(item, laughs if item.filename.endswith("sheet1.xml") else data)

    result = import_responses(campaign=target, source=path)

    assert "XLSX-bestand niet leesbaar" in str(result.errors[0])
    assert "EntitiesForbidden" in str(result.errors[0])
    assert _nothing_written()


# --- encodings ------------------------------------------------------------------


def _rows_csv(rows: list[list[str]], delimiter: str = ";") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([HEADER, *rows])
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("cp1252", ";"),  # Excel "CSV" on Windows (a Latin-1 superset)
        ("latin-1", ","),
        ("utf-16", "\t"),  # Excel "Unicode text": BOM, tabs
        ("utf-16-le", ";"),  # no BOM
        ("utf-16-be", ";"),
        ("utf-8", ";"),
    ],
)
def test_legacy_and_utf16_files_are_decoded(target, encoding, delimiter):
    text = "Schepen – café" if encoding == "cp1252" else "Schepen café"
    data = _rows_csv(
        [["", "11001", text, "ja", "Déjà vu, naïef"]], delimiter=delimiter
    ).encode(encoding)

    result = import_responses(campaign=target, source=io.BytesIO(data))

    assert result.ok, [str(e) for e in result.errors]
    response = Response.objects.get()
    assert response.respondent_function == text
    assert response.answers.get(question__code="q4").value == "Déjà vu, naïef"


def test_utf8_file_with_a_stray_latin1_byte_is_refused_naming_the_line(target):
    good = _rows_csv([["", "11001", "é", "ja", "één"]]).encode("utf-8")
    data = good + "\n;11002;x;ja;caf\xe9\n".encode("latin-1")

    result = import_responses(campaign=target, source=io.BytesIO(data))

    assert [str(e) for e in result.errors] == [
        "rij 1, kolom -: Het bestand is geen geldige tekst in UTF-8 (regel 4). "
        "Bewaar het als 'CSV UTF-8' (Excel) of 'Tekst CSV' met tekenset UTF-8 "
        "(LibreOffice)."
    ]
    assert _nothing_written()


def test_contacts_in_latin1_are_imported_with_their_accents(tmp_path):
    make_municipality(nis_code="11001")
    path = tmp_path / "contacten.csv"
    path.write_bytes(
        (CONTACT_HEADER + "11001,mayor,Burgemeester,Zoë Müller,zoe@example.be,ja\n")
        .encode("latin-1")
    )  # fmt: skip

    call_command("import_contacts", str(path), stdout=io.StringIO())

    assert list(Contact.objects.values_list("name", "email")) == [
        ("Zoë Müller", "zoe@example.be")
    ]


# --- formulas and HTML ----------------------------------------------------------


def test_formulas_and_html_in_cells_are_stored_as_text(target, tmp_path):
    evil = ['=HYPERLINK("http://x")', "<script>alert(1)</script>"]
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(["", "11002", evil[1], "ja", "=1+1"])  # a real formula
    xlsx = tmp_path / "evil.xlsx"
    workbook.save(xlsx)
    csv_data = _rows_csv([["", "11001", evil[0], "ja", evil[1]]]).encode()

    first = import_responses(campaign=target, source=io.BytesIO(csv_data))
    second = import_responses(campaign=target, source=xlsx)

    assert first.ok and second.ok
    stored = {
        (r.respondent_function, r.answers.get(question__code="q4").value)
        for r in Response.objects.all()
    }
    assert stored == {(evil[0], evil[1]), (evil[1], "=1+1")}


# --- rows -----------------------------------------------------------------------


def test_100k_rows_with_a_bad_last_row_are_refused_naming_the_row(target, tmp_path):
    path = tmp_path / "rijen.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(";".join(HEADER) + "\n")
        fh.writelines(f"{i};11001;x;ja;tekst\n" for i in range(99_999))
        fh.write("100000;11001;x;misschien;tekst\n")

    result, peak = _peak(lambda: import_responses(campaign=target, source=path))

    assert [str(e) for e in result.errors] == [
        "rij 1, kolom -: Te veel rijen: rij 50002 ligt voorbij het maximum van "
        "50000 rijen (plus de kopregel). Splits het bestand."
    ]
    assert peak < 2 * MB
    assert _nothing_written()


def test_bad_last_row_within_the_limit_is_named_and_nothing_is_written(
    tmp_path, settings
):
    settings.IMPORT_MAX_ROWS = 2_000
    make_municipality(nis_code="11001")
    path = tmp_path / "contacten.csv"
    lines = [f"11001,staff,,Naam {i},c{i}@example.be,ja\n" for i in range(1_999)]
    path.write_text(CONTACT_HEADER + "".join(lines) + "11001,chef,,X,x@e.be,ja\n")
    too_many = tmp_path / "te-veel.csv"
    too_many.write_text(CONTACT_HEADER + "".join(lines) * 2)

    with pytest.raises(CommandError, match=r"1 error\(s\) in 1 row"):
        call_command("import_contacts", str(path), stderr=(err := io.StringIO()))
    with pytest.raises(CommandError, match="Te veel rijen: rij 2002"):
        call_command("import_contacts", str(too_many))

    assert err.getvalue().startswith("row 2000, role: Onbekende rol 'chef'")
    assert _nothing_written()


# --- admin ----------------------------------------------------------------------


def test_admin_imports_show_the_limit_and_write_nothing(
    admin_client, target, settings, tmp_path
):
    settings.IMPORT_MAX_BYTES = 1 * MB
    line = "11001,mayor,,,a@b.be,ja\n"
    big = write_big_csv(
        tmp_path / "groot.csv", 2 * MB, header=CONTACT_HEADER, line=line
    )
    bomb = write_zip_bomb(tmp_path / "bom.xlsx", unpacked=300 * MB)

    def upload(path: Path, name: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, path.read_bytes())

    responses_page = admin_client.post(
        reverse("admin:responses_response_import"),
        {"campaign": target.pk, "file": upload(big, "groot.csv")},
    )
    contacts_page = admin_client.post(
        reverse("admin:municipalities_contact_import"),
        {"import_file": upload(big, "groot.csv"), "format": "0"},
    )
    settings.IMPORT_MAX_BYTES = 20 * MB
    bomb_page = admin_client.post(
        reverse("admin:municipalities_contact_import"),
        {"import_file": upload(bomb, "bom.xlsx"), "format": "1"},
    )

    size = f"{big.stat().st_size / MB:.1f} MB"
    assert f"Bestand te groot: {size}, maximum 1.0 MB." in responses_page.text
    assert f"File too large: {size}, the maximum is 1.0 MB" in contacts_page.text
    assert "XLSX-bestand te groot na uitpakken: 300." in bomb_page.text
    assert _nothing_written()


def test_a_huge_single_field_is_refused_naming_its_row(target):
    data = _rows_csv([["", "11001", "x", "ja", "kort"], ["", "11002", "x" * 200_000]])

    result = import_responses(campaign=target, source=io.BytesIO(data.encode()))

    assert [str(e) for e in result.errors] == [
        "rij 1, kolom -: Rij 3 is geen geldige CSV: field larger than field limit "
        "(131072)"
    ]
    assert _nothing_written()


def test_admin_contact_import_of_a_latin1_file_confirms_and_saves(admin_client):
    make_municipality(nis_code="11001")
    data = (CONTACT_HEADER + "11001,mayor,,Zoë Müller,zoe@example.be,ja\n").encode(
        "latin-1"
    )
    url = reverse("admin:municipalities_contact_import")

    preview = admin_client.post(
        url, {"import_file": SimpleUploadedFile("c.csv", data), "format": "0"}
    )
    confirm = preview.context["confirm_form"]
    done = admin_client.post(
        reverse("admin:municipalities_contact_process_import"),
        {name: confirm[name].value() for name in confirm.fields},
    )

    assert done.status_code == 302
    assert list(Contact.objects.values_list("name", flat=True)) == ["Zoë Müller"]
