"""One page per instrument section, and the per-question htmx autosave."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responses.answering.answers import (
    remember_section,
    save_answers,
)
from responses.answering.forms import SectionForm, field_name
from responses.answering.queries import (
    current_municipalities,
    display_value,
    section_intros,
    section_titles,
    stored_answers,
)
from responses.answering.respondents import (
    can_edit,
)
from responses.answering.texts import numbered_for_display, paragraphs
from responses.answering.views.common import (
    base_context,
    questionnaire_gate,
    url_for,
    with_invitation,
)
from surveys import branching
from surveys.branching import DEFAULT_MAX_LENGTH
from surveys.queries import instrument_spec


def _section_or_404(spec, section: str) -> str:
    if section not in spec.sections:
        raise Http404(_("Onbekend onderdeel van de vragenlijst."))
    return section


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
                "besturen_lines": display_value(
                    question, stored.values.get(question.code)
                )
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


def _unanswered_required(spec, stored, section) -> dict[str, list[str]]:
    """Visible required questions of this page that are still open (or incomplete)."""
    return branching.validate(spec, stored.values, stored.others, sections=[section])


def _page_check(blocks, spec, stored) -> list[dict]:
    section = blocks[0]["q"].section if blocks else ""
    missing = _unanswered_required(spec, stored, section)
    return [
        {
            "anchor": f"q-{b['q'].code}",
            "label": f"{b['q'].number}. {b['q'].text}",
            "message": missing[b["q"].code][0],
        }
        for b in blocks
        if b["q"].code in missing
    ]


def _section_context(invitation, token, spec, section, form, stored, **extra):
    visibility = branching.evaluate(spec, stored.values)
    done, total = branching.progress_at(spec, stored.values, section)
    titles = section_titles(instrument=invitation.campaign.instrument)
    help_texts = dict(
        invitation.campaign.instrument.questions.filter(
            section__code=section
        ).values_list("code", "help_text")
    )
    blocks = _blocks(
        numbered_for_display(spec, visibility.visible),
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
        base_context(invitation, token)
        | {
            "spec": spec,
            "section": section,
            "section_title": titles.get(section, section),
            "section_intro": paragraphs(
                section_intros(instrument=invitation.campaign.instrument).get(
                    section, ""
                )
            ),
            "blocks": blocks,
            "form": form,
            "section_url": url_for("answer-section", token, section=section),
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
    if blocked := questionnaire_gate(request, invitation, token):
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
    visible = branching.evaluate(spec, stored.values).visible
    if request.method == "GET" and not any(q.code in visible for q in questions):
        # Nothing applies here (an old bookmark, a changed branch): skip ahead.
        target = branching.next_section(spec, stored.values, section)
        if target is None:
            return redirect(url_for("review-response", token))
        return redirect(url_for("answer-section", token, section=target))
    if request.method == "GET" or not editable:
        if request.method == "POST":
            messages.error(
                request, _("De termijn om deze vragenlijst te wijzigen is verstreken.")
            )
        if editable and response.current_section != section:
            remember_section(response=response, section=section)
        form = SectionForm(**form_kwargs)
        context = _section_context(invitation, token, spec, section, form, stored)
        if editable and request.GET.get("controle") == "1":
            context["page_check"] = _page_check(context["blocks"], spec, stored)
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
            url_for("answer-section", token, section=section)
            + f"#q-{sorted(appeared)[0]}"
        )
    if (
        action == "next"
        and not request.POST.get("page_checked")
        and _unanswered_required(spec, stored, section)
    ):
        # Soft mandatory (LimeSurvey): list what is open; a second "Volgende" moves on.
        return redirect(
            url_for("answer-section", token, section=section) + "?controle=1#page-check"
        )
    if action == "later":
        return redirect(url_for("view-saved", token))
    if action == "prev":
        target = branching.previous_section(spec, stored.values, section)
    elif action == "stay":
        target = section
    else:
        target = branching.next_section(spec, stored.values, section)
    if target is None:
        return redirect(url_for("review-response", token))
    remember_section(response=response, section=target)
    return redirect(url_for("answer-section", token, section=target))


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
            response=response,
            invitation=invitation,
            answers=form.submitted(),
            stored=stored,
        )
        errors = result.errors.get(code, [])
        conflict = result.conflicts.get(code)
        stored = result.stored
        if code in result.ignored:
            errors = [
                _(
                    "Deze vraag is niet van toepassing op basis van uw eerdere "
                    "antwoorden."
                )
            ]
    visibility = branching.evaluate(spec, stored.values)
    done, total = branching.progress_at(spec, stored.values, section)
    context = base_context(invitation, token) | {
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
        "section_url": url_for("answer-section", token, section=section),
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
    if blocked := questionnaire_gate(request, invitation, token):
        return blocked
    return render(
        request, "responses/respondent/saved.html", base_context(invitation, token)
    )
