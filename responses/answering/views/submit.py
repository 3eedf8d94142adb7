"""Review, submit, confirmation and reopening after submit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from responses.answering.answers import reopen_response, submit_response
from responses.answering.pages import review_page
from responses.answering.pdf import (
    PDF_CONTENT_TYPE,
    current_copy,
    filename,
    request_copy,
)
from responses.answering.views.common import (
    base_context,
    questionnaire_gate,
    url_for,
    with_invitation,
)
from responses.models import ResponseStatus


def _review_context(invitation, token):
    return base_context(invitation, token) | review_page(
        invitation=invitation, token=token
    )


@with_invitation
def review(request, invitation, token):
    if blocked := questionnaire_gate(request, invitation, token):
        return blocked
    context = _review_context(invitation, token)
    context["show_summary"] = request.GET.get("controle") == "1"
    return render(request, "responses/respondent/review.html", context)


@with_invitation
@require_POST
def submit(request, invitation, token):
    if blocked := questionnaire_gate(request, invitation, token):
        return blocked
    result = submit_response(response=invitation.response, invitation=invitation)
    if not result.submitted:
        context = _review_context(invitation, token)
        context["show_summary"] = True
        if "" in result.errors:
            messages.error(request, result.errors[""][0])
        return render(request, "responses/respondent/review.html", context, status=200)
    return redirect(url_for("view-confirmation", token))


@with_invitation
def confirmation(request, invitation, token):
    if blocked := questionnaire_gate(request, invitation, token):
        return blocked
    if invitation.response.status != ResponseStatus.SUBMITTED:
        return redirect(url_for("review-response", token))
    return render(
        request,
        "responses/respondent/confirmation.html",
        base_context(invitation, token),
    )


@with_invitation
@require_POST
def reopen(request, invitation, token):
    if blocked := questionnaire_gate(request, invitation, token):
        return blocked
    if not reopen_response(response=invitation.response):
        messages.error(
            request, _("De termijn om deze vragenlijst te wijzigen is verstreken.")
        )
        return redirect(url_for("review-response", token))
    return redirect(
        url_for("answer-section", token, section=invitation.response.current_section)
    )


@with_invitation
def download_copy(request, invitation, token):
    """The PDF copy of the answers as they stand, or a page that waits for it."""
    if blocked := questionnaire_gate(request, invitation, token):
        return blocked
    response = invitation.response
    copy = current_copy(response=response)
    if copy is None:
        request_copy(response=response)
        reply = render(
            request,
            "responses/respondent/copy_pending.html",
            base_context(invitation, token),
            status=202,
        )
    else:
        reply = HttpResponse(bytes(copy.pdf), content_type=PDF_CONTENT_TYPE)
        reply["Content-Disposition"] = f'attachment; filename="{filename(response)}"'
    # Personal answers: never kept by a shared cache or the browser's history.
    reply["Cache-Control"] = "private, no-store"
    return reply
