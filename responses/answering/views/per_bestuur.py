"""A coordinator marks a question as different for one of its besturen."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from responses.answering.forms import SectionForm, field_name
from responses.answering.per_bestuur import (
    differing_besturen,
    save_bestuur_answer,
)
from responses.answering.queries import display_value, stored_answers
from responses.answering.respondents import can_edit
from responses.answering.views.common import (
    base_context,
    questionnaire_gate,
    url_for,
    with_invitation,
)
from responses.models import BestuurAnswer
from surveys import branching
from surveys.queries import instrument_spec
from surveys.types import kind


@with_invitation
@require_http_methods(["GET", "POST"])
def answer_per_bestuur(request, invitation, token):
    """List, add, change and remove answers that differ for one bestuur."""
    if blocked := questionnaire_gate(request, invitation, token):
        return blocked
    response = invitation.response
    spec = instrument_spec(invitation.campaign.instrument)
    stored = stored_answers(response=response)
    visible = branching.evaluate(spec, stored.values).visible
    questions = [
        q for q in spec.questions if q.code in visible and not kind(q).mirrors_besturen
    ]
    besturen = {m.nis_code: m for m in differing_besturen(response=response)}
    source = request.POST if request.method == "POST" else request.GET
    municipality = besturen.get(source.get("bestuur", ""))
    question = next((q for q in questions if q.code == source.get("vraag")), None)
    form = None
    if municipality is not None and question is not None:
        current = BestuurAnswer.objects.filter(
            response=response, municipality=municipality, question__code=question.code
        ).first()
        value = current.value if current else stored.values.get(question.code)
        other = current.other_text if current else stored.others.get(question.code, "")
        form = SectionForm(
            request.POST if request.method == "POST" else None,
            questions=(question,),
            values={question.code: value},
            others={question.code: other},
        )
        if not kind(question).has_rows:
            form.fields[
                field_name(question.code)
            ].label = f"{question.number}. {question.text}"
    if request.method == "POST":
        if not can_edit(campaign=invitation.campaign, response=response):
            messages.error(request, _("De termijn om te wijzigen is verstreken."))
            return redirect(url_for("answer-per-bestuur", token))
        if form is None or question is None or municipality is None:
            messages.error(
                request,
                _("Kies een bestuur en een vraag uit de lijst. Er werd niets bewaard."),
            )
            return redirect(url_for("answer-per-bestuur", token))
        form.is_valid()
        errors: list[str] = [
            str(e) for e in [*form.errors_for(question), *form.non_field_errors()]
        ]
        if not errors:
            posted = (
                form.submitted()[question.code]
                if request.POST.get("actie") != "verwijder"
                else None
            )
            errors = save_bestuur_answer(
                response=response,
                invitation=invitation,
                municipality=municipality,
                question_code=question.code,
                value=posted.value if posted else None,
                other_text=posted.other_text if posted else "",
            )
        if not errors:
            messages.success(
                request,
                _("Bewaard: vraag %(number)s voor %(municipality)s.")
                % {"number": question.number, "municipality": municipality.name},
            )
            return redirect(url_for("answer-per-bestuur", token))
        for error in errors:
            messages.error(request, error)
    rows = (
        BestuurAnswer.objects.filter(response=response)
        .select_related("municipality", "question")
        .order_by("municipality__name", "question__order")
    )
    listed = []
    for row in rows:
        spec_q = next((q for q in spec.questions if q.code == row.question.code), None)
        listed.append(
            {
                "municipality": row.municipality,
                "question": spec_q,
                "lines": display_value(spec_q, row.value, row.other_text)
                if spec_q
                else [],
                "edit_url": reverse(
                    "responses:answer-per-bestuur", kwargs={"token": token}
                )
                + f"?bestuur={row.municipality.nis_code}&vraag={row.question.code}",
            }
        )
    context = base_context(invitation, token) | {
        "besturen": list(besturen.values()),
        "questions": questions,
        "chosen_bestuur": municipality,
        "chosen_question": question,
        # A matrix has no field label of its own: the template shows the question.
        "chosen_has_rows": bool(question and kind(question).has_rows),
        "form": form,
        "listed": listed,
    }
    return render(request, "responses/coverage/per_bestuur.html", context)
