"""Staff workbench for open answers (issue 17); permission responses.view_results."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from responses.models import Campaign
from responses.reporting.open_answers import (
    add_code,
    code_counts,
    code_list,
    counts_of,
    is_open_question,
    load,
    open_answers,
    review_answer,
)
from surveys.queries import instrument_spec

PERMISSION = "responses.view_results"


def _campaign(slug):
    return get_object_or_404(
        Campaign.objects.select_related("instrument"), slug=slug, test_of__isnull=True
    )


def _question(campaign, code):
    try:
        question = instrument_spec(campaign.instrument).question(code)
    except KeyError:
        raise Http404("Onbekende vraag") from None
    if not is_open_question(question):
        raise Http404("Geen open vraag")
    return question


def _back(campaign, code, *, todo=False, answer_id=None):
    url = reverse("responses:open-answers", args=[campaign.slug, code])
    if todo:
        # The answer just saved may have left the list: the next one is on top.
        return redirect(f"{url}?nog=1")
    return redirect(f"{url}#a-{answer_id}" if answer_id else url)


@permission_required(PERMISSION, raise_exception=True)
def open_questions(request, slug):
    campaign = _campaign(slug)
    wave = load(campaign)
    open_questions = [q for q in wave.spec.questions if is_open_question(q)]
    counts = code_counts(
        campaign,
        open_questions,
        k=settings.RESULTS_MIN_CELL,
        show_small=True,
        wave=wave,
    )
    questions = [(q, counts[q.code]) for q in open_questions]
    return render(
        request,
        "responses/mirror/open_questions.html",
        {"campaign": campaign, "questions": questions},
    )


@permission_required(PERMISSION, raise_exception=True)
def workbench(request, slug, code):
    campaign = _campaign(slug)
    question = _question(campaign, code)
    answers = open_answers(campaign, question)
    todo = request.GET.get("nog") == "1"
    return render(
        request,
        "responses/mirror/workbench.html",
        {
            "campaign": campaign,
            "question": question,
            "answers": [a for a in answers if a.to_code] if todo else answers,
            "todo": todo,
            "counts": counts_of(answers, k=settings.RESULTS_MIN_CELL, show_small=True),
            "codes": list(code_list(campaign, code)),
        },
    )


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def save_review(request, slug, code, answer_id):
    campaign = _campaign(slug)
    question = _question(campaign, code)
    try:
        review_answer(
            campaign=campaign,
            question=question,
            answer_id=answer_id,
            quotable=request.POST.get("quotable") == "on",
            personal_data=request.POST.get("personal_data") == "on",
            to_code=request.POST.get("to_code") == "on",
            code_ids=[int(c) for c in request.POST.getlist("codes") if c.isdigit()],
            user=request.user,
        )
    except LookupError:
        messages.error(request, "Dit antwoord bestaat niet (meer) bij deze vraag.")
    else:
        messages.success(request, "Beoordeling bewaard.")
    return _back(
        campaign, code, todo=request.POST.get("nog") == "1", answer_id=answer_id
    )


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def new_code(request, slug, code):
    campaign = _campaign(slug)
    _question(campaign, code)
    try:
        add_code(
            campaign=campaign, question_code=code, label=request.POST.get("label", "")
        )
    except ValueError:
        messages.error(request, "Geef de code een naam van 1 tot 120 tekens.")
    return _back(campaign, code, todo=request.POST.get("nog") == "1")


urlpatterns = [
    path("resultaten/<slug:slug>/open/", open_questions, name="open-questions"),
    path("resultaten/<slug:slug>/open/<str:code>/", workbench, name="open-answers"),
    path(
        "resultaten/<slug:slug>/open/<str:code>/codes/",
        new_code,
        name="add-answer-code",
    ),
    path(
        "resultaten/<slug:slug>/open/<str:code>/<int:answer_id>/",
        save_review,
        name="review-answer",
    ),
]
