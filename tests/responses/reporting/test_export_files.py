"""Whole exports to files: chunking, per-bestuur rows, the audit row, early stops.

Written against the survivors of the mutation run over responses/reporting/exports.py
(docs/testing.md, the generator path that SQLite uses). Each test reads the bytes or
rows produced and the ExportLog written.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser, User
from openpyxl import load_workbook

from municipalities.models import ClusterType
from responses.models import ExportLog, ResponseStatus
from responses.reporting.export_queries import ExportFilters
from responses.reporting.exports import (
    counting,
    export_rows,
    export_to_file,
    log_export,
    stream_csv,
    write_xlsx,
)
from tests.factories import (
    make_cluster,
    make_export_campaign,
    make_export_response,
    make_municipality,
    make_province,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    antwerpen = make_province(nis_code="10000", name="Antwerpen")
    limburg = make_province(nis_code="70000", name="Limburg")
    v1 = make_cluster(number=201, code="V1", type=ClusterType.WOON)
    a = make_municipality(nis_code="11002", name="Antwerpen", province=antwerpen)
    b = make_municipality(nis_code="11004", name="Boechout", province=antwerpen)
    h = make_municipality(
        nis_code="71022", name="Hasselt", province=limburg, cluster=v1
    )
    campaign = make_export_campaign(slug="golf-2024")
    return campaign, a, b, h


def _rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_small_chunks_keep_every_response_with_its_own_answers(world):
    campaign, a, b, h = world
    made = [
        make_export_response(campaign=campaign, municipalities=[m], answers={"q5": n})
        for n, m in enumerate((a, b, h), start=1)
    ]

    header, *rows = list(export_rows(campaign=campaign, chunk_size=2))

    q5 = header.index("q5")
    assert [(row[0], row[q5]) for row in rows] == [
        (made[0].pk, 1),
        (made[1].pk, 2),
        (made[2].pk, 3),
    ]


def test_joined_columns_name_each_value_once_and_skip_blanks(world):
    campaign, a, b, h = world
    make_export_response(campaign=campaign, municipalities=[a, b, h])

    header, row = list(export_rows(campaign=campaign))

    cells = dict(zip(header, row, strict=True))
    assert cells["provinces"] == "Antwerpen;Limburg"
    # Only Hasselt has a cluster: no empty entry for the other two.
    assert (cells["clusters"], cells["cluster_types"]) == ("V1", "woon")
    assert cells["is_coordinator"] == 1


def test_an_unanswered_response_without_visible_questions_counts_as_complete(world):
    from surveys.models import Instrument

    campaign, a, *_ = world
    campaign.instrument = Instrument.objects.create(
        code="leeg", version="1", title="Leeg", source_sha256="e" * 64
    )
    campaign.save()
    make_export_response(campaign=campaign, municipalities=[a])

    header, row = list(export_rows(campaign=campaign))

    assert row[header.index("completion_pct")] == 100


def test_bestuur_rows_follow_the_municipality_filter_per_row(world):
    campaign, a, b, h = world
    both = make_export_response(
        campaign=campaign, municipalities=[a, h], answers={"q1": "nee"}
    )

    rows = list(
        export_rows(
            campaign=campaign,
            layout="bestuur",
            filters=ExportFilters(provinces=("Limburg",)),
        )
    )

    header, *data = rows
    assert [
        (r[header.index("response_id")], r[header.index("nis_code")]) for r in data
    ] == [(both.pk, "71022")]
    assert data[0][header.index("represented_count")] == 2
    assert data[0][header.index("q1")] == "nee"


def test_unknown_layout_or_format_is_refused_before_anything_is_logged(world):
    campaign = world[0]

    with pytest.raises(ValueError, match="unknown layout 'wide'"):
        next(export_rows(campaign=campaign, layout="wide"))
    with pytest.raises(ValueError, match="unknown format 'ods'"):
        export_to_file(campaign=campaign, out=io.BytesIO(), fmt="ods")

    assert ExportLog.objects.count() == 0


def test_csv_file_export_writes_the_rows_and_logs_who_what_and_how_many(
    world, tmp_path
):
    campaign, a, b, h = world
    for m in (a, b):
        make_export_response(
            campaign=campaign, municipalities=[m], status=ResponseStatus.SUBMITTED
        )
    make_export_response(
        campaign=campaign, municipalities=[h], status=ResponseStatus.STARTED
    )
    user = User.objects.create_user("analist")
    path = tmp_path / "golf.csv"

    log = export_to_file(
        campaign=campaign,
        out=str(path),
        delimiter=",",
        filters=ExportFilters(statuses=(ResponseStatus.SUBMITTED,)),
        user=user,
        source="admin",
        layout="bestuur",
    )

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=","))
    assert "represented_count" in rows[0]
    assert [r[rows[0].index("nis_code")] for r in rows[1:]] == ["11002", "11004"]
    log.refresh_from_db()
    assert (log.user, log.campaign, log.format, log.layout, log.rows, log.source) == (
        user,
        campaign,
        "csv",
        "bestuur",
        2,
        "admin",
    )
    assert log.filters == {"statuses": ["submitted"]}


def test_an_anonymous_or_missing_user_is_logged_as_nobody_and_pseudonyms_noted(
    world,
):
    campaign, a, *_ = world
    response = make_export_response(campaign=campaign, municipalities=[a])
    out, plain = io.BytesIO(), io.BytesIO()

    first = export_to_file(
        campaign=campaign, out=out, user=AnonymousUser(), pseudonymise=True
    )
    second = export_to_file(campaign=campaign, out=plain, delimiter=",")
    direct = log_export(
        user=None,
        campaign=campaign,
        fmt="csv",
        layout="response",
        filters=ExportFilters(),
        rows=0,
        source="view",
    )

    assert (first.user, first.rows, first.source) == (None, 1, "command")
    assert first.filters == {"pseudonymised": True}
    assert (second.user, second.filters, second.layout) == (None, {}, "response")
    assert direct.filters == {}
    header, row = _rows(out.getvalue())
    assert row[header.index("response_id")] not in ("", str(response.pk))
    plain_rows = list(csv.reader(io.StringIO(plain.getvalue().decode("utf-8-sig"))))
    assert plain_rows[1][0] == str(response.pk)


def test_xlsx_file_export_has_the_answers_sheet_and_the_codebook(world, tmp_path):
    campaign, a, *_ = world
    make_export_response(campaign=campaign, municipalities=[a], answers={"q1": "ja"})
    path = tmp_path / "golf.xlsx"

    log = export_to_file(campaign=campaign, out=str(path), fmt="xlsx", labels=True)

    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Antwoorden", "Codebook"]
    answers = list(book["Antwoorden"].values)
    assert answers[1][answers[0].index("q1")] == "Ja"
    codebook = list(book["Codebook"].values)
    assert len(codebook) > 1
    # A header row of names, then one filled row per column.
    assert all(isinstance(name, str) and name for name in codebook[0])
    assert any("q1" in (cell or "") for cell in codebook[1] + codebook[-1])
    assert log.rows == 1


def test_a_long_sheet_title_is_cut_to_excels_31_characters():
    out = io.BytesIO()

    write_xlsx([["a"], ["=1+1"]], out, title="x" * 40)

    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == ["x" * 31]
    cell = book["x" * 31]["A2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_a_stream_closed_early_logs_the_rows_produced_and_closes_its_source(world):
    campaign, a, b, h = world
    for m in (a, b, h):
        make_export_response(campaign=campaign, municipalities=[m])
    done: list[int] = []
    source = counting(export_rows(campaign=campaign), done.append)

    stream = stream_csv(source)
    assert next(stream) == b"\xef\xbb\xbf"
    next(stream)  # the header
    next(stream)  # one data row
    stream.close()

    assert done == [1]
    with pytest.raises(StopIteration):
        next(source)


def test_counting_an_empty_export_logs_zero_rows_not_minus_one():
    done: list[int] = []

    assert list(counting(iter([]), done.append)) == []
    assert list(counting(iter([["header"]]), done.append)) == [["header"]]

    assert done == [0, 0]


def test_times_are_naive_brussels_time_without_microseconds(world):
    campaign, a, *_ = world
    make_export_response(
        campaign=campaign,
        municipalities=[a],
        submitted_at=datetime(2024, 7, 1, 9, 30, 15, 123456, tzinfo=UTC),
    )

    header, row = list(export_rows(campaign=campaign))

    assert row[header.index("submitted_at")] == datetime(2024, 7, 1, 11, 30, 15)
