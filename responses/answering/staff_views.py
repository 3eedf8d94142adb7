"""VVSG staff pages for coverage: claims to decide, double coverage, audit per bestuur.

Reading needs the campaign view permission (the pages show respondents' names and
addresses); deciding needs the permission to change represented besturen.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from municipalities.models import Municipality
from responses.answering.audit import events_for
from responses.answering.claims import (
    ClaimRefused,
    decide_claim,
    resolve_double_coverage,
)
from responses.answering.coverage import (
    delegated_besturen,
    double_coverage,
    pending_claims,
)
from responses.models import Campaign, Invitation, ResponseMunicipality

VIEW = "responses.view_campaign"
DECIDE = "responses.change_responsemunicipality"


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign, slug=slug)


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def show_coverage(request, slug):
    campaign = _campaign(slug)
    if nis_code := request.GET.get("gemeente"):
        return redirect(
            "responses:show-coverage-audit", slug=campaign.slug, nis_code=nis_code
        )
    delegated = delegated_besturen(campaign=campaign)
    coordinators = Invitation.objects.filter(pk__in=delegated).select_related(
        "contact", "response"
    )
    names = dict(
        Municipality.objects.filter(
            pk__in={pk for ids in delegated.values() for pk in ids}
        ).values_list("pk", "name")
    )
    context = {
        "campaign": campaign,
        "claims": pending_claims(campaign=campaign),
        "doubles": double_coverage(campaign=campaign),
        "in_progress": [
            (inv, [names[pk] for pk in delegated[inv.pk]]) for inv in coordinators
        ],
        "municipalities": Municipality.objects.filter(valid_to__isnull=True),
    }
    return render(request, "responses/coverage/staff_coverage.html", context)


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def show_municipality_audit(request, slug, nis_code):
    campaign = _campaign(slug)
    municipality = get_object_or_404(Municipality, nis_code=nis_code)
    context = {
        "campaign": campaign,
        "municipality": municipality,
        "rows": ResponseMunicipality.objects.filter(
            campaign=campaign, municipality=municipality
        ).select_related("response", "claimed_by"),
        "events": events_for(campaign=campaign, municipality=municipality),
    }
    return render(request, "responses/coverage/staff_audit.html", context)


@staff_member_required
@permission_required(DECIDE, raise_exception=True)
@require_POST
def decide(request, slug, pk):
    campaign = _campaign(slug)
    action = request.POST.get("action")
    if action not in ("accept", "refuse"):
        messages.error(request, "Onbekende keuze; er werd niets gewijzigd.")
        return redirect("responses:show-coverage", slug=campaign.slug)
    try:
        row = decide_claim(
            claim_id=pk, accept=action == "accept", staff_user=request.user
        )
    except ClaimRefused as refused:
        messages.error(request, str(refused))
    else:
        verb = "bevestigd" if action == "accept" else "geweigerd"
        messages.success(
            request,
            f"Aanvraag voor {row.municipality.name} {verb}; de aanvrager "
            "krijgt een mail.",
        )
    return redirect("responses:show-coverage", slug=campaign.slug)


@staff_member_required
@permission_required(DECIDE, raise_exception=True)
@require_POST
def choose_double(request, slug, nis_code):
    campaign = _campaign(slug)
    municipality = get_object_or_404(Municipality, nis_code=nis_code)
    keep = request.POST.get("keep")
    try:
        if keep not in ("own", "claimant"):
            raise ClaimRefused("Onbekende keuze; er werd niets gewijzigd.")
        resolve_double_coverage(
            campaign=campaign,
            municipality=municipality,
            keep=keep,
            staff_user=request.user,
        )
    except ClaimRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Keuze voor {municipality.name} bewaard.")
    return redirect("responses:show-coverage", slug=campaign.slug)


urlpatterns = [
    path("beheer/dekking/<slug:slug>/", show_coverage, name="show-coverage"),
    path(
        "beheer/dekking/<slug:slug>/gemeente/<str:nis_code>/",
        show_municipality_audit,
        name="show-coverage-audit",
    ),
    path("beheer/dekking/<slug:slug>/aanvraag/<int:pk>/", decide, name="decide-claim"),
    path(
        "beheer/dekking/<slug:slug>/dubbel/<str:nis_code>/",
        choose_double,
        name="choose-double-coverage",
    ),
]
