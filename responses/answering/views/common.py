"""Shared pieces of the respondent views: link resolution, gates, context."""

from __future__ import annotations

from functools import partial, wraps

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from responses.answering.respondents import (
    CampaignPhase,
    LinkState,
    campaign_phase,
    can_edit,
    contact_email,
    edit_deadline,
    record_open,
    resolve_link,
)
from responses.models import Invitation, ResponseStatus
from surveys import branching
from vvsg_survey.network import client_ip

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


def with_invitation(view=None, *, load=None):
    """Resolve the link (rate-limited) and hand the view an active invitation.

    `@with_invitation(load=...)` (token hash -> invitation) loads only what that
    view reads.
    Error responses are marked as logged: Django's request logger would otherwise
    write "Forbidden: /b/<token>/..." and put a live token in the logs.
    """
    if view is None:
        return partial(with_invitation, load=load)

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        lookup = resolve_link(
            raw_token=token,
            client_ip=client_ip(request),
            lookup=load,
        )
        if lookup.state != LinkState.OK:
            status, title, text = LINK_PAGES[lookup.state]
            reply = render(
                request,
                "responses/respondent/link_invalid.html",
                {"title": _(title), "text": _(text)},
                status=status,
            )
            return _unlogged(reply)
        invitation = lookup.invitation
        assert invitation is not None  # LinkState.OK always carries one
        if request.method == "GET":
            record_open(invitation=invitation)
        try:
            reply = view(request, invitation, token, *args, **kwargs)
        except Http404:
            reply = render(
                request,
                "responses/respondent/link_invalid.html",
                {
                    "title": _("Deze pagina bestaat niet"),
                    "text": _("Ga terug naar de vragenlijst via de link in uw mail."),
                },
                status=404,
            )
        return _unlogged(reply)

    return wrapper


def _unlogged(reply):
    if reply.status_code >= 400:
        reply._has_been_logged = True
    return reply


def base_context(invitation: Invitation, token: str) -> dict:
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


def closed_page(request, invitation, token, phase):
    context = base_context(invitation, token) | {"phase": phase}
    return render(request, "responses/respondent/closed.html", context, status=403)


def gate(request, invitation, token):
    """The closed page when the campaign is not answerable or nothing to show."""
    phase = campaign_phase(campaign=invitation.campaign)
    if phase in (CampaignPhase.NOT_OPEN, CampaignPhase.PAUSED):
        return closed_page(request, invitation, token, phase)
    if phase == CampaignPhase.CLOSED and invitation.response is None:
        return closed_page(request, invitation, token, phase)
    return None


def url_for(name: str, token: str, **kwargs) -> str:
    return reverse(f"responses:{name}", kwargs={"token": token, **kwargs})


def resume_url(invitation, token, spec, answers) -> str:
    response = invitation.response
    if response is None:
        return url_for("choose-municipalities", token)
    if response.status == ResponseStatus.SUBMITTED:
        return url_for("review-response", token)
    section = response.current_section
    if section not in spec.sections:
        section = branching.next_section(spec, answers, None)
    return (
        url_for("answer-section", token, section=section)
        if section
        else url_for("review-response", token)
    )


def summary_from_form(form) -> list[dict]:
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


def questionnaire_gate(request, invitation, token):
    if blocked := gate(request, invitation, token):
        return blocked
    if invitation.response is None:
        return redirect(url_for("choose-municipalities", token))
    return None
