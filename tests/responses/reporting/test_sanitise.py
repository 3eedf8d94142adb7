"""The one cell sanitiser: CSV prefix rule, its exact inverse, XLSX typed text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from vvsg_survey.sanitise import (
    csv_cell,
    csv_value,
    put_text,
    starts_formula,
    xlsx_cell,
)


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1",
        "-1+2",
        "@SUM(1)",
        "\t=1",
        "\r=1",
        "\n=1",
        " =1+1",
        "   \t+1",
        '"=1+1',
        "\u201c=1+1",  # typographic quote
        "'=1+1",
        "\uff1d1+1",  # full-width = + - @
        "\uff0b1",
        "\uff0d1",
        "\uff201",
        "\u200b=1+1",  # zero-width space
        "\u200c=1",  # zero-width non-joiner
        "\u200d=1",  # zero-width joiner
        "\ufeff=1",  # BOM
        "\u2060=1",  # word joiner
        "\u00ad=1",  # soft hyphen
        "\u200b \"'\u2060=1",
        '=HYPERLINK("http://x")',
    ],
)
def test_csv_cell_prefixes_every_hidden_trigger(text):
    assert starts_formula(text)
    assert csv_cell(text) == "'" + text
    assert csv_value(csv_cell(text)) == text


@pytest.mark.parametrize(
    "value",
    ["Gent", "", " Gent", "'quoted", '"citaat"', "1+1", "a=1", "\u200bGent", 5, 1.5],
)
def test_csv_cell_leaves_harmless_values_alone(value):
    assert csv_cell(value) == value


@given(st.text())
def test_csv_value_restores_every_text_exactly(text):
    cell = csv_cell(text)
    assert csv_value(cell) == text
    assert cell == text or (cell.startswith("'") and starts_formula(text))


def test_xlsx_cells_keep_the_text_as_a_typed_string():
    sheet = Workbook(write_only=True).create_sheet()
    cell = xlsx_cell(sheet, "=1+1\x01")

    assert (cell.value, cell.data_type, cell.number_format) == ("=1+1", "s", "@")
    assert xlsx_cell(sheet, 7) == 7
    assert xlsx_cell(sheet, "") is None


def test_put_text_undoes_openpyxl_formula_guess():
    cell = Workbook().active["A1"]

    put_text(cell, '=HYPERLINK("http://x")')

    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")
