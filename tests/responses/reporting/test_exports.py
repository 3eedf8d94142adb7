"""Response export: columns, layouts, hidden answers, injection, bytes, filters."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from municipalities.models import ClusterType
from responses.models import ResponseStatus
from responses.reporting.export_queries import ExportFilters
from responses.reporting.exports import (
    META_COLUMNS,
    export_rows,
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
from vvsg_survey.sanitise import csv_cell, csv_value

pytestmark = pytest.mark.django_db

ANSWER_COLUMNS = [
    "q1",
    "q2__pol",
    "q2__rad",
    "q2__ander",
    "q2__geen",
    "q2__other",
    "q3__r1",
    "q3__r2",
    "q4",
    "q5",
    "q6",
    "q7",
    "q7__other",
]
FULL = {
    "q1": "ja",
    "q2": ["pol", "ander"],
    "q3": {"r1": "1", "r2": "3"},
    "q4": "Goede samenwerking",
    "q5": 4,
    "q6": ["11002", "44021"],
    "q7": "a",
}


def as_dicts(rows) -> list[dict]:
    header, *data = list(rows)
    return [dict(zip(header, row, strict=True)) for row in data]


@pytest.fixture
def world():
    antwerpen = make_province(nis_code="10000", name="Antwerpen")
    gent_prov = make_province(nis_code="40000", name="Oost-Vlaanderen")
    v1 = make_cluster(number=201, code="V1", type=ClusterType.WOON)
    v9 = make_cluster(number=209, code="V9", type=ClusterType.STEDEN)
    a = make_municipality(
        nis_code="11002", name="Antwerpen", province=antwerpen, cluster=v9
    )
    b = make_municipality(
        nis_code="11004", name="Boechout", province=antwerpen, cluster=v1
    )
    g = make_municipality(nis_code="44021", name="Gent", province=gent_prov, cluster=v9)
    campaign = make_export_campaign()
    return campaign, a, b, g


def test_header_follows_codebook_order(world):
    campaign = world[0]

    header = next(export_rows(campaign=campaign))

    assert header == META_COLUMNS["response"] + ANSWER_COLUMNS


def test_response_layout_writes_codes_flags_and_metadata(world):
    campaign, a, b, g = world
    response = make_export_response(
        campaign=campaign,
        municipalities=[b, a],
        answers=FULL,
        others={"q2": "Extremisme"},
        respondent_function="Burgemeester",
        submitted_at=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
    )

    (row,) = as_dicts(export_rows(campaign=campaign))

    assert row["response_id"] == response.pk
    assert row["campaign"] == campaign.slug
    assert row["status"] == "submitted"
    assert row["respondent_function"] == "Burgemeester"
    assert row["is_coordinator"] == 1
    assert row["nis_codes"] == "11002;11004"
    assert row["municipalities"] == "Antwerpen;Boechout"
    assert row["provinces"] == "Antwerpen"
    assert row["clusters"] == "V9;V1"
    assert row["cluster_types"] == "steden;woon"
    assert row["submitted_at"] == datetime(2024, 3, 1, 10, 30)  # Brussels, naive
    assert row["completion_pct"] == 100
    assert [row[c] for c in ANSWER_COLUMNS] == [
        "ja", 1, 0, 1, 0, "Extremisme", "1", "3",
        "Goede samenwerking", 4, "11002;44021", "a", "",
    ]  # fmt: skip


def test_labels_option_writes_option_labels(world):
    campaign, a, *_ = world
    make_export_response(campaign=campaign, municipalities=[a], answers=FULL)

    (row,) = as_dicts(export_rows(campaign=campaign, labels=True))

    assert (row["q1"], row["q3__r1"], row["q3__r2"], row["q2__pol"]) == (
        "Ja", "Nooit", "Vaak", 1,
    )  # fmt: skip


def test_hidden_answers_are_never_exported(world):
    campaign, a, *_ = world
    # q1 = nee hides q2 and matrix row r2; their stale answers stay in the DB.
    stale = {**FULL, "q1": "nee"}
    make_export_response(
        campaign=campaign, municipalities=[a], answers=stale, others={"q2": "Geheim"}
    )

    (row,) = as_dicts(export_rows(campaign=campaign))

    assert row["q1"] == "nee"
    assert [row[c] for c in ANSWER_COLUMNS[1:6]] == ["", "", "", "", ""]
    assert (row["q3__r1"], row["q3__r2"]) == ("1", "")
    assert b"Geheim" not in b"".join(stream_csv(export_rows(campaign=campaign)))


def test_unanswered_multiple_is_blank_and_completion_counts_visible(world):
    campaign, a, *_ = world
    make_export_response(
        campaign=campaign, municipalities=[a], answers={"q1": "nee", "q4": "x"},
        status=ResponseStatus.PARTIAL,
    )  # fmt: skip

    (row,) = as_dicts(export_rows(campaign=campaign))

    # Visible: q1, q3, q4, q5, q6, q7 -> 2 of 6 answered.
    assert row["completion_pct"] == 33
    assert row["q5"] == ""


def test_bestuur_layout_repeats_coordinator_per_municipality(world):
    campaign, a, b, g = world
    coordinator = make_export_response(
        campaign=campaign, municipalities=[a, g], answers=FULL
    )
    single = make_export_response(campaign=campaign, municipalities=[b], answers=FULL)

    rows = as_dicts(export_rows(campaign=campaign, layout="bestuur"))

    assert (
        next(export_rows(campaign=campaign, layout="bestuur"))[:15]
        == (META_COLUMNS["bestuur"])
    )
    assert [
        (r["response_id"], r["nis_code"], r["municipality"], r["province"],
         r["cluster"], r["cluster_type"], r["represented_count"])
        for r in rows
    ] == [
        (coordinator.pk, "11002", "Antwerpen", "Antwerpen", "V9", "steden", 2),
        (coordinator.pk, "44021", "Gent", "Oost-Vlaanderen", "V9", "steden", 2),
        (single.pk, "11004", "Boechout", "Antwerpen", "V1", "woon", 1),
    ]  # fmt: skip
    assert rows[0]["q4"] == rows[1]["q4"] == "Goede samenwerking"


def test_filters_status_province_cluster_and_type(world):
    campaign, a, b, g = world
    r_ab = make_export_response(campaign=campaign, municipalities=[a, g], answers=FULL)
    r_b = make_export_response(campaign=campaign, municipalities=[b])
    r_partial = make_export_response(
        campaign=campaign, municipalities=[], status=ResponseStatus.PARTIAL
    )

    def ids(layout="response", **filters):
        rows = as_dicts(
            export_rows(
                campaign=campaign, layout=layout, filters=ExportFilters(**filters)
            )
        )
        return [(r["response_id"], r.get("nis_code")) for r in rows]

    assert ids(statuses=("partial",)) == [(r_partial.pk, None)]
    assert ids(provinces=("Oost-Vlaanderen",)) == [(r_ab.pk, None)]
    assert ids(provinces=("10000",)) == [(r_ab.pk, None), (r_b.pk, None)]
    assert ids(clusters=("V1",)) == [(r_b.pk, None)]
    assert ids(cluster_types=("steden",)) == [(r_ab.pk, None)]
    # Per bestuur, the filter applies to each represented municipality.
    assert ids("bestuur", provinces=("Oost-Vlaanderen",)) == [(r_ab.pk, "44021")]


def test_other_campaigns_are_not_exported(world):
    campaign, a, b, g = world
    other = make_export_campaign(instrument=campaign.instrument)
    make_export_response(campaign=other, municipalities=[a])

    assert list(export_rows(campaign=campaign))[1:] == []


# --- injection and bytes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+32 2 211 55 00", "'+32 2 211 55 00"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'=x", "''=x"),
        ("'quoted", "'quoted"),
        ("Gent", "Gent"),
        ("", ""),
        (-5, -5),
    ],
)
def test_neutralise_prefixes_formula_text_and_round_trips(raw, cell):
    assert csv_cell(raw) == cell
    if isinstance(raw, str):
        assert csv_value(cell) == raw


def _hostile(world):
    campaign, a, *_ = world
    a.name = '=HYPERLINK("http://x")'
    a.save()
    make_export_response(
        campaign=campaign,
        municipalities=[a],
        answers={"q1": "nee", "q4": "@SUM(1+1)*cmd", "q5": -0, "q7": "ander"},
        others={"q7": "+shell"},
        respondent_function="-burgemeester",
    )
    return campaign


def test_csv_cells_starting_with_formula_characters_are_neutralised(world):
    campaign = _hostile(world)

    data = b"".join(stream_csv(export_rows(campaign=campaign)))
    header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    row = dict(zip(header, row, strict=True))

    assert row["municipalities"] == '\'=HYPERLINK("http://x")'
    assert row["respondent_function"] == "'-burgemeester"
    assert row["q4"] == "'@SUM(1+1)*cmd"
    assert row["q7__other"] == "'+shell"
    assert row["q5"] == "0"


def test_xlsx_formula_text_is_written_unchanged_as_text_cells(world, tmp_path):
    campaign = _hostile(world)
    path = tmp_path / "export.xlsx"

    write_xlsx(export_rows(campaign=campaign), str(path))
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    cells = {name: sheet.cell(row=2, column=i + 1) for i, name in enumerate(header)}

    for name, value in [
        ("municipalities", '=HYPERLINK("http://x")'),
        ("respondent_function", "-burgemeester"),
        ("q4", "@SUM(1+1)*cmd"),
        ("q7__other", "+shell"),
    ]:
        assert (cells[name].value, cells[name].data_type) == (value, "s")
        assert cells[name].number_format == "@"
    assert (cells["q5"].value, cells["q5"].data_type) == (0, "n")
    assert (cells["response_id"].data_type, cells["q2__pol"].value) == ("n", None)


def test_csv_bytes_have_bom_delimiter_and_crlf(world):
    campaign, a, *_ = world
    make_export_response(campaign=campaign, municipalities=[a], answers=FULL)

    semicolon = b"".join(stream_csv(export_rows(campaign=campaign)))
    comma = b"".join(stream_csv(export_rows(campaign=campaign), delimiter=","))

    assert semicolon.startswith(b"\xef\xbb\xbfresponse_id;campaign;status;")
    assert comma.startswith(b"\xef\xbb\xbfresponse_id,campaign,status,")
    assert semicolon.count(b"\r\n") == 2
    # The ';'-joined NIS list is quoted only where ';' is the delimiter.
    assert b';"11002;44021";' in semicolon
    assert b",11002;44021," in comma


def test_xlsx_code_columns_are_text_cells_for_one_and_many_codes(world, tmp_path):
    campaign, a, b, g = world
    make_export_response(campaign=campaign, municipalities=[g])
    make_export_response(campaign=campaign, municipalities=[a, b])
    path = tmp_path / "codes.xlsx"

    write_xlsx(export_rows(campaign=campaign), str(path))
    sheet = load_workbook(path).active
    column = [c.value for c in sheet[1]].index("nis_codes") + 1
    cells = [sheet.cell(row=r, column=column) for r in (2, 3)]

    assert {(c.data_type, c.number_format) for c in cells} == {("s", "@")}
    assert sorted(c.value.count(";") for c in cells) == [0, 1]
