"""Staff-only downloads for instruments."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from surveys.codebook import (
    codebook_csv,
    codebook_entries,
    codebook_filename,
    codebook_json,
)
from surveys.models import Instrument

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


@require_GET
@staff_member_required
def download_codebook(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("Onbekend formaat")
    instrument = get_object_or_404(Instrument, pk=pk)
    if fmt == "csv":
        delimiter = ";" if request.GET.get("sep") == "semicolon" else ","
        body = codebook_csv(instrument, delimiter=delimiter)
    else:
        body = codebook_json(instrument)
    response = HttpResponse(body.encode("utf-8"), content_type=CONTENT_TYPES[fmt])
    filename = codebook_filename(instrument, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@staff_member_required
def instrument_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Read-only overview of an instrument for staff: questions, options, conditions."""
    instrument = get_object_or_404(Instrument, pk=pk)
    context = {"instrument": instrument, "entries": codebook_entries(instrument)}
    return render(request, "surveys/instrument_detail.html", context)
