"""Builders for the hardening suites: an open campaign with started responses."""

from __future__ import annotations

from dataclasses import dataclass

from responses.answering.claims import start_response
from responses.mailing.tokens import raw_token_for
from responses.models import CampaignStatus, Invitation, Response
from tests.factories import make_contact, make_export_campaign, make_municipality


@dataclass
class Respondent:
    invitation: Invitation
    token: str
    response: Response | None

    def url(self, suffix: str = "") -> str:
        return f"/b/{self.token}/{suffix}"


def open_campaign(**kw):
    """An OPEN campaign on the small all-types instrument (sections a, b; q1..q7)."""
    kw.setdefault("status", CampaignStatus.OPEN)
    return make_export_campaign(**kw)


def invite(*, campaign, municipality=None, start: bool = True, **contact) -> Respondent:
    """An invitation (and, with start=True, its started response) and its raw token."""
    from tests.factories import make_invitation

    municipality = municipality or make_municipality()
    person = make_contact(municipality=municipality, **contact)
    invitation = make_invitation(campaign=campaign, contact=person)
    response = None
    if start:
        response = start_response(
            invitation=invitation,
            respondent_name=person.name,
            respondent_email=person.email,
            respondent_function="Burgemeester",
            is_coordinator=False,
            extra_nis_codes=[],
        ).response
        invitation.refresh_from_db()
    return Respondent(
        invitation=invitation, token=raw_token_for(invitation), response=response
    )


def colleague(*, of: Respondent, **contact) -> Respondent:
    """A second invitation on the same response (as forwarding creates)."""
    from tests.factories import make_invitation

    person = make_contact(municipality=of.invitation.municipality, **contact)
    invitation = make_invitation(
        campaign=of.invitation.campaign,
        contact=person,
        kind="forward",
        response=of.response,
        forwarded_by=of.invitation,
    )
    return Respondent(
        invitation=invitation, token=raw_token_for(invitation), response=of.response
    )
