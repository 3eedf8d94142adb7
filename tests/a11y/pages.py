"""Every page type of the platform, for HTML validation and axe audits.

One world holds a results campaign (tests/responses/reporting/results_world.py)
with invitations and deliveries for the staff pages, and a respondent on the survey
instrument for the respondent pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from responses.mailing.unsubscribe import unsubscribe_token
from responses.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
)
from surveys.queries import clear_spec_cache
from tests.factories import make_invitation, make_respondent, make_started_response
from tests.responses.reporting.results_world import build_world

RESULTS_SLUG = "lb-2026"


@dataclass
class Pages:
    staff: list[tuple[str, str]]
    results: list[tuple[str, str]]
    respondent: list[tuple[str, str]]
    public: list[tuple[str, str]]
    superuser: User
    admin: list[tuple[str, str]]


def build_pages() -> Pages:
    clear_spec_cache()
    build_world()
    # Open, so the campaign page shows its fieldwork buttons (Pauzeren...).
    Campaign.objects.filter(slug=RESULTS_SLUG).update(status=CampaignStatus.OPEN)
    campaign = Campaign.objects.get(slug=RESULTS_SLUG)
    invitation = make_invitation(campaign=campaign)
    Delivery.objects.create(
        campaign=campaign,
        invitation=invitation,
        email=invitation.email,
        kind=DeliveryKind.INVITATION,
        status=DeliveryStatus.SENT,
    )
    Delivery.objects.create(
        campaign=campaign,
        invitation=invitation,
        email=invitation.email,
        kind=DeliveryKind.REMINDER,
        stream="not_started",
        round=1,
        status=DeliveryStatus.FAILED,
        last_error="550 mailbox unavailable",
    )
    superuser = User.objects.create_superuser("a11y", "a11y@vvsg.test", "pw")
    beheer = f"/beheer/campagnes/{RESULTS_SLUG}/"

    _, fresh_token = make_respondent()
    _, token = make_started_response()
    base = f"/b/{token}/"
    _, done_token = make_started_response()
    respondent = Client()
    for section, data in [
        ("radicalisering", {"q-rad_signalen": "neen"}),
        ("polarisatie", {"q-pol_signalen": "neen"}),
        ("beleid", {"q-bel_fte": "0"}),
    ]:
        respondent.post(
            f"/b/{done_token}/vragen/{section}/", {**data, "action": "next"}
        )
    respondent.post(f"/b/{done_token}/indienen/")
    return Pages(
        staff=[
            ("campaigns", "/beheer/campagnes/"),
            ("campaign", beheer),
            ("deliveries", f"{beheer}verzendingen/"),
            ("response-rate", f"{beheer}respons/"),
            ("mail-preview", f"{beheer}voorbeeld/invitation/"),
        ],
        results=[
            ("results-list", "/resultaten/"),
            ("results-overview", f"/resultaten/{RESULTS_SLUG}/"),
            ("results-question", f"/resultaten/{RESULTS_SLUG}/signalen/"),
            ("results-matrix", f"/resultaten/{RESULTS_SLUG}/vormen/"),
        ],
        respondent=[
            ("start", f"/b/{fresh_token}/"),
            ("besturen", f"/b/{fresh_token}/besturen/"),
            ("start-resume", base),
            ("section", f"{base}vragen/radicalisering/"),
            ("section-text-number", f"{base}vragen/beleid/"),
            ("saved", f"{base}bewaard/"),
            ("forward", f"{base}doorsturen/"),
            ("review", f"/b/{done_token}/overzicht/"),
            ("confirmation", f"/b/{done_token}/bedankt/"),
            ("link-invalid", "/b/onbekende-link/"),
        ],
        public=[
            ("home", "/"),
            (
                "unsubscribe",
                reverse(
                    "responses:unsubscribe",
                    kwargs={"token": unsubscribe_token(invitation)},
                ),
            ),
            ("not-found", "/bestaat-niet/"),
        ],
        superuser=superuser,
        admin=[
            ("admin-index", "/admin/"),
            ("admin-invitations", "/admin/responses/invitation/"),
            # Change forms are left out: Django's own markup points aria-describedby
            # at a help text its JavaScript adds later (the timezone warning) and at
            # the inline's __prefix__ template row.
            ("admin-municipalities", "/admin/municipalities/municipality/"),
            ("export-form", f"/exports/{RESULTS_SLUG}/"),
        ],
    )


def staff_client(pages: Pages) -> Client:
    client = Client()
    client.force_login(pages.superuser)
    return client
