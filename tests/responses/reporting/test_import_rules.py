"""Import rules one at a time: header, layout, flags, times, 'other' texts, counts.

Written against the survivors of the mutation run over responses/reporting/imports.py
(docs/testing.md); each test asserts the rows written (or that none were) and the
exact errors, so a dropped condition or a changed message fails here.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from responses.models import (
    Answer,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)
from responses.reporting.imports import RowError, import_responses
from tests.factories import (
    make_export_campaign,
    make_export_response,
    make_municipality,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def target():
    for nis, name in (("46003", "Beveren"), ("46013", "Kruibeke"), ("46020", "Zele")):
        make_municipality(nis_code=nis, name=name)
    return make_export_campaign(slug="doel")


def csv_file(rows: list[list], delimiter=";") -> io.BytesIO:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return io.BytesIO(("\ufeff" + buffer.getvalue()).encode("utf-8"))


def run(target, rows, **kw):
    return import_responses(campaign=target, source=csv_file(rows), now=NOW, **kw)


def _written(target) -> int:
    return Response.objects.filter(campaign=target).count()


def _by_nis(target) -> dict[str, Response]:
    return {
        link.municipality.nis_code: link.response
        for link in ResponseMunicipality.objects.filter(campaign=target)
        .select_related("municipality", "response")
        .order_by("pk")
    }


# --- header --------------------------------------------------------------------


def test_a_repeated_column_and_a_missing_nis_column_are_header_errors(target):
    result = run(target, [["q1", "q1"], ["ja", "ja"]])

    assert result.errors == [
        RowError(1, "q1", "kolom komt twee keer voor"),
        RowError(1, "nis_codes", "verplichte kolom ontbreekt"),
    ]
    assert (result.rows, result.responses, _written(target)) == (0, 0, 0)


def test_the_bestuur_layout_needs_its_own_nis_column(target):
    result = run(target, [["nis_code", "municipality", "nis_codes"], ["46003", "", ""]])

    # nis_codes is a column of the other layout.
    assert result.errors == [RowError(1, "nis_codes", "onbekende kolom")]


def test_an_unreadable_file_names_the_reason(target, tmp_path):
    broken = tmp_path / "golf.xlsx"
    broken.write_bytes(b"PK\x03\x04 geen echte zip")

    damaged = import_responses(campaign=target, source=broken, now=NOW)
    missing = import_responses(
        campaign=target, source=tmp_path / "weg.csv", dry_run=True, now=NOW
    )

    assert damaged.errors == [
        RowError(1, "-", "Geen geldig XLSX-bestand (File is not a zip file).")
    ]
    assert damaged.dry_run is False
    [error] = missing.errors
    assert (error.row, error.column, missing.dry_run) == (1, "-", True)
    assert error.message.startswith("bestand niet leesbaar als CSV of XLSX: ")
    assert "weg.csv" in error.message
    assert _written(target) == 0


# --- rows ----------------------------------------------------------------------


def test_blank_rows_are_skipped_but_keep_their_spreadsheet_number(target):
    rows = [
        ["nis_codes", "q1"],
        ["", ""],
        ["46003", "ja"],
        ["46013", "misschien"],
    ]

    result = run(target, rows)

    assert [(e.row, e.column) for e in result.errors] == [(4, "q1")]
    assert (result.rows, result.responses, result.answers) == (2, 2, 1)
    assert _written(target) == 0


def test_a_row_with_more_cells_than_columns_is_refused(target):
    result = run(target, [["nis_codes", "q1"], ["46003", "ja", "extra"]])

    assert result.errors == [RowError(2, "-", "meer cellen dan kolommen")]
    assert _written(target) == 0


def test_a_row_without_nis_code_is_refused(target):
    result = run(target, [["nis_codes", "q1"], [" ; ", "ja"]])

    assert result.errors == [RowError(2, "nis_codes", "geen NIS-code ingevuld")]


def test_nis_lists_are_trimmed_and_empty_entries_dropped(target):
    result = run(target, [["nis_codes", "q1"], [" 46003 ;; 46013 ", "ja"]])

    assert result.ok
    by_nis = _by_nis(target)
    assert set(by_nis) == {"46003", "46013"}
    assert by_nis["46003"] == by_nis["46013"]


def test_errors_are_sorted_by_row_whatever_the_check_that_found_them(target):
    rows = [
        ["nis_codes", "q1"],
        ["99999", "ja"],  # coverage check (runs after all rows are parsed)
        ["46003", "misschien"],  # cell check
    ]

    result = run(target, rows)

    assert [(e.row, e.column) for e in result.errors] == [
        (2, "nis_codes"),
        (3, "q1"),
    ]


def test_a_bestuur_covered_in_another_campaign_may_be_imported(target):
    other = make_export_campaign(instrument=target.instrument, slug="andere")
    make_export_response(campaign=other, municipalities=[_municipality("46003")])

    result = run(target, [["nis_codes", "q1"], ["46003", "ja"]])

    assert result.ok
    assert set(_by_nis(target)) == {"46003"}


def _municipality(nis):
    from municipalities.models import Municipality

    return Municipality.objects.get(nis_code=nis)


# --- the bestuur layout --------------------------------------------------------------


def test_bestuur_rows_of_one_response_id_merge_only_when_consecutive(target):
    rows = [
        ["response_id", "nis_code", "q1"],
        ["7", "46003", "ja"],
        ["7", "46013", "ja"],
        ["", "46020", "nee"],
    ]

    result = run(target, rows)

    assert (result.ok, result.rows, result.responses, result.answers) == (
        True,
        2,
        2,
        2,
    )
    by_nis = _by_nis(target)
    assert by_nis["46003"] == by_nis["46013"] != by_nis["46020"]
    assert by_nis["46003"].is_coordinator is True
    assert by_nis["46020"].is_coordinator is False


def test_bestuur_rows_without_response_id_stay_separate_responses(target):
    rows = [["response_id", "nis_code", "q1"], ["", "46003", "ja"], ["", "46013", "ja"]]

    result = run(target, rows)

    assert result.responses == 2
    by_nis = _by_nis(target)
    assert by_nis["46003"] != by_nis["46013"]


def test_the_response_layout_never_merges_rows_by_response_id(target):
    rows = [
        ["response_id", "nis_codes", "q1"],
        ["7", "46003", "ja"],
        ["7", "46013", "ja"],
    ]

    result = run(target, rows)

    assert result.responses == 2
    by_nis = _by_nis(target)
    assert by_nis["46003"] != by_nis["46013"]


# --- flags, status, times -----------------------------------------------------------


def test_the_coordinator_flag_is_taken_from_the_file_when_given(target):
    rows = [
        ["nis_codes", "is_coordinator", "q1"],
        ["46003;46013", "0", "ja"],
        ["46020", "1", "ja"],
    ]

    assert run(target, rows).ok

    by_nis = _by_nis(target)
    assert (by_nis["46003"].is_coordinator, by_nis["46020"].is_coordinator) == (
        False,
        True,
    )


def test_a_coordinator_flag_other_than_0_or_1_is_refused(target):
    result = run(target, [["nis_codes", "is_coordinator"], ["46003", "ja"]])

    assert [str(e) for e in result.errors] == [
        "rij 2, kolom is_coordinator: verwacht 0 of 1, niet 'ja'"
    ]


def test_status_labels_are_read_in_any_case(target):
    rows = [["nis_codes", "status"], ["46003", "GESTART"], ["46013", "Ingediend"]]

    assert run(target, rows).ok

    by_nis = _by_nis(target)
    assert (by_nis["46003"].status, by_nis["46013"].status) == (
        ResponseStatus.STARTED,
        ResponseStatus.SUBMITTED,
    )


def test_submitted_without_times_gets_the_import_moment(target):
    assert run(target, [["nis_codes", "q1"], ["46003", "ja"]]).ok

    response = Response.objects.get(campaign=target)
    assert (response.status, response.imported) == (ResponseStatus.SUBMITTED, True)
    assert (response.submitted_at, response.updated_at) == (NOW, NOW)


def test_a_submitted_row_without_started_at_started_when_it_was_submitted(target):
    rows = [["nis_codes", "submitted_at"], ["46003", "2022-03-02T10:00:00+00:00"]]

    assert run(target, rows).ok

    response = Response.objects.get(campaign=target)
    moment = datetime(2022, 3, 2, 10, 0, tzinfo=UTC)
    assert (response.started_at, response.submitted_at, response.updated_at) == (
        moment,
        moment,
        moment,
    )


def test_an_unsubmitted_row_keeps_no_submitted_at_and_was_last_active_at_start(target):
    rows = [
        ["nis_codes", "status", "started_at"],
        ["46003", "partial", "2022-03-01T09:00:00+00:00"],
        ["46013", "started", ""],
    ]

    assert run(target, rows).ok

    by_nis = _by_nis(target)
    started = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)
    partial = Response.objects.get(pk=by_nis["46003"].pk)
    bare = Response.objects.get(pk=by_nis["46013"].pk)
    assert (partial.submitted_at, partial.started_at, partial.updated_at) == (
        None,
        started,
        started,
    )
    assert (bare.status, bare.submitted_at, bare.updated_at) == (
        ResponseStatus.STARTED,
        None,
        NOW,
    )


def test_a_time_after_the_import_moment_is_refused_but_now_itself_is_not(target):
    rows = [
        ["nis_codes", "started_at", "submitted_at"],
        ["46003", "2026-01-15T10:00:00+00:00", "2026-01-15T10:00:00+00:00"],
        ["46013", "2026-01-15T10:01:00+00:00", ""],
    ]

    result = run(target, rows)

    assert [(e.row, e.column) for e in result.errors] == [(3, "started_at")]


def test_a_number_is_not_a_moment(target):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["nis_codes", "started_at", "q5"])
    sheet.append(["46003", 44620, 12.0])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)

    result = import_responses(campaign=target, source=data, fmt="xlsx", now=NOW)

    assert [str(e) for e in result.errors] == [
        "rij 2, kolom started_at: ongeldige datum/tijd: '44620'"
    ]


def test_whole_numbers_from_a_spreadsheet_are_stored_as_integers(target):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["nis_codes", "q5", "q1"])
    sheet.append([46003.0, 12.0, "ja"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)

    result = import_responses(campaign=target, source=data, fmt="xlsx", now=NOW)

    assert result.ok, result.errors
    assert set(_by_nis(target)) == {"46003"}
    value = Answer.objects.get(question__code="q5").value
    assert (value, type(value)) == (12, int)


# --- 'other' texts -------------------------------------------------------------------


def test_an_other_text_without_its_answer_is_refused(target):
    result = run(target, [["nis_codes", "q7", "q7__other"], ["46003", "", "iets"]])

    assert result.errors == [RowError(2, "q7__other", "toelichting zonder antwoord")]
    assert _written(target) == 0


def test_an_over_long_other_text_names_length_and_limit(target):
    from surveys.types import OTHER_MAX_LENGTH

    text = "x" * (OTHER_MAX_LENGTH + 1)
    result = run(target, [["nis_codes", "q7", "q7__other"], ["46003", "ander", text]])

    assert [str(e) for e in result.errors] == [
        f"rij 2, kolom q7__other: tekst te lang ({OTHER_MAX_LENGTH + 1} tekens, "
        f"maximum {OTHER_MAX_LENGTH})"
    ]


def test_other_texts_keep_their_spacing_and_are_stored_with_the_answer(target):
    rows = [["nis_codes", "q7", "q7__other"], ["46003", " ander ", "  twee  spaties "]]

    assert run(target, rows).ok

    answer = Answer.objects.get(question__code="q7")
    assert (answer.value, answer.other_text) == ("ander", "  twee  spaties ")


def test_bestuur_rows_without_a_response_id_column_are_separate_responses(target):
    rows = [["nis_code", "q1"], ["46003", "ja"], ["46013", "nee"]]

    result = run(target, rows)

    assert (result.ok, result.responses) == (True, 2)
    by_nis = _by_nis(target)
    assert by_nis["46003"] != by_nis["46013"]


def test_coverage_errors_name_the_code_and_the_earlier_row(target):
    other = make_export_response(campaign=target)
    ResponseMunicipality.objects.create(
        response=other, campaign=target, municipality=_municipality("46020")
    )
    rows = [["nis_codes"], ["46003"], ["12345;46020"], ["46003"]]

    result = run(target, rows)

    assert [str(e) for e in result.errors] == [
        "rij 3, kolom nis_codes: onbekende NIS-code '12345'",
        "rij 3, kolom nis_codes: NIS-code 46020 heeft al een antwoord in deze "
        "bevraging",
        "rij 4, kolom nis_codes: NIS-code 46003 staat ook in rij 2",
    ]
