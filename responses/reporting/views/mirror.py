"""Results back to the members (issue 17): the local mirror, publishing, member page.

* /b/<token>/spiegel/ — a bestuur's own mirror through its own invitation link;
  a coordinator's link may pick any bestuur its response covers, nothing else.
* /resultaten/<slug>/publiceren/ — staff publish or withdraw (view_results and
  send_mailings), with /resultaten/<slug>/spiegel/<nis>/ as preview.
* /ledenresultaten/<slug>/ (+ tabellen.xlsx) — public, for a published campaign:
  the report's choice tables with suppressed small cells, no open answers.

Every member-facing view checks the publication on each request, so a withdrawal
takes effect at once.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from municipalities.models import Municipality
from responses.answering.views.common import base_context, with_invitation
from responses.mailing.tasks import store_mirror_copy_task
from responses.models import Campaign, ResponseMunicipality, ResultsPublication
from responses.reporting.member_results import member_report
from responses.reporting.mirror import build_mirror
from responses.reporting.mirror_pdf import PDF_CONTENT_TYPE, current_mirror_copy
from responses.reporting.mirror_pdf import filename as mirror_filename
from responses.reporting.publishing import (
    is_published,
    publish_results,
    results_recipients,
    withdraw_results,
)
from responses.reporting.results.xlsx import build_workbook

RESULTS_PERMISSION = "responses.view_results"
PUBLISH_PERMISSIONS = (RESULTS_PERMISSION, "responses.send_mailings")


def _k() -> int:
    return settings.RESULTS_MIN_CELL


def _covered(invitation) -> list[Municipality]:
    """The besturen this link speaks for: its own, plus those its response covers."""
    ids = {invitation.municipality_id}
    if invitation.response_id:
        ids |= set(
            ResponseMunicipality.objects.filter(
                response_id=invitation.response_id
            ).values_list("municipality_id", flat=True)
        )
    return list(Municipality.objects.filter(pk__in=ids).order_by("name"))


def _chosen(request, invitation, covered: list[Municipality]) -> Municipality:
    wanted = request.GET.get("bestuur", "")
    if not wanted:
        return invitation.municipality
    # Only a bestuur this link speaks for; anything else is simply unknown.
    chosen = next((m for m in covered if m.nis_code == wanted), None)
    if chosen is None:
        raise Http404
    return chosen


@never_cache
@with_invitation
def mirror_page(request, invitation, token):
    campaign = invitation.campaign
    context = base_context(invitation, token)
    if campaign.is_test or not is_published(campaign):
        return render(
            request, "responses/mirror/not_published.html", context, status=404
        )
    covered = _covered(invitation)
    chosen = _chosen(request, invitation, covered)
    mirror = build_mirror(campaign, municipality_id=chosen.pk, k=_k())
    context |= {
        "mirror": mirror,
        "municipality": chosen,
        "covered": covered if len(covered) > 1 else [],
    }
    return render(request, "responses/mirror/mirror.html", context)


@never_cache
@with_invitation
def download_mirror(request, invitation, token):
    """The mirror's PDF, rendered by a worker: the stored copy or a waiting page."""
    campaign = invitation.campaign
    context = base_context(invitation, token)
    if campaign.is_test or not is_published(campaign):
        return render(
            request, "responses/mirror/not_published.html", context, status=404
        )
    chosen = _chosen(request, invitation, _covered(invitation))
    copy = current_mirror_copy(campaign=campaign, municipality=chosen)
    if copy is None:
        campaign_id, municipality_id = campaign.pk, chosen.pk
        transaction.on_commit(
            lambda: store_mirror_copy_task.delay(campaign_id, municipality_id)
        )
        reply = render(
            request,
            "responses/mirror/pdf_pending.html",
            context | {"municipality": chosen, "query": request.GET.urlencode()},
            status=202,
        )
    else:
        reply = HttpResponse(bytes(copy.pdf), content_type=PDF_CONTENT_TYPE)
        name = mirror_filename(campaign, chosen)
        reply["Content-Disposition"] = f'attachment; filename="{name}"'
    # A bestuur's own answers: never kept by a shared cache.
    reply["Cache-Control"] = "private, no-store"
    return reply


@permission_required(RESULTS_PERMISSION, raise_exception=True)
def preview(request, slug, nis):
    campaign = get_object_or_404(Campaign, slug=slug)
    municipality = get_object_or_404(Municipality, nis_code=nis)
    mirror = build_mirror(campaign, municipality_id=municipality.pk, k=_k())
    return render(
        request,
        "responses/mirror/mirror.html",
        {
            "mirror": mirror,
            "municipality": municipality,
            "preview": True,
            "campaign": campaign,
        },
    )


@permission_required(PUBLISH_PERMISSIONS, raise_exception=True)
def publication(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug, test_of__isnull=True)
    record = ResultsPublication.objects.filter(campaign=campaign).first()
    recipients = results_recipients(campaign)
    return render(
        request,
        "responses/mirror/publication.html",
        {
            "campaign": campaign,
            "record": record,
            "published": bool(record and record.is_published),
            "recipients": recipients,
        },
    )


@require_POST
@permission_required(PUBLISH_PERMISSIONS, raise_exception=True)
def change_publication(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug, test_of__isnull=True)
    if request.POST.get("action") == "publish":
        result = publish_results(campaign=campaign, user=request.user)
        messages.success(
            request,
            f"Resultaten gepubliceerd; {result.queued} mails 'uw resultaten' "
            "in de wachtrij.",
        )
    elif request.POST.get("action") == "withdraw":
        if withdraw_results(campaign=campaign, user=request.user):
            messages.success(request, "Resultaten ingetrokken: niemand ziet ze nog.")
        else:
            messages.info(request, "De resultaten waren niet gepubliceerd.")
    return redirect(reverse("responses:results-publication", args=[campaign.slug]))


def _published_campaign(slug: str) -> Campaign:
    campaign = get_object_or_404(
        Campaign.objects.select_related("instrument", "previous__instrument"),
        slug=slug,
        test_of__isnull=True,
    )
    if not is_published(campaign):
        raise Http404("Geen gepubliceerde resultaten")
    return campaign


def member_page(request, slug):
    campaign = _published_campaign(slug)
    report = member_report(campaign, k=_k())
    return render(
        request, "responses/mirror/members.html", {"report": report, "k": _k()}
    )


def member_workbook(request, slug):
    campaign = _published_campaign(slug)
    report = member_report(campaign, k=_k())
    content = build_workbook(report, unit_label="per vertegenwoordigd bestuur")
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"resultaten-{slugify(campaign.slug)}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("b/<str:token>/spiegel/", mirror_page, name="view-mirror"),
    path("b/<str:token>/spiegel/pdf/", download_mirror, name="download-mirror"),
    path(
        "resultaten/<slug:slug>/publiceren/",
        publication,
        name="results-publication",
    ),
    path(
        "resultaten/<slug:slug>/publiceren/wijzigen/",
        change_publication,
        name="change-publication",
    ),
    path(
        "resultaten/<slug:slug>/spiegel/<str:nis>/",
        preview,
        name="preview-mirror",
    ),
    path("ledenresultaten/<slug:slug>/", member_page, name="member-results"),
    path(
        "ledenresultaten/<slug:slug>/tabellen.xlsx",
        member_workbook,
        name="member-results-xlsx",
    ),
]
