"""The mayor's walk-through on the real 2024 instrument (57 questions, six themes)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from responses.models import ResponseStatus
from surveys.queries import clear_spec_cache
from tests.factories import make_campaign, make_invitation, make_real_instrument
from tests.responses.answering.polling import stored_answer

pytestmark = [pytest.mark.browser, pytest.mark.services]


def _shot(page, name: str) -> None:
    if os.environ.get("H3_SCREENSHOTS") == "1":
        page.screenshot(path=f"/tmp/h3-{name}.png", full_page=True)


def test_mayor_walk_through_real_instrument(transactional_db, live_server, page):
    from responses.mailing.tokens import raw_token_for

    clear_spec_cache()
    campaign = make_campaign(instrument=make_real_instrument(2024))
    invitation = make_invitation(campaign=campaign)
    base = f"{live_server.url}/b/{raw_token_for(invitation)}/"

    page.goto(base)
    expect(page.get_by_role("heading", name="Begrippenkader")).to_be_visible()
    _shot(page, "real-landing-1280")
    page.get_by_role("link", name="Start de vragenlijst").click()
    page.get_by_role("button", name="Start de vragenlijst").click()

    expect(page.get_by_role("heading", name="Over u")).to_be_visible()
    page.get_by_label("Burgemeester", exact=True).check()
    expect(page.locator('[data-question="PROF_BESTUREN"]')).to_contain_text(
        invitation.municipality.name
    )
    assert stored_answer(invitation, "PROF_FUNCTIE", "burgemeester") == "burgemeester"
    assert stored_answer(
        invitation, "PROF_BESTUREN", [invitation.municipality.nis_code]
    )
    page.get_by_role("button", name="Volgende").click()

    expect(
        page.get_by_role("heading", name="Gewelddadige radicalisering")
    ).to_be_visible()
    signals = page.locator('[data-question="RAD_SIGNALEN"]')
    forms = page.locator('[data-question="RAD_VORMEN"]')
    threat = page.locator('[data-question="RAD_DREIGING"]')
    signals.get_by_label("Neen").check()
    expect(forms).to_be_hidden()
    assert stored_answer(invitation, "RAD_SIGNALEN", "neen") == "neen"

    signals.get_by_label("Ja (stijging)").check()
    expect(forms).to_be_visible()
    expect(threat).to_be_hidden()  # no form marked present yet: no rows to ask
    forms.get_by_role(
        "group", name="Islamistisch/Salafi Jihadi extremisme"
    ).get_by_label("Toegenomen").check()
    expect(threat).to_be_visible()
    expect(threat.locator('[data-row="islam"]')).to_be_visible()
    expect(threat.locator('[data-row="rechts"]')).to_be_hidden()
    expect(page.locator('[data-question="RAD_CASUS_ISLAM"]')).to_be_visible()
    assert stored_answer(invitation, "RAD_VORMEN", {"islam": "toegenomen"}) == {
        "islam": "toegenomen"
    }
    _shot(page, "real-section-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    _shot(page, "real-section-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Walk every remaining section without answering: "Volgende" never blocks for
    # good (the page check lists what is open once; the second click moves on).
    titles = []
    for _ in range(25):
        page.get_by_role("button", name="Volgende").or_(
            page.get_by_role("button", name="Naar het overzicht")
        ).click()
        heading = page.get_by_role("heading", level=1).inner_text()
        titles.append(heading)
        if heading == "Overzicht van uw antwoorden":
            break
    assert titles[-1] == "Overzicht van uw antwoorden"
    assert "LIVC R" in titles and "Noden en behoeften" in titles

    page.get_by_role("button", name="Antwoorden indienen").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Gelieve elke rij te beantwoorden")
    _shot(page, "real-review-errors-1280")
    summary.get_by_role("link").first.click()
    invitation.refresh_from_db()
    assert invitation.response.status == ResponseStatus.PARTIAL
