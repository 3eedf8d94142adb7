"""Proof with a real spreadsheet: LibreOffice Calc evaluates no exported answer.

The real CSV and XLSX exports are converted by Debian's LibreOffice (headless) to
flat ODS XML, where a formula is visible as a `table:formula` attribute. The CSV is
opened the most dangerous way the import dialog allows: "Evaluate formulas" and
"Trim spaces" on. The XLSX must show the respondent's text exactly (no apostrophe).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from defusedxml import ElementTree

from responses.models import ResponseStatus
from responses.reporting.exports import export_to_file
from tests.factories import (
    make_export_campaign,
    make_export_response,
    make_municipality,
)

pytestmark = [pytest.mark.django_db, pytest.mark.services]

HOSTILE = [
    "=1+1",
    "+1",
    "-1+2",
    "@SUM(1)",
    '"=1+1',
    "\uff1d1+1",  # full-width equals sign
    "\u200b=1+1",  # zero-width space
    "\ufeff=1+1",  # BOM
    "\u2060=1+1",  # word joiner
    " =1+1",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://x")',
    "'=1+1",
]
# CSV filter options: ';' separator, '"' quote, UTF-8, from line 1, no column
# types, system language, quoted-as-text off, detect special numbers, -, -,
# trim spaces ON, -, evaluate formulas ON.
CSV_EVALUATING = "CSV:59,34,76,1,,0,false,true,false,false,true,-1,true"
# The documented import step: column 6 (nis_codes) as Text (format code 2).
CSV_CODES_AS_TEXT = "CSV:59,34,76,1,6/2,0,false,true,false,false,false,-1,true"

NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
}
T, X, OFFICE = (f"{{{NS[k]}}}" for k in ("table", "text", "office"))


@pytest.fixture
def campaign():
    campaign = make_export_campaign()
    for i, text in enumerate(HOSTILE):
        make_export_response(
            campaign=campaign,
            municipalities=[
                make_municipality(nis_code=f"{44084 + i}", name=f"{text} gemeente")
            ],
            answers={"q1": "ja", "q4": text, "q7": "ander"},
            others={"q7": text},
            respondent_function=text,
            status=ResponseStatus.SUBMITTED,
        )
    return campaign


def _convert(soffice: list[str], source: Path, *, infilter: str | None = None):
    out = source.parent / f"{source.stem}-{source.suffix[1:]}"
    command = [*soffice, "--convert-to", "fods", "--outdir", str(out)]
    if infilter:
        command.append(f"--infilter={infilter}")
    env = {"HOME": str(source.parent / "lo-home"), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [*command, str(source)], check=True, capture_output=True, env=env, timeout=120
    )
    return ElementTree.parse(out / f"{source.stem}.fods").getroot()


def _cell_text(cell) -> str:
    """The text of an ODF cell: paragraphs joined by LF, spaces and tabs expanded."""

    def walk(node) -> str:
        out = node.text or ""
        for child in node:
            if child.tag == f"{X}s":
                out += " " * int(child.get(f"{X}c", "1"))
            elif child.tag == f"{X}tab":
                out += "\t"
            elif child.tag == f"{X}line-break":
                out += "\n"
            else:
                out += walk(child)
            out += child.tail or ""
        return out

    return "\n".join(walk(p) for p in cell.findall(f"{X}p"))


def _sheet(root) -> list[list]:
    """Rows of the first sheet as (text, value-type, formula) per cell."""
    table = root.find(".//table:table", NS)
    rows = []
    for row in table.findall("table:table-row", NS):
        cells = []
        for cell in row:
            repeat = min(int(cell.get(f"{T}number-columns-repeated", "1")), 50)
            value = (
                _cell_text(cell),
                cell.get(f"{OFFICE}value-type"),
                cell.get(f"{T}formula"),
            )
            cells += [value] * repeat
        rows.append(cells)
    return [r for r in rows if any(text for text, _, _ in r)]


def _columns(rows, *names):
    header = [text for text, _, _ in rows[0]]
    return [[row[header.index(n)] for n in names] for row in rows[1:]]


def test_libreoffice_evaluates_no_cell_of_the_csv_export(campaign, soffice, tmp_path):
    path = tmp_path / "export.csv"
    export_to_file(campaign=campaign, out=str(path), fmt="csv")

    rows = _sheet(_convert(soffice, path, infilter=CSV_EVALUATING))

    formulas = [cell for row in rows for cell in row if cell[2]]
    assert formulas == []
    cells = [cell for (cell,) in _columns(rows, "q4")]
    assert len(cells) == len(HOSTILE)
    assert {kind for _, kind, _ in cells} == {"string"}
    q4 = [text for text, _, _ in cells]
    # Each hostile answer is still there, as text (CSV keeps the apostrophe).
    for original in HOSTILE:
        visible = original.strip().replace("\r", "\n")
        assert any(visible in text for text in q4), original


def test_libreoffice_shows_xlsx_text_unchanged_and_evaluates_nothing(
    campaign, soffice, tmp_path
):
    path = tmp_path / "export.xlsx"
    export_to_file(campaign=campaign, out=str(path), fmt="xlsx")

    rows = _sheet(_convert(soffice, path))

    assert [cell for row in rows for cell in row if cell[2]] == []
    columns = _columns(rows, "q4", "q7__other", "respondent_function")
    # XML turns a bare CR into LF; every other character arrives unchanged.
    expected = sorted(text.replace("\r", "\n") for text in HOSTILE)
    for index in range(3):
        assert sorted(row[index][0] for row in columns) == expected
        assert {row[index][1] for row in columns} == {"string"}


def test_nis_codes_stay_text_in_xlsx_and_with_the_documented_csv_import(
    campaign, soffice, tmp_path
):
    xlsx, csv_path = tmp_path / "codes.xlsx", tmp_path / "codes.csv"
    export_to_file(campaign=campaign, out=str(xlsx), fmt="xlsx")
    export_to_file(campaign=campaign, out=str(csv_path), fmt="csv")

    from_xlsx = _columns(_sheet(_convert(soffice, xlsx)), "nis_codes")
    from_csv = _columns(
        _sheet(_convert(soffice, csv_path, infilter=CSV_CODES_AS_TEXT)), "nis_codes"
    )

    expected = sorted(f"{44084 + i}" for i in range(len(HOSTILE)))
    for cells in (from_xlsx, from_csv):
        assert sorted(text for ((text, _, _),) in cells) == expected
        assert {kind for ((_, kind, _),) in cells} == {"string"}
