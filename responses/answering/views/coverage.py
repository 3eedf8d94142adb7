"""The bestuur's side of coverage: who answers for us, confirm or answer ourselves."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from responses.answering.claims import ClaimRefused, choose_besturen, decide_claim
from responses.answering.respondents import can_edit
from responses.answering.views.common import (
    base_context,
    gate,
    url_for,
    with_invitation,
)
from responses.answering.who_answers import claim_for_own_bestuur

CHOICES = {"bevestigen", "zelf"}


@with_invitation
@require_http_methods(["GET", "POST"])
def who_answers(request, invitation, token):
    """Show who answers for the link's bestuur; confirm a claim or take it back.

    GET never changes anything (mail scanners open links); each choice is a POST.
    """
    if blocked := gate(request, invitation, token):
        return blocked
    claim = claim_for_own_bestuur(invitation=invitation)
    if request.method == "POST":
        return _decide(request, invitation, token, claim)
    context = base_context(invitation, token) | {
        "who_answers": claim,
        "suggested": request.GET.get("keuze")
        if request.GET.get("keuze") in CHOICES
        else "",
    }
    return render(request, "responses/coverage/who_answers.html", context)


def _decide(request, invitation, token, claim):
    choice = request.POST.get("keuze", "")
    if choice not in CHOICES or not can_edit(
        campaign=invitation.campaign, response=invitation.response
    ):
        messages.error(
            request, _("Deze keuze is niet (meer) mogelijk. Er werd niets gewijzigd.")
        )
        return redirect(url_for("who-answers", token))
    if choice == "bevestigen":
        try:
            claim_id = int(request.POST.get("claim", ""))
            decide_claim(claim_id=claim_id, accept=True, invitation=invitation)
        except ValueError:
            messages.error(
                request, _("Deze aanvraag bestaat niet. Er werd niets gewijzigd.")
            )
        except ClaimRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("Bevestigd: %(name)s antwoordt voor %(municipality)s.")
                % {
                    "name": claim["claimant_name"] if claim else "",
                    "municipality": invitation.municipality.name,
                },
            )
        return redirect(url_for("who-answers", token))
    if invitation.response is not None:
        messages.info(request, _("U vult al zelf in voor uw bestuur."))
        return redirect(url_for("respondent-start", token))
    result = choose_besturen(
        invitation=invitation,
        respondent_name=invitation.name,
        respondent_email=invitation.email,
        respondent_function=invitation.function or _("Burgemeester"),
        is_coordinator=False,
        extra_nis_codes=[],
    )
    if result.errors:
        for error in result.errors:
            messages.error(request, error)
        return redirect(url_for("who-answers", token))
    messages.info(
        request,
        _(
            "U vult nu zelf in voor %(municipality)s. Controleer uw gegevens en ga "
            "verder met de vragen."
        )
        % {"municipality": invitation.municipality.name},
    )
    return redirect(url_for("choose-municipalities", token))
