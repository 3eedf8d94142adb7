"""Staff pages with the report's tables (permission responses.view_results)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.text import slugify

from responses.models import Campaign
from responses.reporting.open_answers import add_code_counts
from responses.reporting.results.audit import log_results_download
from responses.reporting.results.report import build_report, option_links, parse_options
from responses.reporting.results.units import UNIT_RESPONDENT
from responses.reporting.results.xlsx import build_workbook

PERMISSION = "responses.view_results"
UNIT_LABELS = {
    "bestuur": "per vertegenwoordigd bestuur",
    UNIT_RESPONDENT: "per respondent",
}


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(
        Campaign.objects.select_related("instrument", "previous__instrument"), slug=slug
    )


def _options(request):
    return parse_options(request.GET, default_k=settings.RESULTS_MIN_CELL)


@permission_required(PERMISSION, raise_exception=True)
def campaign_list(request):
    # Test-mode shadows (console, issue 15) have no results of their own to show.
    campaigns = (
        Campaign.objects.filter(test_of__isnull=True)
        .select_related("instrument")
        .order_by("-opens_at")
    )
    return render(request, "responses/results/list.html", {"campaigns": campaigns})


@permission_required(PERMISSION, raise_exception=True)
def overview(request, slug):
    campaign = _campaign(slug)
    options = _options(request)
    report = build_report(campaign, options=options, crosstabs=False)
    add_code_counts(report)
    return render(
        request,
        "responses/results/overview.html",
        {
            "report": report,
            "options": options,
            "links": option_links(options),
            "unit_label": UNIT_LABELS[options.unit],
        },
    )


@permission_required(PERMISSION, raise_exception=True)
def question(request, slug, code):
    campaign = _campaign(slug)
    options = _options(request)
    report = build_report(campaign, options=options, codes=[code])
    if not report.questions:
        raise Http404("Onbekende vraag")
    add_code_counts(report)
    return render(
        request,
        "responses/results/question.html",
        {
            "report": report,
            "result": report.questions[0],
            "options": options,
            "links": option_links(options),
            "unit_label": UNIT_LABELS[options.unit],
        },
    )


@permission_required(PERMISSION, raise_exception=True)
def workbook(request, slug):
    campaign = _campaign(slug)
    options = _options(request)
    report = build_report(campaign, options=options)
    add_code_counts(report)
    content = build_workbook(report, unit_label=UNIT_LABELS[options.unit])
    log_results_download(
        user=request.user,
        campaign=campaign,
        options=options,
        respondents=report.completeness.respondents,
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"tabellen-{slugify(campaign.slug)}-{options.unit}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("resultaten/", campaign_list, name="results-list"),
    path("resultaten/<slug:slug>/", overview, name="results-overview"),
    path("resultaten/<slug:slug>/tabellen.xlsx", workbook, name="results-xlsx"),
    path("resultaten/<slug:slug>/<str:code>/", question, name="results-question"),
]
