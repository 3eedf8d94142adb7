"""Staff follow-up list (issue 17): filter, set status with a note, export CSV.

Permission responses.view_results, like the results: the list names besturen and
quotes their answers.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from municipalities.models import ClusterType, Province
from responses.models import Campaign, ExportLog, FollowUpItem, FollowUpStatus
from responses.reporting.follow_up import (
    follow_up_items,
    follow_up_rows,
    refresh_follow_up,
    set_follow_up_status,
)
from surveys.models import Section

PERMISSION = "responses.view_results"
FILTERS = ("section", "province", "family", "status")


def _filters(params) -> dict[str, str]:
    return {name: params.get(name, "")[:60] for name in FILTERS}


def _list_url(campaign, filters) -> str:
    query = urlencode({k: v for k, v in filters.items() if v})
    url = reverse("responses:follow-up-list", args=[campaign.slug])
    return f"{url}?{query}" if query else url


@permission_required(PERMISSION, raise_exception=True)
def follow_up_list(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug, test_of__isnull=True)
    filters = _filters(request.GET)
    sections = Section.objects.filter(instrument_id=campaign.instrument_id).order_by(
        "order"
    )
    titles = {s.code: s.title for s in sections}
    # Annotated in place with the section's title for the template.
    items: list[Any] = list(follow_up_items(campaign, **filters))
    for item in items:
        item.section_title = titles.get(item.section, item.section)
    return render(
        request,
        "responses/mirror/follow_up.html",
        {
            "campaign": campaign,
            "items": items,
            "filters": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "sections": sections,
            "provinces": Province.objects.order_by("nis_code"),
            "families": ClusterType.choices,
            "statuses": FollowUpStatus.choices,
        },
    )


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def refresh(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug, test_of__isnull=True)
    result = refresh_follow_up(campaign=campaign)
    messages.success(
        request,
        f"Opvolglijst bijgewerkt: {result.created} nieuw, {result.updated} gewijzigd, "
        f"{result.removed} vervallen.",
    )
    return redirect(_list_url(campaign, _filters(request.POST)))


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def change_status(request, slug, pk):
    campaign = get_object_or_404(Campaign, slug=slug, test_of__isnull=True)
    item = get_object_or_404(FollowUpItem, pk=pk, campaign=campaign)
    status = request.POST.get("item_status", "")
    if status not in FollowUpStatus.values:
        messages.error(request, "Kies een geldige status.")
    else:
        set_follow_up_status(
            item=item,
            status=status,
            note=request.POST.get("note", "")[:2000],
            user=request.user,
        )
        messages.success(request, f"{item.municipality.name}: status bijgewerkt.")
    return redirect(_list_url(campaign, _filters(request.POST)))


@permission_required(PERMISSION, raise_exception=True)
def follow_up_csv(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug, test_of__isnull=True)
    filters = _filters(request.GET)
    items = list(follow_up_items(campaign, **filters))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(follow_up_rows(items))
    ExportLog.objects.create(
        user=request.user,
        campaign=campaign,
        format="csv",
        layout="follow_up",
        filters={k: v for k, v in filters.items() if v},
        rows=len(items),
        source="view",
    )
    response = HttpResponse(
        "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="opvolging-{slug}.csv"'
    return response


urlpatterns = [
    path("resultaten/<slug:slug>/opvolging/", follow_up_list, name="follow-up-list"),
    path(
        "resultaten/<slug:slug>/opvolging/bijwerken/",
        refresh,
        name="refresh-follow-up",
    ),
    path(
        "resultaten/<slug:slug>/opvolging/<int:pk>/",
        change_status,
        name="change-follow-up",
    ),
    path(
        "resultaten/<slug:slug>/opvolging.csv",
        follow_up_csv,
        name="follow-up-csv",
    ),
]
