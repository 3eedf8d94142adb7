"""One page per instrument section, and the per-question htmx autosave."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from responses.answering.answers import remember_section, save_answers
from responses.answering.pages import (
    UnknownSection,
    appeared_questions,
    autosave_reply,
    has_open_required,
    page_check,
    section_page,
    section_state,
)
from responses.answering.respondents import autosave_invitation, can_edit
from responses.answering.views.common import (
    base_context,
    questionnaire_gate,
    url_for,
    with_invitation,
)


def _state_or_404(invitation, section):
    try:
        return section_state(invitation=invitation, section=section)
    except UnknownSection:
        raise Http404(_("Onbekend onderdeel van de vragenlijst.")) from None


def _render_section(request, invitation, token, state, form, check=False, **extra):
    base = base_context(invitation, token)
    context = (
        base
        | section_page(state=state, form=form, editable=base["editable"], **extra)
        | {
            "section_url": url_for("answer-section", token, section=state.section),
            # Once per page, not once per question card.
            "autosave_url": url_for("autosave-answer", token, section=state.section),
        }
    )
    if check:
        context["page_check"] = page_check(state=state, blocks=context["blocks"])
    return render(request, "responses/respondent/section.html", context)


@with_invitation
@require_http_methods(["GET", "POST"])
def answer_section(request, invitation, token, section):
    """One page per instrument section; POST saves every question of the page."""
    if blocked := questionnaire_gate(request, invitation, token):
        return blocked
    response = invitation.response
    state = _state_or_404(invitation, section)
    editable = can_edit(campaign=invitation.campaign, response=response)
    if request.method == "GET" and not state.has_visible:
        # Nothing applies here (an old bookmark, a changed branch): skip ahead.
        target = state.evaluation.next_section(section)
        if target is None:
            return redirect(url_for("review-response", token))
        return redirect(url_for("answer-section", token, section=target))
    if request.method == "GET" or not editable:
        if request.method == "POST":
            messages.error(
                request, _("De termijn om deze vragenlijst te wijzigen is verstreken.")
            )
        if editable:
            remember_section(response=response, section=section)
        check = editable and request.GET.get("controle") == "1"
        return _render_section(request, invitation, token, state, None, check=check)

    form = state.form(request.POST)
    form.is_valid()
    result = save_answers(
        response=response,
        invitation=invitation,
        answers=form.submitted(),
        stored=state.stored,
    )
    after = state.after(result)
    if form.errors or form.question_errors or not result.ok:
        return _render_section(
            request,
            invitation,
            token,
            after,
            form,
            conflicts=result.conflicts,
            errors=result.errors,
        )
    action = request.POST.get("action", "next")
    shown = request.POST.get("_shown")
    if action == "next" and (
        appeared := appeared_questions(
            state, after, shown=None if shown is None else set(shown.split(","))
        )
    ):
        # Without JavaScript, follow-up questions on this page show up only now.
        messages.info(
            request, _("Op basis van uw antwoord verschenen bijkomende vragen.")
        )
        return redirect(
            url_for("answer-section", token, section=section) + f"#q-{appeared[0]}"
        )
    if (
        action == "next"
        and not request.POST.get("page_checked")
        and has_open_required(state=after)
    ):
        # Soft mandatory (LimeSurvey): list what is open; a second "Volgende" moves on.
        return redirect(
            url_for("answer-section", token, section=section) + "?controle=1#page-check"
        )
    if action == "later":
        return redirect(url_for("view-saved", token))
    if action == "prev":
        target = after.evaluation.previous_section(section)
    elif action == "stay":
        target = section
    else:
        target = after.evaluation.next_section(section)
    if target is None:
        return redirect(url_for("review-response", token))
    remember_section(response=response, section=target)
    return redirect(url_for("answer-section", token, section=target))


@with_invitation(load=autosave_invitation)
@require_POST
def autosave(request, invitation, token, section):
    """htmx: save one question.

    A save that went through answers 204 with the new revision, progress and
    visibility as HX-Trigger events (static/js/survey.js applies them); an error, a
    refused answer or a conflict answers with the question's feedback fragment.
    """
    response = invitation.response
    if response is None or not can_edit(
        campaign=invitation.campaign, response=response
    ):
        return HttpResponse(
            _("Niet opgeslagen: de vragenlijst kan niet meer gewijzigd worden."),
            status=403,
        )
    state = _state_or_404(invitation, section)
    code = request.POST.get("_question", "")
    if code not in state.codes:
        return HttpResponse(_("Onbekende vraag voor dit onderdeel."), status=400)
    question = state.spec.question(code)
    form = state.form(request.POST, questions=(question,), values=None, others=None)
    form.is_valid()
    errors = form.errors_for(question)
    conflict = None
    if not errors:
        result = save_answers(
            response=response,
            invitation=invitation,
            answers=form.submitted(),
            stored=state.stored,
        )
        errors = result.errors.get(code, [])
        conflict = result.conflicts.get(code)
        state = state.after(result)
        if code in result.ignored:
            errors = [
                _(
                    "Deze vraag is niet van toepassing op basis van uw eerdere "
                    "antwoorden."
                )
            ]
    saved_at = timezone.now()
    answer = autosave_reply(
        state=state,
        question=question,
        errors=errors,
        conflict=conflict,
        saved_at=saved_at,
    )
    if answer.fragment is None:
        reply = HttpResponse(status=204)
    else:
        context = answer.fragment | {
            "saved_at": timezone.localtime(saved_at),
            "section_url": url_for("answer-section", token, section=section),
            "oob": True,
        }
        reply = render(request, "responses/respondent/_autosave.html", context)
    for name, params in answer.events.items():
        reply = trigger_client_event(reply, name, params)
    return reply


@with_invitation
def saved(request, invitation, token):
    if blocked := questionnaire_gate(request, invitation, token):
        return blocked
    return render(
        request, "responses/respondent/saved.html", base_context(invitation, token)
    )
