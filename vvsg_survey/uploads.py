"""Bounded reading of uploaded tables (CSV, XLSX) for every import path.

`read_table` is used by `import_responses` (command and admin view) and by the
django-import-export resources (`import_contacts`, `load_municipalities` and the
admin imports). It refuses a hostile file before it costs memory:

* size: the byte count is checked before anything is read (`IMPORT_MAX_BYTES`);
* XLSX: the zip directory's declared sizes are summed before openpyxl opens a
  sheet (`IMPORT_MAX_XLSX_UNCOMPRESSED`); Python's zipfile never inflates a member
  past its declared size, so the sum is a real bound. XML is parsed by defusedxml
  (openpyxl uses it when installed), so entity expansion is refused as well;
* rows: more than `IMPORT_MAX_ROWS` data rows is an error naming the first row
  over the limit, found while streaming;
* encoding: UTF-8 (with or without BOM) and UTF-16 (BOM, or NUL bytes in the
  first kilobytes) are decoded; a file with no valid UTF-8 is read as Windows-1252
  (Excel's "CSV" in Belgium, a superset of Latin-1's printable characters); a file
  that mixes valid UTF-8 with invalid bytes is refused with the line number.

CSV cells come back as the text before export (`sanitise.csv_value` strips the
export's neutralising apostrophe). XLSX formula cells come back as their formula
text: nothing is ever evaluated.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from vvsg_survey.sanitise import csv_value

XLSX_MAGIC = b"PK\x03\x04"
MAX_XLSX_MEMBERS = 1000
_CHUNK = 1 << 18
_SNIFF = 4096
# The first line is read with a bound, for the delimiter guess only.
_FIRST_LINE = 1 << 16
_XLSX_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    EOFError,
    OSError,
)


class UploadError(ValueError):
    """A file that is refused as a whole; the message is meant for the uploader."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_xlsx_uncompressed: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.IMPORT_MAX_BYTES,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_xlsx_uncompressed=settings.IMPORT_MAX_XLSX_UNCOMPRESSED,
        )


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def read_table(
    source: str | Path | IO[bytes],
    *,
    fmt: str | None = None,
    limits: Limits | None = None,
) -> tuple[list[Any], Iterator[list[Any]]]:
    """Return (header, rows) of a CSV or XLSX file, within `limits`.

    Raises UploadError for a file refused as a whole. The rows iterator raises
    UploadError too, when the row limit is passed or the file turns out broken.
    """
    limits = limits or Limits.from_settings()
    size = _size(source)
    if size > limits.max_bytes:
        raise UploadError(
            _("Bestand te groot: %(size)s, maximum %(limit)s.")
            % {"size": _mb(size), "limit": _mb(limits.max_bytes)}
        )
    fh = _binary(source)
    # A file this module opened is closed with the rows (or on any error here).
    owned = [fh] if isinstance(source, (str, Path)) else []
    try:
        name = str(getattr(source, "name", source) or "").lower()
        head = fh.read(len(XLSX_MAGIC))
        fh.seek(0)
        if fmt is None:
            fmt = "xlsx" if name.endswith(".xlsx") or head == XLSX_MAGIC else "csv"
        if fmt == "xlsx":
            header, rows, workbook = _read_xlsx(fh, limits)
            owned.insert(0, workbook)
        else:
            header, rows = _read_csv(fh, limits)
    except BaseException:
        _close_all(owned)
        raise
    return header, Rows(rows, owned)


class Rows:
    """The data rows; closes the files behind them when exhausted or collected."""

    def __init__(self, rows: Iterator[list[Any]], owned: list):
        self._rows, self._owned = rows, owned

    def __iter__(self) -> Rows:
        return self

    def __next__(self) -> list[Any]:
        try:
            return next(self._rows)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()
        _close_all(self._owned)
        self._owned = []

    def __del__(self) -> None:
        self.close()


def _close_all(owned: list) -> None:
    for item in owned:
        item.close()


def _binary(source) -> IO[bytes]:
    if isinstance(source, (str, Path)):
        return open(source, "rb")  # noqa: SIM115 - closed by Rows
    opened = getattr(source, "open", None)
    if callable(opened) and getattr(source, "closed", False):
        opened("rb")  # a Django UploadedFile that was closed after form cleaning
    source.seek(0)
    return source


def _size(source) -> int:
    if isinstance(source, (str, Path)):
        return os.stat(source).st_size
    size = getattr(source, "size", None)  # Django's UploadedFile knows it
    if isinstance(size, int):
        return size
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(0)
    return size


# --- CSV ------------------------------------------------------------------------


def _read_csv(fh: IO[bytes], limits: Limits):
    encoding = detect_encoding(fh)
    first_line = _text(fh, encoding).readline(_FIRST_LINE)
    # Belgian Excel writes ';', others ',', Excel's "Unicode text" (UTF-16) tabs.
    delimiter = max(";,\t", key=first_line.count)
    # A first pass counts the records, so a file over the row limit (or with a
    # broken quote) is refused before any row is parsed or kept.
    for _row in _records(fh, encoding, delimiter, limits):
        pass
    reader = _records(fh, encoding, delimiter, limits)
    return next(reader, []), reader


def _text(fh: IO[bytes], encoding: str) -> io.TextIOWrapper:
    fh.seek(0)
    text = io.TextIOWrapper(fh, encoding=encoding, newline="")
    # The wrapper must not close the caller's file when it is collected.
    text.close = lambda: None  # type: ignore[method-assign]
    return text


def _records(fh, encoding: str, delimiter: str, limits: Limits) -> Iterator[list]:
    # csv refuses a field over 128 KiB (its default limit), so a single huge
    # "cell" cannot fill memory either.
    reader = csv.reader(_text(fh, encoding), delimiter=delimiter)
    row = 1
    try:
        for row, record in enumerate(reader, start=1):
            if row > limits.max_rows + 1:
                raise UploadError(_too_many_rows(row, limits))
            yield [csv_value(cell) for cell in record]
    except csv.Error as exc:
        raise UploadError(
            _("Rij %(row)s is geen geldige CSV: %(error)s")
            % {"row": row + 1, "error": exc}
        ) from exc


def _too_many_rows(row: int, limits: Limits) -> str:
    return _(
        "Te veel rijen: rij %(row)s ligt voorbij het maximum van %(limit)s rijen "
        "(plus de kopregel). Splits het bestand."
    ) % {"row": row, "limit": limits.max_rows}


def detect_encoding(fh: IO[bytes]) -> str:
    """The codec of a CSV file: UTF-8, UTF-16 or Windows-1252, else UploadError."""
    fh.seek(0)
    sniff = fh.read(_SNIFF)
    fh.seek(0)
    if sniff.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise UploadError(_encoding_message("UTF-32"))
    if sniff.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif sniff.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif max(sniff[1::2].count(0), sniff[0::2].count(0)) > len(sniff) // 4:
        # UTF-16 without a BOM: ASCII letters leave a NUL in every other byte.
        odd = sniff[1::2].count(0)
        encoding = "utf-16-le" if odd >= sniff[0::2].count(0) else "utf-16-be"
    else:
        encoding = "utf-8"
    problem = _first_invalid(fh, encoding)
    if problem is None:
        return encoding
    line, seen_non_ascii = problem
    # Not one valid multi-byte sequence before the first bad byte: a legacy
    # single-byte file, as Excel writes "CSV" on Windows in Belgium.
    legacy = encoding == "utf-8" and not seen_non_ascii
    if legacy and _first_invalid(fh, "cp1252") is None:
        return "cp1252"
    raise UploadError(
        _encoding_message(encoding.upper().replace("-SIG", ""), line=line)
    )


def _encoding_message(found: str, *, line: int | None = None) -> str:
    where = _(" (regel %s)") % line if line else ""
    return _(
        "Het bestand is geen geldige tekst in %(found)s%(where)s. Bewaar het als "
        "'CSV UTF-8' (Excel) of 'Tekst CSV' met tekenset UTF-8 (LibreOffice)."
    ) % {"found": found, "where": where}


def _first_invalid(fh: IO[bytes], encoding: str) -> tuple[int, bool] | None:
    """(line, any non-ASCII text before it) of the first undecodable byte, or None."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    fh.seek(0)
    line, non_ascii = 1, False
    try:
        while chunk := fh.read(_CHUNK):
            text = decoder.decode(chunk)
            line += text.count("\n")
            non_ascii = non_ascii or not text.isascii()
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        partial = chunk[: exc.start].decode(encoding, errors="ignore")
        return line + partial.count("\n"), non_ascii or not partial.isascii()
    finally:
        fh.seek(0)
    return None


# --- XLSX -----------------------------------------------------------------------


def _read_xlsx(fh: IO[bytes], limits: Limits):
    try:
        with zipfile.ZipFile(fh) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadError(_("Geen geldig XLSX-bestand (%s).") % exc) from exc
    unpacked = sum(member.file_size for member in members)
    if len(members) > MAX_XLSX_MEMBERS or unpacked > limits.max_xlsx_uncompressed:
        raise UploadError(
            _(
                "XLSX-bestand te groot na uitpakken: %(size)s, maximum %(limit)s "
                "(een 'zip-bom'?)."
            )
            % {"size": _mb(unpacked), "limit": _mb(limits.max_xlsx_uncompressed)}
        )
    fh.seek(0)
    workbook = None
    try:
        # data_only=False: a formula cell is read as its text, never evaluated.
        workbook = load_workbook(fh, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        # A forged <dimension> would pad every row to 16,384 columns.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        header = list(next(rows, ()))
    except _XLSX_READ_ERRORS as exc:
        if workbook is not None:
            workbook.close()
        raise UploadError(_("XLSX-bestand niet leesbaar (%s).") % _cause(exc)) from exc
    return header, _xlsx_rows(rows, limits), workbook


def _xlsx_rows(rows, limits: Limits) -> Iterator[list]:
    row = 1
    try:
        for row, values in enumerate(rows, start=2):
            if row > limits.max_rows + 1:
                raise UploadError(_too_many_rows(row, limits))
            yield list(values)
    except _XLSX_READ_ERRORS as exc:
        if isinstance(exc, UploadError):
            raise
        raise UploadError(
            _("XLSX-bestand niet leesbaar na rij %(row)s (%(error)s).")
            % {"row": row, "error": _cause(exc)}
        ) from exc


def _cause(exc: BaseException) -> str:
    """The innermost error: openpyxl wraps the parser's reason in a long text."""
    inner: BaseException | None = exc
    while inner is not None:
        exc, inner = inner, inner.__cause__ or inner.__context__
    return f"{type(exc).__name__}: {exc}"
