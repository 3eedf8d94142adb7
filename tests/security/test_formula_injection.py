"""Formula injection: CSV cells never start with = + - @ tab or CR; XLSX cells
are typed strings that keep the respondent's text unchanged.

Exercised end-to-end: the staff download view (CSV and XLSX) and the
export_responses command (CSV and XLSX), on answers, "other" texts and names.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from municipalities.models import Contact
from municipalities.resources import ContactResource
from responses.models import ResponseStatus
from tests.factories import make_export_response, make_municipality
from tests.security.world import open_campaign

pytestmark = pytest.mark.django_db

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EVIL = [f'{t}HYPERLINK("http://evil.test","klik")' for t in TRIGGERS]


@pytest.fixture
def campaign():
    campaign = open_campaign()
    for i, text in enumerate(EVIL):
        make_export_response(
            campaign=campaign,
            municipalities=[make_municipality(name=f"{TRIGGERS[i]}Gemeente {i}")],
            answers={"q1": "ja", "q4": text, "q5": i, "q7": "ander"},
            others={"q7": text},
            respondent_function=text,
            status=ResponseStatus.SUBMITTED,
        )
    return campaign


@pytest.fixture
def exporter(client, django_user_model):
    user = django_user_model.objects.create_user("exp", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="export_responses"))
    client.force_login(user)
    return client


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(
        csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";")
    )


def _xlsx_rows(data) -> list[list]:
    sheet = load_workbook(data).worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _assert_neutralised(rows: list[list], *, xml: bool = False) -> None:
    header, *data = rows
    assert len(data) == len(EVIL)
    for row in data:
        for value in row:
            if isinstance(value, str) and not xml:
                assert value[:1] not in TRIGGERS, repr(value)
    q4 = sorted(row[header.index("q4")] for row in data)
    # XML normalises a bare CR to LF when the workbook is read back; XLSX text
    # cells need no apostrophe (_xlsx_rows checks that none is a formula).
    expected = [text.replace("\r", "\n") if xml else "'" + text for text in EVIL]
    assert q4 == sorted(expected)
    other = sorted(row[header.index("q7__other")] for row in data)
    assert other == q4


def test_download_view_csv_and_xlsx_neutralise_formulas(exporter, campaign):
    url = reverse("responses:download-export", args=[campaign.slug])

    as_csv = exporter.get(url, {"format": "csv"})
    as_xlsx = exporter.get(url, {"format": "xlsx"})

    _assert_neutralised(_csv_rows(b"".join(as_csv.streaming_content)))
    _assert_neutralised(
        _xlsx_rows(io.BytesIO(b"".join(as_xlsx.streaming_content))), xml=True
    )


def test_export_command_csv_and_xlsx_neutralise_formulas(campaign, tmp_path):
    call_command("export_responses", campaign.slug, "-o", str(tmp_path / "out.csv"))
    call_command("export_responses", campaign.slug, "-o", str(tmp_path / "out.xlsx"))

    _assert_neutralised(_csv_rows((tmp_path / "out.csv").read_bytes()))
    _assert_neutralised(_xlsx_rows(tmp_path / "out.xlsx"), xml=True)


@pytest.mark.parametrize(("fmt", "index"), [("csv", "0"), ("xlsx", "1")])
def test_admin_contact_export_uses_the_one_sanitiser(admin_client, fmt, index):
    Contact.objects.create(
        municipality=make_municipality(nis_code="44084"),
        role="mayor",
        name='=HYPERLINK("http://evil.test")',
        function="\u200b+cmd",
        email="evil@example.test",
    )
    fields = ContactResource().get_export_order()
    data = {"format": index, "resource": "0"}
    data |= {f"contactresource_{name}": "on" for name in fields}

    response = admin_client.post(reverse("admin:municipalities_contact_export"), data)

    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        row = dict(zip(*csv.reader(io.StringIO(text, newline="")), strict=True))
        assert row["name"] == '\'=HYPERLINK("http://evil.test")'
        assert row["function"] == "'\u200b+cmd"
    else:
        rows = _xlsx_rows(io.BytesIO(response.content))
        row = dict(zip(*rows, strict=True))
        assert row["name"] == '=HYPERLINK("http://evil.test")'
        assert row["function"] == "\u200b+cmd"
        assert row["nis_code"] == "44084"
