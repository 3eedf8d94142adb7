"""Staff downloads of a campaign's responses (CSV streamed, XLSX via a temp file)."""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from municipalities.models import ClusterType
from responses.models import Campaign, ResponseStatus
from responses.reporting import exports
from responses.reporting.export_queries import ExportFilters, parse_filter_values
from responses.reporting.statistical import EXTENSIONS, STAT_FORMATS, write_statistical
from surveys.codebook import codebook_rows
from surveys.queries import instrument_spec

EXPORT_PERMISSION = "responses.export_responses"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
    "r": "application/zip",
}


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Formaat"),
        choices=[
            ("csv", "CSV"),
            ("xlsx", _("Excel (XLSX, met codeboek)")),
            ("sav", "SPSS (.sav)"),
            ("dta", "Stata (.dta)"),
            ("r", _("R (CSV + labelscript, .zip)")),
        ],
        initial="csv",
        required=False,
    )
    layout = forms.ChoiceField(
        label=_("Eén rij per"),
        choices=[("response", _("respons")), ("bestuur", _("bestuur"))],
        initial="response",
        required=False,
    )
    labels = forms.BooleanField(label=_("Labels in plaats van codes"), required=False)
    pseudonymise = forms.BooleanField(
        label=_("Gepseudonimiseerd (sleutel-ID, zonder open antwoorden)"),
        required=False,
    )
    delimiter = forms.ChoiceField(
        label=_("Scheidingsteken (CSV)"),
        choices=[(";", _("puntkomma (Excel België)")), (",", _("komma"))],
        initial=";",
        required=False,
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=ResponseStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    province = forms.CharField(label=_("Provincie (naam of NIS)"), required=False)
    cluster = forms.CharField(label=_("Belfius-cluster (bv. V3)"), required=False)
    cluster_type = forms.MultipleChoiceField(
        label=_("Clustertype"),
        choices=ClusterType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def filters(self) -> ExportFilters:
        data = self.cleaned_data
        return ExportFilters(
            statuses=tuple(data["status"]),
            provinces=parse_filter_values([data["province"]]),
            clusters=parse_filter_values([data["cluster"]]),
            cluster_types=tuple(data["cluster_type"]),
        )


def _filename(campaign: Campaign, layout: str, fmt: str) -> str:
    extension = EXTENSIONS.get(fmt, fmt)
    return f"{campaign.slug}-{layout}-{timezone.localdate():%Y%m%d}.{extension}"


@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def export_form(request: HttpRequest, slug: str):
    campaign = get_object_or_404(Campaign, slug=slug)
    return render(
        request,
        "responses/exports/export_form.html",
        {"campaign": campaign, "form": ExportForm()},
    )


@permission_required(EXPORT_PERMISSION, raise_exception=True)
def download_export(request: HttpRequest, slug: str):
    """Stream the export; the ExportLog row is written when the stream ends."""
    campaign = get_object_or_404(Campaign, slug=slug)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "responses/exports/export_form.html",
            {"campaign": campaign, "form": form},
            status=400,
        )
    fmt = form.cleaned_data["format"] or "csv"
    layout = form.cleaned_data["layout"] or "response"
    filters = form.filters()
    pseudonymise = form.cleaned_data["pseudonymise"]
    user = request.user

    def log(count: int) -> None:
        exports.log_export(
            user=user,
            campaign=campaign,
            fmt=fmt,
            layout=layout,
            filters=filters,
            rows=count,
            source="view",
            pseudonymised=pseudonymise,
        )

    return export_download(
        on_done=log,
        campaign=campaign,
        layout=layout,
        fmt=fmt,
        labels=form.cleaned_data["labels"],
        filters=filters,
        pseudonymise=pseudonymise,
        delimiter=form.cleaned_data["delimiter"] or ";",
    )


def export_download(
    *,
    on_done,
    campaign,
    layout,
    fmt,
    filters,
    labels=False,
    pseudonymise=False,
    delimiter=";",
):
    """The HTTP response for an export (view and admin actions).

    `on_done(count)` runs once the last row has been written, so the ExportLog row
    carries the real count even for a streamed CSV.
    """
    filename = _filename(campaign, layout, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream(
                campaign=campaign,
                on_done=on_done,
                layout=layout,
                labels=labels,
                filters=filters,
                delimiter=delimiter,
                pseudonymise=pseudonymise,
            ),
            content_type=CONTENT_TYPES["csv"],
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    rows = exports.export_rows(
        campaign=campaign,
        layout=layout,
        labels=labels,
        filters=filters,
        pseudonymise=pseudonymise,
    )
    counted = exports.counting(rows, on_done)
    # A zip container cannot be streamed while written; spool it to disk instead.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    if fmt in STAT_FORMATS:
        spec = instrument_spec(campaign.instrument)
        write_statistical(counted, spool, spec=spec, fmt=fmt, title=campaign.slug)
    else:
        exports.write_xlsx(counted, spool, codebook=codebook_rows(campaign.instrument))
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt]
    )


urlpatterns = [
    path("exports/<slug:slug>/", export_form, name="export-form"),
    path("exports/<slug:slug>/download/", download_export, name="download-export"),
]
