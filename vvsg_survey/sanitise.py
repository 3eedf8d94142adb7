"""The one cell sanitiser for every spreadsheet and document the platform writes.

Respondents type free text, and staff open exports in Excel or LibreOffice, so a
cell like ``=HYPERLINK("http://x")`` must never run. Two rules, one per format
(docs/exports.md explains each edge case):

* **CSV** has no cell types: a program guesses from the text. A string cell whose
  first *significant* character is a trigger gets an apostrophe in front
  (`csv_cell`). "Significant" looks past leading whitespace, quotes and invisible
  format characters (zero-width space/joiners, BOM, word joiner, soft hyphen),
  because some importers drop those and would then see the trigger. Full-width
  triggers count too: spreadsheets fold them to their ASCII form in formulas.
  `csv_value` is the exact inverse, used when an export is imported again.
* **XLSX** has cell types: a string cell (``t="s"``) is never evaluated, whatever
  its text. `xlsx_cell` / `put_text` write strings as typed string cells with the
  text number format ``@`` and *no* apostrophe, so analysts see the respondent's
  words unchanged and code columns (NIS codes) keep one type.

HTML and PDF output get their escaping from Django's autoescape; `plain_text`
removes the control characters no XML-based format (XLSX, HTML, PDF) can hold.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import TYPE_STRING

# A spreadsheet starts a formula (or a DDE call) with one of these.
TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
# Skipped before deciding: importers strip or ignore these, Excel drops a leading
# quote pair ("=1+1 opens as =1+1), and invisible characters hide a trigger.
QUOTES = frozenset("'\"\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\uff02\uff07")
PREFIX = "'"
TEXT_FORMAT = "@"
# The characters XML 1.0 cannot carry (openpyxl refuses them in a cell).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _insignificant(char: str) -> bool:
    # Category Cf holds ZWSP, ZWNJ, ZWJ, BOM, word joiner, soft hyphen, bidi marks.
    return char.isspace() or char in QUOTES or unicodedata.category(char) == "Cf"


def starts_formula(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula."""
    for char in text:
        if char in TRIGGERS:
            return True
        if not _insignificant(char):
            return False
    return False


def csv_cell(value: Any) -> Any:
    """A CSV cell: text that could start a formula gets a leading apostrophe.

    The apostrophe itself is skipped by `starts_formula`, so text that already
    starts with quotes before a trigger gets one more and `csv_value` restores
    every original exactly.
    """
    if isinstance(value, str) and starts_formula(value):
        return PREFIX + value
    return value


def csv_value(cell: str) -> str:
    """The original text of a `csv_cell` (the import side of the round trip)."""
    if cell.startswith(PREFIX) and starts_formula(cell[1:]):
        return cell[1:]
    return cell


def csv_row(row: list) -> list:
    return [csv_cell(value) for value in row]


def plain_text(value: str) -> str:
    """Text without the control characters XML-based formats cannot hold."""
    return _ILLEGAL.sub("", value)


def xlsx_cell(sheet, value: Any):
    """A write-only cell: strings typed as text (never a formula), others as is."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=plain_text(value))
    cell.data_type = TYPE_STRING
    cell.number_format = TEXT_FORMAT
    return cell


def put_text(cell, value: str) -> None:
    """Store `value` in a normal worksheet cell as a typed string cell."""
    cell.value = plain_text(value)
    cell.data_type = TYPE_STRING  # assigning "=..." made it a formula; undo that
    cell.number_format = TEXT_FORMAT


# `starts_formula` as a PostgreSQL regular expression, for text neutralised in SQL
# (the COPY export): any run of skipped characters, then a trigger. Generated from
# TRIGGERS and `_insignificant` over every code point; a test regenerates it, so a
# Python with a newer Unicode database cannot let the two drift apart.
FORMULA_PATTERN = (
    r"^[\u000b-\u000c\u001c-\u0020\u0022\u0027\u0085\u00a0\u00ad"
    r"\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u1680"
    r"\u180e\u2000-\u200f\u2018-\u201f\u2028-\u202f\u205f-\u2064"
    r"\u2066-\u206f\u3000\ufeff\uff02\uff07\ufff9-\ufffb\U000110bd"
    r"\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    r"\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]*["
    r"\u0009-\u000a\u000d\u002b\u002d\u003d\u0040\uff0b\uff0d"
    r"\uff1d\uff20]"
)
