"""The results workbook carries the series over all waves and the police-zone and
size-class cross-tabs, with the same numbers as the question pages (issue 18).
Workbooks are read back cell by cell; expected numbers are worked out by hand."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import load_workbook

from municipalities.models import Municipality
from responses.models import ResponseStatus
from responses.reporting.results.report import Options, build_report
from responses.reporting.results.xlsx import build_workbook
from surveys.queries import clear_spec_cache
from tests.responses.reporting.results_world import (
    add_response,
    build_world,
    make_campaign,
)

pytestmark = pytest.mark.django_db

ZONES = {
    "Antwerpen": "PZ Antwerpen",
    "Mortsel": "PZ Minos",
    "Edegem": "PZ Minos",
    "Boechout": "PZ Minos",
    "Hasselt": "PZ Limburg Regio Hoofdstad",
}


@pytest.fixture
def world():
    clear_spec_cache()
    world = build_world()
    w2022 = make_campaign(world.previous.instrument, "lb-2022", dt.date(2022, 5, 10))
    world.previous.previous = w2022
    world.previous.save(update_fields=["previous"])
    S = ResponseStatus.SUBMITTED
    # Borsbeek (merged into Antwerpen in 2025) counts as today's Antwerpen.
    add_response(w2022, "O1", world, ["Borsbeek"], S, {"signalen": "ja_gelijk"})
    add_response(w2022, "O2", world, ["Mortsel"], S, {"signalen": "neen"})
    add_response(w2022, "O3", world, ["Genk"], S, {"signalen": "neen"})
    for name, zone in ZONES.items():
        Municipality.objects.filter(name=name).update(police_zone_name=zone)
    return world


def _workbook(world, options: Options):
    report = build_report(world.current, options=options)
    content = build_workbook(report, unit_label="per bestuur")
    return report, load_workbook(BytesIO(content))


def _rows(ws) -> list[tuple]:
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def _block(rows: list[tuple], title: str) -> list[tuple]:
    """The rows under a bold block title up to the next blank row."""
    start = next(i for i, row in enumerate(rows) if row[0] == title)
    out = []
    for row in rows[start + 1 :]:
        if all(value is None for value in row):
            break
        out.append(row)
    return out


def _trimmed(row: tuple) -> tuple:
    values = list(row)
    while values and values[-1] is None:
        values.pop()
    return tuple(values)


def test_workbook_has_the_series_over_all_waves_per_bestuur(world):
    report, wb = _workbook(world, Options())

    block = _block(_rows(wb["signalen"]), "Verloop over de golven")
    assert block[0][0].startswith("Per golf: aantal en % van n.")
    assert _trimmed(block[1]) == (
        "Antwoord",
        "2022 (n=3): aantal",
        "2022: %",
        "2024 (n=3): aantal",
        "2024: %",
        "2026 (n=11): aantal",
        "2026: %",
        "Verschil met vorige golf (procentpunten)",
    )
    lines = {row[0]: row[1:8] for row in block[2:]}
    # 2022: Antwerpen (from Borsbeek) ja_gelijk, Mortsel and Genk neen -> n=3.
    # 2024: Antwerpen ja_gelijk, Hasselt neen, Genk ja_daling -> n=3.
    # 2026: neen = Mortsel, Edegem, Boechout, Bree, Lommel = 5 of 11;
    #       45.5% - 33.3% = +12 points.
    assert lines["Neen"] == (2, pytest.approx(2 / 3), 1, pytest.approx(1 / 3),
                             5, pytest.approx(5 / 11), 12)  # fmt: skip
    assert lines["Ja (gelijk)"] == (1, pytest.approx(1 / 3), 1, pytest.approx(1 / 3),
                                    3, pytest.approx(3 / 11), -6)  # fmt: skip
    # Same numbers as the page's series, row by row.
    series = next(q for q in report.questions if q.question.code == "signalen").series
    assert [row[0] for row in block[2:]] == [r.label for r in series.rows]
    for row, expected in zip(block[2:], series.rows, strict=True):
        counts = [p.count if p else None for p in expected.points]
        assert list(row[1:7:2]) == counts
        delta = int(expected.delta_text) if expected.delta_text else None
        assert row[7] == delta
    share_cell = wb["signalen"].cell(row=_row_of(wb["signalen"], "Neen", last=True),
                                     column=3)  # fmt: skip
    assert share_cell.number_format == "0%"


def _row_of(ws, label: str, *, last: bool = False) -> int:
    found = [c.row for c in ws["A"] if c.value == label]
    return found[-1] if last else found[0]


def test_workbook_series_of_a_number_and_a_matrix_question(world):
    report, wb = _workbook(world, Options(unit="respondent"))

    by_code = {q.question.code: q for q in report.questions}
    for code in ("dossiers", "vormen"):
        series = by_code[code].series
        block = _block(_rows(wb[code]), "Verloop over de golven")
        heads = _trimmed(block[1])[1:]
        labels = [f"{w} (n={n})" if n is not None else w for w, n in series.columns]
        if series.measure == "mean":
            assert heads == tuple(labels)
            for row, expected in zip(block[2:], series.rows, strict=True):
                values = [p.value if p else None for p in expected.points]
                assert (row[0], *row[1 : 1 + len(values)]) == (expected.label, *values)
        else:
            assert series.measure == "all"
            assert heads[0] == f"{labels[0]}: aantal"
            assert heads[2] == f"{series.waves[0]}: gem. positie"
            for row, expected in zip(block[2:], series.rows, strict=True):
                cells = []
                for p in expected.points:
                    cells += [p.count, p.share, p.value] if p else [None] * 3
                assert row[0] == expected.label
                assert list(row[1 : 1 + len(cells)]) == cells
    # Per respondent: nobody answered dossiers in 2022 or 2024 (n=0, no mean);
    # in 2026 seven respondents did, mean 4 and median 3.
    dossiers = _block(_rows(wb["dossiers"]), "Verloop over de golven")
    assert [_trimmed(row) for row in dossiers[1:]] == [
        ("Antwoord", "2022 (n=0)", "2024 (n=0)", "2026 (n=7)"),
        ("Gemiddelde", None, None, 4),
        ("Mediaan", None, None, 3),
    ]
    # vormen 2026: 4 of the 9 respondents answered the Islamistisch row
    # (share of all units, Tabel 2); 44 points up from 0 of 0 in 2024.
    vormen = _block(_rows(wb["vormen"]), "Verloop over de golven")
    islam = next(row for row in vormen if row[0] == "Islamistisch")
    assert (islam[7], islam[8], islam[10]) == (4, pytest.approx(4 / 9), 44)


def test_workbook_has_police_zone_and_size_class_crosstabs(world):
    report, wb = _workbook(world, Options(show_small=True))

    rows = _rows(wb["signalen"])
    zone = _block(rows, "Per politiezone (op de openingsdag van de bevraging)")
    # per bestuur: Antwerpen 1; Mortsel, Edegem, Boechout (one coordinator) 3;
    # Hasselt 1; the other 6 answering besturen have no zone.
    assert _trimmed(zone[0]) == (
        None,
        "PZ Antwerpen (n=1)",
        "PZ Limburg Regio Hoofdstad (n=1)",
        "PZ Minos (n=3)",
        "Onbekend (n=6)",
        "Totaal (n=11)",
    )
    neen = next(row for row in zone if row[0] == "Neen")
    # Neen: Mortsel, Edegem, Boechout (PZ Minos) and Bree, Lommel (no zone).
    assert [_count(text) for text in neen[1:6]] == [0, 0, 3, 2, 5]
    size = _block(rows, "Per grootteklasse (inwoners op 1 januari van het jaar "
                        "van de bevraging)")  # fmt: skip
    assert _trimmed(size[0]) == (
        None,
        "< 10.000 inwoners (n=0)",
        "10.000–19.999 inwoners (n=3)",
        "20.000–49.999 inwoners (n=5)",
        "≥ 50.000 inwoners (n=3)",
        "Totaal (n=11)",
    )
    # Same cells as the page's cross-tabs, row by row.
    result = next(q for q in report.questions if q.question.code == "signalen")
    for block, tab in ((zone, result.by_zone), (size, result.by_size)):
        assert [_trimmed(row) for row in block[1 : 1 + len(tab.rows)]] == [
            (row.label, *[c.text for c in row.cells], row.total.text)
            for row in tab.rows
        ]


def _count(text: str) -> int:
    """The count of a cell text: "3 (100%)", "0" or "1* (33%)"."""
    return int(text.split(" ")[0].rstrip("*"))


def test_workbook_crosstab_by_another_question(world):
    report, wb = _workbook(world, Options(by="beleid", show_small=True))

    block = _block(_rows(wb["signalen"]), "Per antwoord op beleid")
    result = next(q for q in report.questions if q.question.code == "signalen")
    assert _trimmed(block[0])[-1] == f"Totaal (n={result.by_question.n})"
    assert [_trimmed(row) for row in block[1 : 1 + len(result.by_question.rows)]] == [
        (row.label, *[c.text for c in row.cells], row.total.text)
        for row in result.by_question.rows
    ]
    # The column question itself gets no cross-tab by itself.
    assert "Per antwoord op beleid" not in [row[0] for row in _rows(wb["beleid"])]
