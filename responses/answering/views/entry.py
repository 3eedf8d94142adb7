"""Landing page, the besturen page and forwarding to a colleague."""

from __future__ import annotations

import math

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from municipalities.queries import current_municipalities
from responses.answering.claims import choose_besturen
from responses.answering.forms import ForwardForm, RespondentForm
from responses.answering.queries import (
    covered_by_others,
    stored_answers,
)
from responses.answering.respondents import (
    ForwardRefused,
    can_edit,
    forward_invitation,
)
from responses.answering.texts import campaign_paragraphs, paragraphs
from responses.answering.views.common import (
    base_context,
    gate,
    resume_url,
    summary_from_form,
    url_for,
    with_invitation,
)
from responses.answering.who_answers import (
    claim_for_own_bestuur,
    coordinator_picker_initial,
    own_response_started,
)
from responses.models import Invitation
from surveys import branching
from surveys.queries import instrument_spec


@with_invitation
def start(request, invitation, token):
    """Landing page: purpose, definitions, privacy, deadline, start or continue."""
    if blocked := gate(request, invitation, token):
        return blocked
    spec = instrument_spec(invitation.campaign.instrument)
    stored = stored_answers(response=invitation.response)
    done, total = branching.progress_at(
        spec,
        stored.values,
        invitation.response.current_section if invitation.response else None,
    )
    minutes = max(5, 5 * math.ceil(len(spec.questions) * 20 / 60 / 5))
    existing = claim = None
    if invitation.response is None:
        existing = own_response_started(invitation=invitation)
        claim = claim_for_own_bestuur(invitation=invitation)
    context = base_context(invitation, token) | {
        "minutes": minutes,
        "intro": campaign_paragraphs(
            invitation.campaign.instrument.intro, campaign=invitation.campaign
        ),
        "privacy": paragraphs(invitation.campaign.instrument.privacy),
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
        "existing_response": existing,
        "who_answers": claim,
        "resume_url": resume_url(invitation, token, spec, stored.values),
        "besturen": [m.municipality for m in invitation.response.represented.all()]
        if invitation.response
        else [],
    }
    return render(request, "responses/respondent/start.html", context)


@with_invitation
@require_http_methods(["GET", "POST"])
def choose_municipalities(request, invitation, token):
    """Who answers and for which besturen (coordinators pick several)."""
    if blocked := gate(request, invitation, token):
        return blocked
    response = invitation.response
    editable = can_edit(campaign=invitation.campaign, response=response)
    covered = covered_by_others(campaign=invitation.campaign, response=response)
    is_coordinator_link = invitation.kind == "coordinator"
    municipalities = list(current_municipalities().order_by("name"))
    if not is_coordinator_link:
        own_pk = invitation.municipality_id
        municipalities = [m for m in municipalities if m.pk != own_pk]
    choices = [(m.nis_code, m.name) for m in municipalities]
    pending = set()
    if response is not None:
        pending = set(
            response.represented.filter(status="pending").values_list(
                "municipality__nis_code", flat=True
            )
        )
        initial = {
            "respondent_name": response.respondent_name or invitation.name,
            "respondent_email": response.respondent_email or invitation.email,
            "is_coordinator": response.is_coordinator,
            "municipalities": list(
                response.represented.exclude(
                    municipality=invitation.municipality
                ).values_list("municipality__nis_code", flat=True)
            ),
        }
    else:
        initial = {
            "respondent_name": invitation.name,
            "respondent_email": invitation.email,
            "is_coordinator": is_coordinator_link,
            "municipalities": coordinator_picker_initial(
                invitation=invitation, covered=covered
            ),
        }
    form = RespondentForm(
        request.POST or None, initial=initial, municipality_choices=choices
    )
    if request.method == "POST" and not editable:
        messages.error(
            request, _("De termijn om deze vragenlijst te wijzigen is verstreken.")
        )
        return redirect(url_for("respondent-start", token))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = choose_besturen(
            invitation=invitation,
            respondent_name=data["respondent_name"],
            respondent_email=data["respondent_email"],
            respondent_function=invitation.function,
            is_coordinator=data["is_coordinator"],
            extra_nis_codes=data["municipalities"],
        )
        if result.errors:
            for error in result.errors:
                form.add_error("municipalities", error)
        else:
            assert result.response is not None  # no errors: a response exists
            _report_start(request, result)
            spec = instrument_spec(invitation.campaign.instrument)
            stored = stored_answers(response=result.response)
            return redirect(resume_url(invitation, token, spec, stored.values))
    selected = set(form["municipalities"].value() or [])
    picker = [
        {
            "nis": m.nis_code,
            "name": m.name,
            "covered": m.nis_code in covered,
            "checked": m.nis_code in selected,
            "pending": m.nis_code in pending,
        }
        for m in municipalities
    ]
    context = base_context(invitation, token) | {
        "form": form,
        "picker": picker,
        "own_covered": invitation.municipality.nis_code in covered,
        "is_coordinator_link": is_coordinator_link,
        "who_answers": None
        if response is not None
        else claim_for_own_bestuur(invitation=invitation),
        "error_summary": summary_from_form(form),
    }
    return render(request, "responses/respondent/municipalities.html", context)


def _report_start(request, result) -> None:
    if result.joined_existing:
        messages.info(
            request,
            _(
                "Voor uw bestuur was de vragenlijst al gestart door een collega. "
                "U vult "
                "verder aan in dezelfde vragenlijst."
            ),
        )
    if result.taken_back:
        messages.info(
            request,
            _(
                "U vult nu zelf in voor uw bestuur. Wie eerder voor uw bestuur "
                "antwoordde, kreeg daarvan bericht."
            ),
        )
    if result.added and len(result.added) > 1:
        names = ", ".join(m.name for m in result.added)
        messages.success(request, _("U vult de vragenlijst in voor: %s.") % names)
    if result.claimed:
        messages.warning(
            request,
            _(
                "Voor %(names)s vroegen we bevestiging aan de burgemeester en VVSG. "
                "Tot die bevestiging tellen uw antwoorden niet voor die besturen."
            )
            % {"names": ", ".join(m.name for m in result.claimed)},
        )
    for municipality in result.removed:
        messages.info(
            request, _("%s werd verwijderd uit uw besturen.") % municipality.name
        )


@with_invitation
@require_http_methods(["GET", "POST"])
def forward(request, invitation, token):
    """Send a colleague their own link to the same questionnaire."""
    if blocked := gate(request, invitation, token):
        return blocked
    form = ForwardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = forward_invitation(
                invitation=invitation,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                function=form.cleaned_data["function"],
                message=form.cleaned_data["message"],
            )
        except ForwardRefused as refused:
            form.add_error(None, str(refused))
            return _forward_page(
                request, invitation, token, form, status=refused.status
            )
        messages.success(
            request,
            _(
                "We stuurden een persoonlijke link naar %(name)s (%(email)s). "
                "Uw collega vult "
                "dezelfde vragenlijst aan; elk antwoord onthoudt wie het gaf."
            )
            % {"name": result.invitation.name, "email": result.invitation.email},
        )
        return redirect(url_for("forward-invitation", token))
    return _forward_page(request, invitation, token, form)


def _forward_page(request, invitation, token, form, status=200):
    people = Invitation.objects.filter(
        campaign=invitation.campaign,
        municipality=invitation.municipality,
        revoked_at__isnull=True,
    ).order_by("created_at")
    context = base_context(invitation, token) | {
        "form": form,
        "people": people,
        "error_summary": summary_from_form(form),
    }
    return render(request, "responses/respondent/forward.html", context, status=status)


def accessibility_statement(request):
    """The Dutch accessibility statement, linked from every respondent page."""
    return render(request, "responses/respondent/accessibility.html")
