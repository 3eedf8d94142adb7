"""A mayor takes back their bestuur from a coordinator, in a real browser.

Set H3_SCREENSHOTS=1 to write /tmp/h3-takeover-*.png along the way.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from municipalities.models import ContactRole
from responses.answering.claims import start_response
from responses.mailing.tokens import raw_token_for
from responses.models import CoverageEvent, InvitationKind, ResponseMunicipality
from tests.factories import (
    make_contact,
    make_invitation,
    make_municipality,
    make_respondent,
    make_survey_campaign,
)

pytestmark = [pytest.mark.browser, pytest.mark.services]


def _shot(page, name: str) -> None:
    if os.environ.get("H3_SCREENSHOTS") == "1":
        page.screenshot(path=f"/tmp/h3-takeover-{name}.png", full_page=True)


def test_mayor_takes_back_bestuur_from_coordinator_in_browser(
    transactional_db, live_server, page, mailoutbox
):
    campaign = make_survey_campaign()
    retie, arendonk = (
        make_municipality(name="Retie"),
        make_municipality(name="Arendonk"),
    )
    contact = make_contact(
        role=ContactRole.COORDINATOR,
        name="Cas Coördinator",
        organisation="IGS Kempen",
        email="cas@igs-kempen.be",
    )
    contact.serves.set([retie, arendonk])
    coordinator = make_invitation(
        campaign=campaign, contact=contact, kind=InvitationKind.COORDINATOR
    )
    theirs = start_response(
        invitation=coordinator,
        respondent_name="Cas Coördinator",
        respondent_email="cas@igs-kempen.be",
        respondent_function="LIVC R-coördinator",
        is_coordinator=True,
        extra_nis_codes=[retie.nis_code, arendonk.nis_code],
    ).response
    mayor, token = make_respondent(
        campaign=campaign, municipality=retie, name="Bea Burgemeester"
    )

    page.goto(f"{live_server.url}/b/{token}/")
    panel = page.locator("[data-who-answers]")
    expect(panel).to_contain_text("Voor uw bestuur antwoordt al iemand")
    expect(panel).to_contain_text("Cas Coördinator")
    expect(panel).to_contain_text("IGS Kempen")
    expect(page.locator("body")).not_to_contain_text("cas@igs-kempen.be")
    _shot(page, "landing")
    page.get_by_role("link", name="Bekijk en kies").click()
    expect(
        page.get_by_role("heading", name="Wie antwoordt voor Retie?")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Zo laten")).to_be_visible()
    _shot(page, "who-answers")
    page.get_by_role("button", name="Zelf invullen voor mijn bestuur").click()

    expect(
        page.get_by_role("heading", name="Voor welk bestuur vult u in?")
    ).to_be_visible()
    expect(page.locator("body")).to_contain_text("U vult nu zelf in voor Retie")
    expect(page.get_by_label("Uw e-mailadres")).to_have_value(mayor.email)
    _shot(page, "taken-back")
    mayor.refresh_from_db()
    assert dict(
        ResponseMunicipality.objects.filter(municipality=retie).values_list(
            "status", "response_id"
        )
    ) == {"own": mayor.response_id}
    assert list(theirs.represented.values_list("municipality__name", flat=True)) == [
        "Arendonk"
    ]
    assert [m.to for m in mailoutbox] == [["cas@igs-kempen.be"]]
    assert mailoutbox[0].subject == "Retie vult de vragenlijst zelf in"
    assert raw_token_for(coordinator) in mailoutbox[0].body
    assert CoverageEvent.objects.filter(municipality=retie, kind="take_back").exists()
