"""Export entry points: download view, admin actions, command; permission and audit."""

from __future__ import annotations

import csv
import io

import pyreadstat
import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import reverse
from openpyxl import load_workbook

from responses.models import ExportLog, ResponseStatus
from responses.reporting.exports import export_rows
from responses.reporting.views.exports import download_export
from tests.factories import (
    make_cluster,
    make_export_campaign,
    make_export_response,
    make_municipality,
)

pytestmark = pytest.mark.django_db


def make_user(*, can_export: bool, staff: bool = True) -> User:
    user = User.objects.create_user(
        username=f"u{User.objects.count()}", password="x", is_staff=staff
    )
    perms = ["view_response"] + (["export_responses"] if can_export else [])
    user.user_permissions.add(*Permission.objects.filter(codename__in=perms))
    return user


@pytest.fixture
def campaign():
    campaign = make_export_campaign()
    v1 = make_cluster(number=301, code="V1")
    for i in range(3):
        make_export_response(
            campaign=campaign,
            municipalities=[make_municipality(cluster=v1 if i else None)],
            answers={"q1": "ja", "q4": f"antwoord {i}"},
            status=ResponseStatus.SUBMITTED if i else ResponseStatus.PARTIAL,
        )
    return campaign


def parse_csv(content: bytes, delimiter: str = ";") -> list[list[str]]:
    return list(
        csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter)
    )


def download_url(campaign) -> str:
    return reverse("responses:download-export", args=[campaign.slug])


def test_download_without_permission_is_403_and_not_logged(client, campaign):
    client.force_login(make_user(can_export=False))

    response = client.get(download_url(campaign), {"format": "csv"})

    assert response.status_code == 403
    assert b"antwoord" not in response.content
    assert ExportLog.objects.count() == 0


def test_download_anonymous_is_403(client, campaign):
    response = client.get(download_url(campaign), {"format": "xlsx"})

    assert (response.status_code, ExportLog.objects.count()) == (403, 0)


def test_download_csv_streams_rows_and_logs_at_end(client, campaign):
    user = make_user(can_export=True)
    client.force_login(user)

    response = client.get(
        download_url(campaign),
        {"format": "csv", "layout": "bestuur", "status": "submitted", "cluster": "V1",
         "delimiter": ","},
    )  # fmt: skip
    assert ExportLog.objects.count() == 0  # nothing streamed yet
    rows = parse_csv(b"".join(response.streaming_content), delimiter=",")

    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{campaign.slug}-bestuur-'
    )
    assert [r[rows[0].index("q4")] for r in rows[1:]] == ["antwoord 1", "antwoord 2"]
    log = ExportLog.objects.get()
    assert (log.user, log.campaign, log.format, log.layout, log.rows, log.source) == (
        user, campaign, "csv", "bestuur", 2, "view",
    )  # fmt: skip
    assert log.filters == {"statuses": ["submitted"], "clusters": ["V1"]}


def test_download_with_zero_rows_is_still_logged(client, campaign):
    client.force_login(make_user(can_export=True))

    response = client.get(download_url(campaign), {"format": "csv", "cluster": "V99"})
    rows = parse_csv(b"".join(response.streaming_content))

    assert len(rows) == 1 and rows[0][0] == "response_id"
    log = ExportLog.objects.get()
    assert (log.rows, log.filters) == (0, {"clusters": ["V99"]})


def test_download_xlsx_matches_csv_rows(client, campaign, tmp_path):
    client.force_login(make_user(can_export=True))

    response = client.get(download_url(campaign), {"format": "xlsx", "labels": "on"})
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet = load_workbook(path).active

    values = [
        [c if c is not None else "" for c in r]
        for r in sheet.iter_rows(values_only=True)
    ]
    expected = list(export_rows(campaign=campaign, labels=True))
    assert [r[0] for r in values] == [r[0] for r in expected]
    assert values[1][expected[0].index("q1")] == "Ja"
    assert ExportLog.objects.get().rows == 3


def test_export_form_page_needs_permission(client, campaign):
    client.force_login(make_user(can_export=False))
    assert client.get(f"/exports/{campaign.slug}/").status_code == 403

    client.force_login(make_user(can_export=True))
    page = client.get(f"/exports/{campaign.slug}/").content.decode()
    assert download_url(campaign) in page and 'name="layout"' in page


def test_command_writes_file_and_logs(campaign, tmp_path):
    out = tmp_path / "export.csv"

    call_command(
        "export_responses", campaign.slug, "--status", "submitted", "--delimiter", ",",
        "--layout", "response", "-o", str(out), stdout=io.StringIO(),
    )  # fmt: skip

    rows = parse_csv(out.read_bytes(), delimiter=",")
    assert len(rows) == 3 and rows[0][:2] == ["response_id", "campaign"]
    log = ExportLog.objects.get()
    assert (log.source, log.format, log.rows, log.user) == ("command", "csv", 2, None)


def test_command_writes_xlsx(campaign, tmp_path):
    out = tmp_path / "export.xlsx"

    call_command(
        "export_responses", campaign.slug, "-o", str(out), stdout=io.StringIO()
    )

    assert load_workbook(out).active.max_row == 4
    assert ExportLog.objects.get().format == "xlsx"


# --- admin --------------------------------------------------------------------------


def _post_action(client, campaign, action: str):
    ids = list(campaign.responses.values_list("pk", flat=True))
    return client.post(
        "/admin/responses/response/",
        {"action": action, "_selected_action": ids},
    )


def test_admin_export_action_streams_csv_and_logs(client, campaign):
    client.force_login(make_user(can_export=True))
    page = client.get("/admin/responses/response/").content.decode()

    response = _post_action(client, campaign, "export_csv_response")
    rows = parse_csv(b"".join(response.streaming_content))

    assert len(rows) == 4
    assert f'href="/exports/{campaign.slug}/"' in page
    assert "/admin/responses/response/import/" not in page  # no add permission
    log = ExportLog.objects.get()
    assert (log.source, log.rows, len(log.filters["response_ids"])) == ("admin", 3, 3)


def test_admin_export_action_refused_without_permission(client, campaign):
    client.force_login(make_user(can_export=False))

    page = client.get("/admin/responses/response/").content.decode()
    response = _post_action(client, campaign, "export_csv_response")

    assert "export_csv_response" not in page
    assert not hasattr(response, "streaming_content")
    assert ExportLog.objects.count() == 0


def test_exportlog_admin_is_read_only(client, campaign):
    admin_user = User.objects.create_superuser("root", "root@example.test", "x")
    client.force_login(admin_user)
    call_command("export_responses", campaign.slug, "-o", "/dev/null")
    log = ExportLog.objects.get()

    page = client.get(f"/admin/responses/exportlog/{log.pk}/change/").content.decode()

    assert 'name="_save"' not in page
    assert client.get("/admin/responses/exportlog/add/").status_code == 403


# --- PostgreSQL ---------------------------------------------------------------------


@pytest.mark.services
def test_streaming_export_in_chunks_on_postgresql(postgres, client):
    campaign = make_export_campaign()
    made = [
        make_export_response(
            campaign=campaign,
            municipalities=[make_municipality()],
            answers={"q1": "ja", "q5": i},
        ).pk
        for i in range(23)
    ]
    client.force_login(make_user(can_export=True))

    chunked = list(export_rows(campaign=campaign, chunk_size=5))
    response = client.get(download_url(campaign), {"format": "csv"})
    rows = parse_csv(b"".join(response.streaming_content))

    assert [r[0] for r in chunked[1:]] == made
    assert [int(r[0]) for r in rows[1:]] == made
    assert [r[rows[0].index("q5")] for r in rows[1:]] == [str(i) for i in range(23)]
    assert ExportLog.objects.get().rows == 23


def test_stream_closed_early_logs_the_rows_sent(rf, campaign):
    request = rf.get(download_url(campaign), {"format": "csv"})
    request.user = make_user(can_export=True)
    response = download_export(request, slug=campaign.slug)
    chunks = iter(response.streaming_content)

    first = [next(chunks) for _ in range(3)]  # BOM, header, one row
    # As the test client does: keep the test transaction's connection open.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()  # what the server does when the client goes away
    finally:
        request_finished.connect(close_old_connections)

    assert first[0] == b"\xef\xbb\xbf"
    assert ExportLog.objects.get().rows == 1


def test_download_xlsx_has_a_codebook_sheet(client, campaign, tmp_path):
    client.force_login(make_user(can_export=True))

    response = client.get(download_url(campaign), {"format": "xlsx"})
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    book = load_workbook(path)

    assert book.sheetnames == ["Antwoorden", "Codebook"]
    rows = list(book["Codebook"].iter_rows(values_only=True))
    assert rows[0][:5] == ("number", "code", "section", "section_title", "type")
    assert [r[1] for r in rows[1:]] == ["q1", "q2", "q3", "q4", "q5", "q6", "q7"]
    assert rows[1][8] == "ja=Ja | nee=Nee"


def test_download_spss_file_for_staff(client, campaign, tmp_path):
    client.force_login(make_user(can_export=True))

    response = client.get(download_url(campaign), {"format": "sav"})
    path = tmp_path / "x.sav"
    path.write_bytes(b"".join(response.streaming_content))
    frame, meta = pyreadstat.read_sav(str(path))

    assert response["Content-Disposition"].endswith('.sav"')
    # status per response: partial (2), submitted (3), submitted (3)
    assert sorted(frame["status"]) == [2, 3, 3]
    assert list(frame["q1"]) == [1, 1, 1]
    assert meta.variable_value_labels["q1"] == {1: "Ja", 2: "Nee"}
    assert (ExportLog.objects.get().format, ExportLog.objects.get().rows) == ("sav", 3)
