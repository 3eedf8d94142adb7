"""VVSG staff pages for mailings and the response rate (function views, thin).

Reading needs staff status; sending needs the permission responses.send_mailings.
Every page runs a fixed number of queries whatever the number of municipalities.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
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
    delivery_counts,
    missing_municipalities,
    response_rates,
)
from responses.mailing.audience import plan_reminders
from responses.mailing.budgets import budget_refusals
from responses.mailing.campaigns import (
    close_campaign,
    pause_campaign,
    reopen_campaign,
    resume_campaign,
    retry_delivery,
    send_test_mail,
    suspend_campaign,
)
from responses.mailing.forms import (
    MAILING_KINDS,
    DeliveryFilterForm,
    ReminderConfirmForm,
    ReminderSelectionForm,
    TestLinkForm,
    TestMailForm,
)
from responses.mailing.monitor import daily_progress, drop_off, rate_charts
from responses.mailing.queries import uncertain_deliveries
from responses.mailing.reminders import upcoming_reminders
from responses.mailing.rendering import render_mail, sample_context, template_kind
from responses.mailing.tasks import send_invitations_task, send_reminders_task
from responses.mailing.testmode import open_test_link, reset_test_campaign
from responses.models import Campaign, Delivery, DeliveryKind, Response

SEND = "responses.send_mailings"


# Campaign pages list recipients' names and addresses: staff status alone is not
# enough, the model's view permission is required too.
VIEW = "responses.view_campaign"


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("instrument"), slug=slug)


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def list_campaigns(request):
    campaigns = (
        Campaign.objects.filter(test_of__isnull=True)
        .select_related("instrument")
        .order_by("-opens_at")
    )
    return render(
        request, "responses/staff/campaign_list.html", {"campaigns": campaigns}
    )


def _queue_ready(request) -> bool:
    """A send needs a worker; without a broker nothing may be sent in the request."""
    if settings.MAIL_QUEUE_READY:
        return True
    messages.error(
        request,
        "Er is geen wachtrij voor e-mail ingesteld (CELERY_BROKER_URL). Er is niets "
        "verstuurd: start het platform met scripts/run of met een worker.",
    )
    return False


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def show_campaign(request, slug):
    campaign = _campaign(slug)
    context = {
        "campaign": campaign,
        "progress": _progress(campaign),
        "schedule": upcoming_reminders(campaign=campaign),
        "uncertain": uncertain_deliveries(campaign=campaign),
        "test_form": TestMailForm(initial={"email": request.user.email}),
        "test_link_form": TestLinkForm(),
        "test_responses": Response.objects.filter(campaign__test_of=campaign).count(),
        "can_send": request.user.has_perm(SEND),
        "queue_ready": settings.MAIL_QUEUE_READY,
        "budget_refusals": budget_refusals(campaign=campaign),
    }
    return render(request, "responses/staff/campaign_detail.html", context)


def _progress(campaign: Campaign) -> list[dict]:
    counts = delivery_counts(campaign=campaign)
    rows = []
    for kind, label in DeliveryKind.choices:
        row = counts.get(kind)
        if row:
            rows.append(
                {
                    "label": label,
                    "queued": row.get("pending", 0) + row.get("sending", 0),
                    "sent": row.get("sent", 0),
                    "failed": row.get("failed", 0),
                    "skipped": row.get("skipped", 0),
                }
            )
    return rows


@staff_member_required
@permission_required(VIEW, raise_exception=True)
def show_progress(request, slug):
    """The live delivery counts; htmx polls this fragment every few seconds."""
    campaign = _campaign(slug)
    return render(
        request,
        "responses/staff/_progress.html",
        {"campaign": campaign, "progress": _progress(campaign)},
    )


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
    if not form.is_valid():
        messages.error(request, "Geef een geldig e-mailadres op.")
    elif _queue_ready(request):
        send_test_mail(
            campaign=campaign,
            email=form.cleaned_data["email"],
            kind=form.cleaned_data["kind"],
        )
        messages.success(
            request,
            f"Testmail naar {form.cleaned_data['email']} staat in de wachtrij.",
        )
    return redirect("responses:show-campaign", slug=slug)


@require_POST
@permission_required(SEND, raise_exception=True)
def send_invitations_now(request, slug):
    campaign = _campaign(slug)
    if _queue_ready(request):
        transaction.on_commit(lambda: send_invitations_task.delay(campaign.pk))
        messages.success(
            request,
            "De uitnodigingen worden klaargezet; de voortgang ziet u hieronder.",
        )
    return redirect("responses:show-campaign", slug=slug)


# --- Reminders: choose, preview, confirm ---------------------------------------------


@staff_member_required
@permission_required(SEND, raise_exception=True)
def prepare_reminders(request, slug):
    """Step 1 and 2: pick the audience; with ?preview the counts, list and a mail."""
    campaign = _campaign(slug)
    form = ReminderSelectionForm(request.GET if "preview" in request.GET else None)
    context = {"campaign": campaign, "form": form}
    if form.is_bound and form.is_valid():
        context.update(_preview(campaign, form))
    return render(request, "responses/staff/reminder_prepare.html", context)


def _preview(campaign: Campaign, form: ReminderSelectionForm) -> dict:
    plan = plan_reminders(campaign=campaign, selection=form.selection())
    sample = plan.recipients[0] if plan.recipients else None
    mail: dict[str, Any] | None = None
    if sample is not None:
        kind = template_kind(sample.kind, sample.stream)
        context = sample_context(campaign=campaign)
        context.update(name=sample.name, municipality=sample.municipality.name)
        mail = dict(
            zip(
                ("subject", "text", "html"),
                render_mail(campaign=campaign, kind=kind, context=context),
                strict=True,
            )
        )
        mail["recipient"] = sample
    confirm = ReminderConfirmForm(
        initial={**form.cleaned_data, "expected_total": plan.total}
    )
    return {"plan": plan, "mail": mail, "confirm_form": confirm}


@require_POST
@permission_required(SEND, raise_exception=True)
def send_reminders_now(request, slug):
    """Step 3: the confirmed send; only queues a task, never sends in the request."""
    campaign = _campaign(slug)
    form = ReminderConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "De keuze is ongeldig; kijk ze opnieuw na.")
        return redirect("responses:prepare-reminders", slug=slug)
    selection = form.selection()
    plan = plan_reminders(campaign=campaign, selection=selection)
    if plan.total != form.cleaned_data["expected_total"]:
        messages.warning(
            request,
            f"Het aantal ontvangers is intussen veranderd "
            f"({form.cleaned_data['expected_total']} → {plan.total}). "
            "Kijk het nieuwe voorbeeld na en bevestig opnieuw.",
        )
        context = {"campaign": campaign, "form": form}
        context.update(_preview(campaign, form))
        return render(request, "responses/staff/reminder_prepare.html", context)
    if _queue_ready(request):
        data = selection.as_dict()
        transaction.on_commit(lambda: send_reminders_task.delay(campaign.pk, data))
        messages.success(
            request,
            f"{plan.total} mails naar {plan.municipality_count} gemeenten worden "
            "verstuurd; de voortgang ziet u hieronder.",
        )
    return redirect("responses:show-campaign", slug=slug)


# --- Pause mail vs suspend/close the questionnaire -----------------------------------

ACTIONS = {
    "pauzeer": (
        pause_campaign,
        "Verzending pauzeren",
        "Er vertrekken geen uitnodigingen of herinneringen meer tot u de verzending "
        "hervat. Mails in de wachtrij blijven wachten. Respondenten kunnen gewoon "
        "verder antwoorden.",
        "Verzending gepauzeerd. Respondenten kunnen nog antwoorden.",
    ),
    "hervat": (
        resume_campaign,
        "Verzending hervatten",
        "Uitnodigingen en herinneringen die wachten, worden nu verstuurd.",
        "Verzending hervat.",
    ),
    "opschorten": (
        suspend_campaign,
        "Vragenlijst opschorten",
        "Respondenten kunnen tijdelijk niet antwoorden: hun link toont dat de "
        "bevraging tijdelijk onderbroken is. Gegeven antwoorden blijven bewaard. "
        "Uitnodigingen en herinneringen wachten tot u de vragenlijst heropent.",
        "Vragenlijst opgeschort. Respondenten zien dat de bevraging onderbroken is.",
    ),
    "heropenen": (
        reopen_campaign,
        "Vragenlijst heropenen",
        "Respondenten kunnen weer antwoorden; wachtende mails vertrekken "
        "(tenzij de verzending gepauzeerd is).",
        "Vragenlijst heropend.",
    ),
    "test-wissen": (
        reset_test_campaign,
        "Testantwoorden wissen",
        "Alle antwoorden, testlinks en testmails van de testomgeving van deze "
        "bevraging worden gewist. De echte antwoorden blijven onaangeroerd.",
        "Testantwoorden gewist.",
    ),
    "afsluiten": (
        close_campaign,
        "Vragenlijst definitief afsluiten",
        "Niemand kan nog antwoorden of een ingediend antwoord aanpassen. Mails die "
        "nog niet vertrokken zijn, worden niet meer verstuurd. Dit kan niet in deze "
        "console ongedaan gemaakt worden.",
        "Vragenlijst afgesloten.",
    ),
}


@staff_member_required
@permission_required(SEND, raise_exception=True)
def change_campaign(request, slug, action):
    """Every state change confirms first and says exactly what it does."""
    if action not in ACTIONS:
        raise Http404
    campaign = _campaign(slug)
    service, title, explanation, done = ACTIONS[action]
    if request.method == "POST":
        service(campaign=campaign)
        messages.success(request, done)
        return redirect("responses:show-campaign", slug=slug)
    context = {
        "campaign": campaign,
        "title": title,
        "explanation": explanation,
        "action": action,
    }
    return render(request, "responses/staff/confirm_action.html", context)


@require_POST
@staff_member_required
@permission_required(VIEW, raise_exception=True)
def open_test(request, slug):
    """Test mode: a personal test link on the shadow campaign, then off you go."""
    campaign = _campaign(slug)
    form = TestLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Kies de gemeente waarvoor u wilt testen.")
        return redirect("responses:show-campaign", slug=slug)
    link = open_test_link(
        campaign=campaign,
        municipality=form.cleaned_data["municipality"],
        user=request.user,
    )
    return redirect(link)


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
def show_monitor(request, slug):
    campaign = _campaign(slug)
    context = {
        "campaign": campaign,
        "daily": daily_progress(campaign=campaign),
        "rates": rate_charts(campaign=campaign),
        "dropoff": drop_off(campaign=campaign),
    }
    return render(request, "responses/staff/monitor.html", context)


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
    path(
        "beheer/campagnes/<slug:slug>/voortgang/", show_progress, name="show-progress"
    ),
    path("beheer/campagnes/<slug:slug>/testmail/", send_test, name="send-test-mail"),
    path("beheer/campagnes/<slug:slug>/testen/", open_test, name="open-test"),
    path("beheer/campagnes/<slug:slug>/monitor/", show_monitor, name="show-monitor"),
    path(
        "beheer/campagnes/<slug:slug>/herinneringen/voorbereiden/",
        prepare_reminders,
        name="prepare-reminders",
    ),
    path(
        "beheer/campagnes/<slug:slug>/status/<slug:action>/",
        change_campaign,
        name="change-campaign",
    ),
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
