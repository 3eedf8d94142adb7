"""VVSG staff pages for mailings and the response rate (function views, thin).

Reading needs staff status; sending needs the permission responses.send_mailings.
Every page runs a fixed number of queries whatever the number of municipalities.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from responses.answering.coverage import (
    covered_municipality_ids,
    delivery_counts,
    missing_municipalities,
    partial_municipality_ids,
    response_rates,
)
from responses.mailing.campaigns import (
    pause_campaign,
    resume_campaign,
    retry_delivery,
    send_test_mail,
)
from responses.mailing.forms import MAILING_KINDS, DeliveryFilterForm, TestMailForm
from responses.mailing.queries import uncertain_deliveries
from responses.mailing.reminders import due_reminders, send_due_reminders
from responses.mailing.rendering import render_mail, sample_context
from responses.mailing.tasks import send_invitations_task
from responses.models import Campaign, Delivery, ReminderStream

SEND = "responses.send_mailings"


# Campaign pages list recipients' names and addresses: staff status alone is not
# enough, the model's view permission is required too.
VIEW = "responses.view_campaign"


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("instrument"), slug=slug)


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def list_campaigns(request):
    campaigns = Campaign.objects.select_related("instrument").order_by("-opens_at")
    return render(
        request, "responses/staff/campaign_list.html", {"campaigns": campaigns}
    )


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def show_campaign(request, slug):
    campaign = _campaign(slug)
    covered = covered_municipality_ids(campaign=campaign)
    partial = partial_municipality_ids(campaign=campaign) - covered
    missing = missing_municipalities(campaign=campaign)
    uncovered = [m for m in missing if m.pk not in covered]
    due = due_reminders(campaign=campaign)
    streams = {
        ReminderStream.NOT_STARTED: sum(1 for m in uncovered if m.pk not in partial),
        ReminderStream.PARTIAL: sum(1 for m in uncovered if m.pk in partial),
    }
    context = {
        "campaign": campaign,
        "counts": delivery_counts(campaign=campaign),
        "uncertain": uncertain_deliveries(campaign=campaign),
        "streams": [(label, streams[value]) for value, label in ReminderStream.choices],
        "due": due,
        "recipients": uncovered[:50],
        "recipient_total": len(uncovered),
        "test_form": TestMailForm(initial={"email": request.user.email}),
        "can_send": request.user.has_perm(SEND),
    }
    return render(request, "responses/staff/campaign_detail.html", context)


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def preview_mail(request, slug, kind):
    campaign = _campaign(slug)
    if kind not in dict(MAILING_KINDS):
        raise Http404
    subject, text, html = render_mail(
        campaign=campaign, kind=kind, context=sample_context(campaign=campaign)
    )
    context = {"campaign": campaign, "subject": subject, "text": text, "html": html}
    return render(request, "responses/staff/mail_preview.html", context)


@require_POST
@permission_required(SEND, raise_exception=True)
def send_test(request, slug):
    campaign = _campaign(slug)
    form = TestMailForm(request.POST)
    if form.is_valid():
        send_test_mail(
            campaign=campaign,
            email=form.cleaned_data["email"],
            kind=form.cleaned_data["kind"],
        )
        messages.success(
            request, f"Testmail verstuurd naar {form.cleaned_data['email']}."
        )
    else:
        messages.error(request, "Geef een geldig e-mailadres op.")
    return redirect("responses:show-campaign", slug=slug)


@require_POST
@permission_required(SEND, raise_exception=True)
def send_invitations_now(request, slug):
    campaign = _campaign(slug)
    transaction.on_commit(lambda: send_invitations_task.delay(campaign.pk))
    messages.success(request, "De uitnodigingen worden in de wachtrij gezet.")
    return redirect("responses:show-campaign", slug=slug)


@require_POST
@permission_required(SEND, raise_exception=True)
def send_reminders_now(request, slug):
    campaign = _campaign(slug)
    result = send_due_reminders(campaign=campaign)
    messages.success(
        request,
        f"{result['municipalities']} gemeenten krijgen een herinnering "
        f"({result['queued']} mails).",
    )
    return redirect("responses:show-campaign", slug=slug)


@require_POST
@permission_required(SEND, raise_exception=True)
def pause(request, slug):
    if pause_campaign(campaign=_campaign(slug)):
        messages.success(request, "Verzending gepauzeerd.")
    return redirect("responses:show-campaign", slug=slug)


@require_POST
@permission_required(SEND, raise_exception=True)
def resume(request, slug):
    queued = resume_campaign(campaign=_campaign(slug))
    messages.success(request, f"Verzending hervat ({queued} mails in de wachtrij).")
    return redirect("responses:show-campaign", slug=slug)


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def list_deliveries(request, slug):
    campaign = _campaign(slug)
    form = DeliveryFilterForm(request.GET or None)
    deliveries = Delivery.objects.filter(campaign=campaign).select_related(
        "invitation__municipality"
    )
    if form.is_valid():
        if form.cleaned_data["status"]:
            deliveries = deliveries.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["q"]:
            deliveries = deliveries.filter(email__icontains=form.cleaned_data["q"])
    page = Paginator(deliveries.order_by("-created_at", "-pk"), 100).get_page(
        request.GET.get("page")
    )
    context = {
        "campaign": campaign,
        "form": form,
        "page": page,
        "can_send": request.user.has_perm(SEND),
    }
    return render(request, "responses/staff/delivery_list.html", context)


@require_POST
@permission_required(SEND, raise_exception=True)
def retry(request, pk):
    delivery = get_object_or_404(Delivery.objects.select_related("campaign"), pk=pk)
    if retry_delivery(delivery=delivery):
        messages.success(request, f"Mail naar {delivery.email} opnieuw in de wachtrij.")
    else:
        messages.warning(
            request, "Alleen mislukte of overgeslagen mails kunnen opnieuw."
        )
    return redirect("responses:list-deliveries", slug=delivery.campaign.slug)


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def show_response_rate(request, slug):
    campaign = _campaign(slug)
    context = {
        "campaign": campaign,
        "rates": response_rates(campaign=campaign),
        "missing": missing_municipalities(campaign=campaign),
    }
    return render(request, "responses/staff/response_rate.html", context)


urlpatterns = [
    path("beheer/campagnes/", list_campaigns, name="list-campaigns"),
    path("beheer/campagnes/<slug:slug>/", show_campaign, name="show-campaign"),
    path(
        "beheer/campagnes/<slug:slug>/voorbeeld/<str:kind>/",
        preview_mail,
        name="preview-mail",
    ),
    path("beheer/campagnes/<slug:slug>/testmail/", send_test, name="send-test-mail"),
    path(
        "beheer/campagnes/<slug:slug>/uitnodigingen/",
        send_invitations_now,
        name="send-invitations",
    ),
    path(
        "beheer/campagnes/<slug:slug>/herinneringen/",
        send_reminders_now,
        name="send-reminders",
    ),
    path("beheer/campagnes/<slug:slug>/pauzeer/", pause, name="pause-campaign"),
    path("beheer/campagnes/<slug:slug>/hervat/", resume, name="resume-campaign"),
    path(
        "beheer/campagnes/<slug:slug>/verzendingen/",
        list_deliveries,
        name="list-deliveries",
    ),
    path("beheer/verzendingen/<int:pk>/opnieuw/", retry, name="retry-delivery"),
    path(
        "beheer/campagnes/<slug:slug>/respons/",
        show_response_rate,
        name="show-response-rate",
    ),
]
