"""Participant table of a campaign: filter, sort, page, export, per-row actions."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from municipalities.models import Municipality
from responses.mailing.forms import AddContactForm, ParticipantFilterForm
from responses.mailing.participants import export_table, participants, with_contacts
from responses.mailing.personal import (
    add_contact,
    reissue_link,
    resend_invitation,
    send_personal_reminder,
)
from responses.models import Campaign, Invitation
from responses.reporting.exports import stream_csv, write_xlsx

SEND = "responses.send_mailings"
VIEW = "responses.view_campaign"
PAGE_SIZE = 50


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign, slug=slug)


def _rows(campaign: Campaign, form: ParticipantFilterForm):
    data = form.cleaned_data if form.is_valid() else {}
    province = data.get("provincie")
    return participants(
        campaign=campaign,
        status=data.get("status") or "",
        province_id=province.pk if province else None,
        cluster_type=data.get("clustertype") or "",
        query=data.get("q") or "",
        sort=data.get("sorteer") or "gemeente",
        descending=bool(data.get("omgekeerd")),
    )


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def list_participants(request, slug):
    campaign = _campaign(slug)
    form = ParticipantFilterForm(request.GET)
    rows = _rows(campaign, form)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    with_contacts(campaign=campaign, rows=list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    for key in ("sorteer", "omgekeerd"):
        sort_query.pop(key, None)
    context = {
        "campaign": campaign,
        "form": form,
        "page": page,
        "total": len(rows),
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "sort": form.cleaned_data.get("sorteer") if form.is_valid() else "",
        "descending": form.is_valid() and form.cleaned_data.get("omgekeerd"),
        "contact_form": AddContactForm(),
        "can_send": request.user.has_perm(SEND),
    }
    return render(request, "responses/staff/participants.html", context)


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def export_participants(request, slug, fmt):
    """The filtered table as CSV or XLSX; the writers sanitise every text cell."""
    campaign = _campaign(slug)
    rows = export_table(_rows(campaign, ParticipantFilterForm(request.GET)))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"deelnemers-{campaign.slug}-{stamp}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            stream_csv(iter(rows)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt != "xlsx":
        raise Http404
    out = io.BytesIO()
    write_xlsx(rows, out, title="Deelnemers")
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{name}.xlsx")


ACTIONS = {
    "uitnodiging": (resend_invitation, "Uitnodiging opnieuw in de wachtrij voor {}."),
    "herinnering": (
        send_personal_reminder,
        "Persoonlijke mail in de wachtrij voor {}.",
    ),
    "nieuwe-link": (
        reissue_link,
        "De oude link van {} werkt niet meer; de nieuwe link staat in de wachtrij.",
    ),
}


@require_POST
@permission_required(SEND, raise_exception=True)
def act_on_invitation(request, slug, pk, action):
    if action not in ACTIONS:
        raise Http404
    invitation = get_object_or_404(
        Invitation.objects.select_related("campaign", "municipality"),
        pk=pk,
        campaign__slug=slug,
        revoked_at__isnull=True,
    )
    service, done = ACTIONS[action]
    service(invitation=invitation)
    messages.success(request, done.format(invitation.email))
    return redirect(_back(request, slug))


@require_POST
@permission_required(SEND, raise_exception=True)
def add_participant_contact(request, slug, municipality_id):
    campaign = _campaign(slug)
    municipality = get_object_or_404(
        Municipality, pk=municipality_id, valid_to__isnull=True
    )
    form = AddContactForm(request.POST)
    if form.is_valid():
        add_contact(campaign=campaign, municipality=municipality, **form.cleaned_data)
        messages.success(
            request,
            f"{form.cleaned_data['name']} toegevoegd aan {municipality.name}"
            + (" en uitgenodigd." if form.cleaned_data["invite"] else "."),
        )
    else:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"Contact niet toegevoegd: {errors}")
    return redirect(_back(request, slug))


def _back(request, slug: str) -> str:
    back = request.POST.get("terug", "")
    base = f"/beheer/campagnes/{slug}/deelnemers/"
    # Only our own list (with its filters) is a valid way back.
    return back if back.startswith(base) else base


urlpatterns = [
    path(
        "beheer/campagnes/<slug:slug>/deelnemers/",
        list_participants,
        name="list-participants",
    ),
    path(
        "beheer/campagnes/<slug:slug>/deelnemers/export.<str:fmt>",
        export_participants,
        name="export-participants",
    ),
    path(
        "beheer/campagnes/<slug:slug>/uitnodigingen/<int:pk>/<slug:action>/",
        act_on_invitation,
        name="act-on-invitation",
    ),
    path(
        "beheer/campagnes/<slug:slug>/gemeenten/<int:municipality_id>/contact/",
        add_participant_contact,
        name="add-participant-contact",
    ),
]
