"""The respondent's pages, reached through the personal link /b/<token>/.

The token stays in the path (resume on any device by opening the same link); the
global Referrer-Policy same-origin keeps it from leaking to other sites, and nothing
here logs it. Every page works without JavaScript; htmx only adds per-question
autosave on top of the same services.
"""

from __future__ import annotations

import json
import math
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responses.forms import ForwardForm, RespondentForm, SectionForm, field_name
from responses.models import Invitation, ResponseStatus
from responses.queries.responses import (
    covered_by_others,
    current_municipalities,
    display_value,
    response_for_municipality,
    review_sections,
    section_intros,
    section_titles,
    stored_answers,
)
from responses.services.answers import (
    missing_answers,
    remember_section,
    reopen_response,
    save_answers,
    submit_response,
    sync_municipality_answers,
)
from responses.services.respondents import (
    CampaignPhase,
    LinkState,
    campaign_phase,
    can_edit,
    contact_email,
    edit_deadline,
    forward_invitation,
    record_open,
    resolve_link,
    start_response,
)
from surveys import branching
from surveys.branching import DEFAULT_MAX_LENGTH
from surveys.queries import instrument_spec

LINK_PAGES = {
    LinkState.UNKNOWN: (
        404,
        "Deze link is onbekend",
        "We vinden geen uitnodiging bij deze link. Controleer of u de "
        "volledige link uit uw uitnodigingsmail gebruikte.",
    ),
    LinkState.REVOKED: (
        410,
        "Deze link is niet meer geldig",
        "Deze persoonlijke link werd ingetrokken of vervangen. Gebruik de "
        "link uit uw meest recente mail of vraag een nieuwe link aan.",
    ),
    LinkState.RATE_LIMITED: (
        429,
        "Te veel pogingen",
        "Er werden vanaf uw netwerk te veel ongeldige links geopend. "
        "Probeer het over enkele minuten opnieuw.",
    ),
}


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def with_invitation(view):
    """Resolve the link (rate-limited) and hand the view an active invitation."""

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        lookup = resolve_link(raw_token=token, client_ip=client_ip(request))
        if lookup.state != LinkState.OK:
            status, title, text = LINK_PAGES[lookup.state]
            return render(
                request,
                "responses/respondent/link_invalid.html",
                {"title": _(title), "text": _(text)},
                status=status,
            )
        invitation = lookup.invitation
        if request.method == "GET":
            record_open(invitation=invitation)
        return view(request, invitation, token, *args, **kwargs)

    return wrapper


def _base_context(invitation: Invitation, token: str) -> dict:
    campaign = invitation.campaign
    response = invitation.response
    return {
        "invitation": invitation,
        "token": token,
        "campaign": campaign,
        "instrument": campaign.instrument,
        "response": response,
        "contact_email": contact_email(campaign),
        "editable": can_edit(campaign=campaign, response=response),
        "edit_deadline": edit_deadline(campaign=campaign, response=response),
    }


def _closed_page(request, invitation, token, phase):
    context = _base_context(invitation, token) | {"phase": phase}
    return render(request, "responses/respondent/closed.html", context, status=403)


def _gate(request, invitation, token):
    """The closed page when the campaign is not answerable and there is nothing to show."""
    phase = campaign_phase(campaign=invitation.campaign)
    if phase in (CampaignPhase.NOT_OPEN, CampaignPhase.PAUSED):
        return _closed_page(request, invitation, token, phase)
    if phase == CampaignPhase.CLOSED and invitation.response is None:
        return _closed_page(request, invitation, token, phase)
    return None


def _url(name: str, token: str, **kwargs) -> str:
    return reverse(f"responses:{name}", kwargs={"token": token, **kwargs})


def _resume_url(invitation, token, spec, answers) -> str:
    response = invitation.response
    if response is None:
        return _url("choose-municipalities", token)
    if response.status == ResponseStatus.SUBMITTED:
        return _url("review-response", token)
    section = response.current_section
    if section not in spec.sections:
        section = branching.next_section(spec, answers, None)
    return (
        _url("answer-section", token, section=section)
        if section
        else _url("review-response", token)
    )


@with_invitation
def start(request, invitation, token):
    """Landing page: purpose, definitions, privacy, deadline, start or continue."""
    if blocked := _gate(request, invitation, token):
        return blocked
    spec = instrument_spec(invitation.campaign.instrument)
    stored = stored_answers(response=invitation.response)
    done, total = branching.progress(spec, stored.values)
    minutes = max(5, 5 * math.ceil(len(spec.questions) * 20 / 60 / 5))
    existing = None
    if invitation.response is None:
        existing = response_for_municipality(
            campaign=invitation.campaign, municipality=invitation.municipality
        )
    context = _base_context(invitation, token) | {
        "minutes": minutes,
        "done": done,
        "total": total,
        "existing_response": existing,
        "resume_url": _resume_url(invitation, token, spec, stored.values),
        "besturen": [m.municipality for m in invitation.response.represented.all()]
        if invitation.response
        else [],
    }
    return render(request, "responses/respondent/start.html", context)


@with_invitation
@require_http_methods(["GET", "POST"])
def choose_municipalities(request, invitation, token):
    """Who answers and for which besturen (coordinators pick several)."""
    if blocked := _gate(request, invitation, token):
        return blocked
    response = invitation.response
    editable = can_edit(campaign=invitation.campaign, response=response)
    covered = covered_by_others(campaign=invitation.campaign, response=response)
    municipalities = list(
        current_municipalities().exclude(pk=invitation.municipality_id)
    )
    choices = [(m.nis_code, m.name) for m in municipalities]
    if response is not None:
        initial = {
            "respondent_name": response.respondent_name or invitation.name,
            "respondent_email": response.respondent_email or invitation.email,
            "respondent_function": response.respondent_function or invitation.function,
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
            "respondent_function": invitation.function
            or (_("Burgemeester") if invitation.kind == "mayor" else ""),
            "is_coordinator": invitation.kind == "coordinator",
        }
    form = RespondentForm(
        request.POST or None, initial=initial, municipality_choices=choices
    )
    if request.method == "POST" and not editable:
        messages.error(
            request, _("De termijn om deze vragenlijst te wijzigen is verstreken.")
        )
        return redirect(_url("respondent-start", token))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = start_response(
            invitation=invitation,
            respondent_name=data["respondent_name"],
            respondent_email=data["respondent_email"],
            respondent_function=data["respondent_function"],
            is_coordinator=data["is_coordinator"],
            extra_nis_codes=data["municipalities"],
        )
        if result.errors:
            for error in result.errors:
                form.add_error("municipalities", error)
        else:
            _report_start(request, result)
            sync_municipality_answers(response=result.response, invitation=invitation)
            spec = instrument_spec(invitation.campaign.instrument)
            stored = stored_answers(response=result.response)
            return redirect(_resume_url(invitation, token, spec, stored.values))
    selected = set(form["municipalities"].value() or [])
    picker = [
        {
            "nis": m.nis_code,
            "name": m.name,
            "covered": m.nis_code in covered,
            "checked": m.nis_code in selected,
        }
        for m in municipalities
    ]
    context = _base_context(invitation, token) | {
        "form": form,
        "picker": picker,
        "own_covered": invitation.municipality.nis_code in covered,
        "error_summary": _summary_from_form(form),
    }
    return render(request, "responses/respondent/municipalities.html", context)


def _report_start(request, result) -> None:
    if result.joined_existing:
        messages.info(
            request,
            _(
                "Voor uw bestuur was de vragenlijst al gestart door een collega. U vult "
                "verder aan in dezelfde vragenlijst."
            ),
        )
    if result.added and len(result.added) > 1:
        names = ", ".join(m.name for m in result.added)
        messages.success(request, _("U vult de vragenlijst in voor: %s.") % names)
    for municipality in result.already_covered:
        messages.warning(
            request,
            _(
                "%(name)s is al vertegenwoordigd door een andere respondent en werd niet "
                "toegevoegd. Neem contact op met VVSG als dit niet klopt."
            )
            % {"name": municipality.name},
        )
    for municipality in result.removed:
        messages.info(
            request, _("%s werd verwijderd uit uw besturen.") % municipality.name
        )


def _summary_from_form(form) -> list[dict]:
    if not form.is_bound:
        return []
    summary = []
    for name, errors in form.errors.items():
        anchor = f"id_{name}" if name != "__all__" else "main"
        if name == "municipalities":
            anchor = "municipality-picker"
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            summary.append({"anchor": anchor, "label": label, "message": error})
    return summary


# --- question pages -----------------------------------------------------------------


def _section_or_404(spec, section: str) -> str:
    if section not in spec.sections:
        raise Http404(_("Onbekend onderdeel van de vragenlijst."))
    return section


def _questionnaire_gate(request, invitation, token):
    if blocked := _gate(request, invitation, token):
        return blocked
    if invitation.response is None:
        return redirect(_url("choose-municipalities", token))
    return None


def _municipality_choices(spec, section):
    if any(q.type == "municipalities" for q in spec.in_section(section)):
        return [(m.nis_code, m.name) for m in current_municipalities()]
    return ()


def _blocks(
    spec, section, form, stored, visibility, help_texts, conflicts=None, errors=None
):
    """What the section template renders per question."""
    conflicts, errors = conflicts or {}, errors or {}
    blocks = []
    for question in spec.in_section(section):
        conflict = conflicts.get(question.code)
        block_errors = (
            form.errors_for(question) if form.is_bound else []
        ) + errors.get(question.code, [])
        blocks.append(
            {
                "q": question,
                "hidden": question.code not in visibility.visible,
                "rows": visibility.rows.get(question.code, ()),
                "required": question.required,
                "errors": block_errors,
                "conflict": conflict,
                "their_lines": display_value(
                    question, conflict.their_value, conflict.their_other_text
                )
                if conflict
                else [],
                "revision": conflict.their_revision
                if conflict
                else stored.revisions.get(question.code, 0),
                "help_text": help_texts.get(question.code, ""),
            "besturen_lines": display_value(question, stored.values.get(question.code))
            if question.type == "municipalities"
            else [],
                **_widgets(question, form, visibility),
            }
        )
    return blocks


def _widgets(question, form, visibility) -> dict:
    """Bound fields of one question for the hand-written Bootstrap markup."""
    name = field_name(question.code)
    other = next((o.code for o in question.options if o.is_other), "")
    visible_rows = set(visibility.rows.get(question.code, ()))
    return {
        "field": form[name] if name in form.fields else None,
        "other": form[field_name(question.code, "other")] if other else None,
        "other_code": other,
        "exclusive": [o.code for o in question.options if o.exclusive],
        "max_length": question.settings.get("max_length", DEFAULT_MAX_LENGTH),
        "matrix": [
            {
                "code": row.code,
                "label": row.label,
                "field": form[field_name(question.code, f"r-{row.code}")],
                "hidden": row.code not in visible_rows,
            }
            for row in question.rows
        ],
    }


def _section_context(invitation, token, spec, section, form, stored, **extra):
    visibility = branching.evaluate(spec, stored.values)
    done, total = branching.progress(spec, stored.values)
    titles = section_titles(instrument=invitation.campaign.instrument)
    help_texts = dict(
        invitation.campaign.instrument.questions.filter(
            section__code=section
        ).values_list("code", "help_text")
    )
    blocks = _blocks(
        spec,
        section,
        form,
        stored,
        visibility,
        help_texts,
        extra.pop("conflicts", None),
        extra.pop("errors", None),
    )
    shown = [
        s
        for s in spec.sections
        if any(q.code in visibility.visible for q in spec.in_section(s))
    ]
    summary = [
        {
            "anchor": f"q-{b['q'].code}",
            "label": f"{b['q'].number}. {b['q'].text}",
            "message": m,
        }
        for b in blocks
        for m in b["errors"]
    ] + [
        {
            "anchor": f"q-{b['q'].code}",
            "label": f"{b['q'].number}. {b['q'].text}",
            "message": _("Deze vraag werd intussen gewijzigd door %s.")
            % b["conflict"].by_name,
        }
        for b in blocks
        if b["conflict"]
    ]
    if form.is_bound and form.non_field_errors():
        summary += [
            {"anchor": "main", "label": "", "message": m}
            for m in form.non_field_errors()
        ]
    return (
        _base_context(invitation, token)
        | {
            "spec": spec,
            "section": section,
            "section_title": titles.get(section, section),
            "section_intro": section_intros(
                instrument=invitation.campaign.instrument
            ).get(section, ""),
            "blocks": blocks,
            "form": form,
            "section_url": _url("answer-section", token, section=section),
            "done": done,
            "total": total,
            "percent": round(100 * done / total) if total else 0,
            "steps": [
                {"code": s, "title": titles.get(s, s), "current": s == section}
                for s in shown
            ],
            "step_number": shown.index(section) + 1 if section in shown else 0,
            "previous": branching.previous_section(spec, stored.values, section),
            "next": branching.next_section(spec, stored.values, section),
            "error_summary": summary,
        }
        | extra
    )


@with_invitation
@require_http_methods(["GET", "POST"])
def answer_section(request, invitation, token, section):
    """One page per instrument section; POST saves every question of the page."""
    if blocked := _questionnaire_gate(request, invitation, token):
        return blocked
    response = invitation.response
    spec = instrument_spec(invitation.campaign.instrument)
    _section_or_404(spec, section)
    stored = stored_answers(response=response)
    questions = spec.in_section(section)
    form_kwargs = {
        "questions": questions,
        "revisions": stored.revisions,
        "values": stored.values,
        "others": stored.others,
        "municipality_choices": _municipality_choices(spec, section),
    }
    editable = can_edit(campaign=invitation.campaign, response=response)
    if request.method == "GET" or not editable:
        if request.method == "POST":
            messages.error(
                request, _("De termijn om deze vragenlijst te wijzigen is verstreken.")
            )
        if editable and response.current_section != section:
            remember_section(response=response, section=section)
        form = SectionForm(**form_kwargs)
        context = _section_context(invitation, token, spec, section, form, stored)
        return render(request, "responses/respondent/section.html", context)

    form = SectionForm(request.POST, **form_kwargs)
    form.is_valid()
    visible_before = branching.evaluate(spec, stored.values).visible
    result = save_answers(
        response=response, invitation=invitation, answers=form.submitted()
    )
    stored = result.stored
    if form.errors or form.question_errors or not result.ok:
        context = _section_context(
            invitation,
            token,
            spec,
            section,
            form,
            stored,
            conflicts=result.conflicts,
            errors=result.errors,
        )
        return render(request, "responses/respondent/section.html", context, status=200)
    action = request.POST.get("action", "next")
    section_codes = {q.code for q in questions}
    appeared = (result.visibility.visible - visible_before) & section_codes
    if appeared and action == "next":
        # Without JavaScript, follow-up questions on this page show up only now.
        messages.info(
            request, _("Op basis van uw antwoord verschenen bijkomende vragen.")
        )
        return redirect(
            _url("answer-section", token, section=section) + f"#q-{sorted(appeared)[0]}"
        )
    if action == "later":
        return redirect(_url("view-saved", token))
    if action == "prev":
        target = branching.previous_section(spec, stored.values, section)
    elif action == "stay":
        target = section
    else:
        target = branching.next_section(spec, stored.values, section)
    if target is None:
        return redirect(_url("review-response", token))
    remember_section(response=response, section=target)
    return redirect(_url("answer-section", token, section=target))


@with_invitation
@require_POST
def autosave(request, invitation, token, section):
    """htmx: save one question; answer with its feedback fragment and the visibility."""
    response = invitation.response
    if response is None or not can_edit(
        campaign=invitation.campaign, response=response
    ):
        return HttpResponse(
            _("Niet opgeslagen: de vragenlijst kan niet meer gewijzigd worden."),
            status=403,
        )
    spec = instrument_spec(invitation.campaign.instrument)
    _section_or_404(spec, section)
    section_codes = frozenset(q.code for q in spec.in_section(section))
    code = request.POST.get("_question", "")
    if code not in section_codes:
        return HttpResponse(_("Onbekende vraag voor dit onderdeel."), status=400)
    question = spec.question(code)
    stored = stored_answers(response=response)
    form = SectionForm(
        request.POST,
        questions=(question,),
        known_codes=section_codes,
        revisions=stored.revisions,
        municipality_choices=_municipality_choices(spec, section),
    )
    form.is_valid()
    errors = form.errors_for(question)
    conflict = None
    if not errors:
        result = save_answers(
            response=response, invitation=invitation, answers=form.submitted()
        )
        errors = result.errors.get(code, [])
        conflict = result.conflicts.get(code)
        stored = result.stored
        if code in result.ignored:
            errors = [
                _(
                    "Deze vraag is niet van toepassing op basis van uw eerdere antwoorden."
                )
            ]
    visibility = branching.evaluate(spec, stored.values)
    done, total = branching.progress(spec, stored.values)
    context = _base_context(invitation, token) | {
        "b": {
            "q": question,
            "errors": errors,
            "conflict": conflict,
            "their_lines": display_value(
                question, conflict.their_value, conflict.their_other_text
            )
            if conflict
            else [],
            "revision": conflict.their_revision
            if conflict
            else stored.revisions.get(code, 0),
        },
        "saved_at": timezone.localtime(),
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
        "section": section,
        "section_url": _url("answer-section", token, section=section),
        "oob": True,
    }
    reply = render(request, "responses/respondent/_autosave.html", context)
    reply["HX-Trigger"] = json.dumps(
        {
            "surveyVisibility": {
                "visible": sorted(c for c in section_codes if c in visibility.visible),
                "rows": {
                    c: list(r) for c, r in visibility.rows.items() if c in section_codes
                },
                "invalid": bool(errors or conflict),
                "question": code,
            }
        }
    )
    return reply


@with_invitation
def saved(request, invitation, token):
    if blocked := _questionnaire_gate(request, invitation, token):
        return blocked
    return render(
        request, "responses/respondent/saved.html", _base_context(invitation, token)
    )


# --- review, submit, confirmation ------------------------------------------------------


def _review_context(invitation, token, errors=None):
    spec = instrument_spec(invitation.campaign.instrument)
    stored = stored_answers(response=invitation.response)
    visibility = branching.evaluate(spec, stored.values)
    missing = (
        missing_answers(response=invitation.response) if errors is None else errors
    )
    sections = review_sections(
        spec=spec,
        titles=section_titles(instrument=invitation.campaign.instrument),
        visible=branching.visible_answers(spec, stored.values),
        others=stored.others,
        visible_codes=visibility.visible,
        required_codes=visibility.required,
        errors=missing,
    )
    done, total = branching.progress(spec, stored.values)
    summary = [
        {
            "anchor": f"r-{item.code}",
            "label": f"{item.number}. {item.text}",
            "message": m,
        }
        for s in sections
        for item in s.items
        for m in item.errors
    ]
    return _base_context(invitation, token) | {
        "sections": sections,
        "missing": missing,
        "error_summary": summary,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
        "besturen": [m.municipality for m in invitation.response.represented.all()],
    }


@with_invitation
def review(request, invitation, token):
    if blocked := _questionnaire_gate(request, invitation, token):
        return blocked
    context = _review_context(invitation, token)
    context["show_summary"] = request.GET.get("controle") == "1"
    return render(request, "responses/respondent/review.html", context)


@with_invitation
@require_POST
def submit(request, invitation, token):
    if blocked := _questionnaire_gate(request, invitation, token):
        return blocked
    result = submit_response(response=invitation.response, invitation=invitation)
    if not result.submitted:
        context = _review_context(invitation, token)
        context["show_summary"] = True
        if "" in result.errors:
            messages.error(request, result.errors[""][0])
        return render(request, "responses/respondent/review.html", context, status=200)
    return redirect(_url("view-confirmation", token))


@with_invitation
def confirmation(request, invitation, token):
    if blocked := _questionnaire_gate(request, invitation, token):
        return blocked
    if invitation.response.status != ResponseStatus.SUBMITTED:
        return redirect(_url("review-response", token))
    return render(
        request,
        "responses/respondent/confirmation.html",
        _base_context(invitation, token),
    )


@with_invitation
@require_POST
def reopen(request, invitation, token):
    if blocked := _questionnaire_gate(request, invitation, token):
        return blocked
    if not reopen_response(response=invitation.response):
        messages.error(
            request, _("De termijn om deze vragenlijst te wijzigen is verstreken.")
        )
        return redirect(_url("review-response", token))
    return redirect(
        _url("answer-section", token, section=invitation.response.current_section)
    )


# --- forwarding ------------------------------------------------------------------------


@with_invitation
@require_http_methods(["GET", "POST"])
def forward(request, invitation, token):
    """Send a colleague their own link to the same questionnaire."""
    if blocked := _gate(request, invitation, token):
        return blocked
    form = ForwardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = forward_invitation(
            invitation=invitation,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            function=form.cleaned_data["function"],
        )
        messages.success(
            request,
            _(
                "We stuurden een persoonlijke link naar %(name)s (%(email)s). Uw collega vult "
                "dezelfde vragenlijst aan; elk antwoord onthoudt wie het gaf."
            )
            % {"name": result.invitation.name, "email": result.invitation.email},
        )
        return redirect(_url("forward-invitation", token))
    people = Invitation.objects.filter(
        campaign=invitation.campaign,
        municipality=invitation.municipality,
        revoked_at__isnull=True,
    ).order_by("created_at")
    context = _base_context(invitation, token) | {
        "form": form,
        "people": people,
        "error_summary": _summary_from_form(form),
    }
    return render(request, "responses/respondent/forward.html", context)


urlpatterns = [
    path("b/<str:token>/", start, name="respondent-start"),
    path(
        "b/<str:token>/besturen/", choose_municipalities, name="choose-municipalities"
    ),
    path("b/<str:token>/vragen/<slug:section>/", answer_section, name="answer-section"),
    path(
        "b/<str:token>/vragen/<slug:section>/opslaan/", autosave, name="autosave-answer"
    ),
    path("b/<str:token>/bewaard/", saved, name="view-saved"),
    path("b/<str:token>/overzicht/", review, name="review-response"),
    path("b/<str:token>/indienen/", submit, name="submit-response"),
    path("b/<str:token>/bedankt/", confirmation, name="view-confirmation"),
    path("b/<str:token>/wijzigen/", reopen, name="reopen-response"),
    path("b/<str:token>/doorsturen/", forward, name="forward-invitation"),
]
