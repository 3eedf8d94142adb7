"""django-import-export file formats for the admin, on the project's own rules.

Imports read through vvsg_survey.uploads (size, encoding, zip-bomb and row
limits), and the upload form refuses an oversized file before django-import-export
copies it into memory. Exports use the one cell sanitiser
(vvsg_survey.sanitise): CSV text that could start a formula gets an
apostrophe, XLSX text is a typed string cell, shown unchanged.
"""

from __future__ import annotations

import io

import tablib
from django import forms
from django.conf import settings
from import_export.formats import base_formats
from import_export.forms import ImportForm
from openpyxl import Workbook

from municipalities.resources import read_dataset
from vvsg_survey.sanitise import csv_row, xlsx_cell
from vvsg_survey.uploads import UploadError


class SafeCSV(base_formats.CSV):
    def is_binary(self) -> bool:
        return True  # bytes go to uploads.read_table, which detects the encoding

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream, **kwargs) -> tablib.Dataset:
        return read_dataset(io.BytesIO(_bytes(in_stream)))

    def export_data(self, dataset, **kwargs) -> str:
        safe = tablib.Dataset(headers=csv_row(list(dataset.headers or [])))
        for row in dataset:
            safe.append(csv_row(list(row)))
        return safe.export("csv", **kwargs)


class SafeXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream, **kwargs) -> tablib.Dataset:
        return read_dataset(io.BytesIO(_bytes(in_stream)))

    def export_data(self, dataset, **kwargs) -> bytes:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=(dataset.title or "Export")[:31])
        for row in [dataset.headers or [], *dataset]:
            sheet.append([xlsx_cell(sheet, value) for value in row])
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()


def _bytes(in_stream) -> bytes:
    return in_stream.encode("utf-8") if isinstance(in_stream, str) else in_stream


class BoundedImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"File too large: {upload.size / 1e6:.1f} MB, the maximum is "
                f"{limit / 1e6:.1f} MB (setting IMPORT_MAX_BYTES)."
            )
        return upload


class SafeFormatsMixin:
    """For ImportExportModelAdmin: bounded imports, sanitised exports."""

    import_form_class = BoundedImportForm
    import_formats = [SafeCSV, SafeXLSX]
    export_formats = [SafeCSV, SafeXLSX]

    def add_data_read_fail_error_to_form(self, form, e):
        # django-import-export names only the exception type; a refused file's
        # message says what is wrong and which limit applies.
        if isinstance(e, UploadError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)  # type: ignore[misc]
