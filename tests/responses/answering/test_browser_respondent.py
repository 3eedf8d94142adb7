"""The mayor's path in a real browser (Debian chromium via Playwright).

Autosave is checked in the database, not only in the page. Set H3_SCREENSHOTS=1 to
write /tmp/h3-*.png along the way (desktop 1280 px and mobile 375 px).
"""

from __future__ import annotations

import os
import time

import pytest
from playwright.sync_api import expect

from responses.models import Answer, Invitation, ResponseMunicipality, ResponseStatus
from tests.factories import (
    make_covering_response,
    make_invitation,
    make_municipality,
    make_respondent,
    make_survey_campaign,
)

pytestmark = [pytest.mark.browser, pytest.mark.services]


def _shot(page, name: str) -> None:
    if os.environ.get("H3_SCREENSHOTS") == "1":
        page.screenshot(path=f"/tmp/h3-{name}.png", full_page=True)


def _stored(invitation, code, timeout=10.0):
    """The stored value of one answer, polling while an autosave is in flight."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = Answer.objects.filter(
            response__invitations=invitation, question__code=code
        ).first()
        if row is not None:
            return row.value
        time.sleep(0.1)
    return None


def _start(page, url):
    page.goto(url)
    page.get_by_role("link", name="Start de vragenlijst").click()
    expect(
        page.get_by_role("heading", name="Voor welk bestuur vult u in?")
    ).to_be_visible()
    page.get_by_role("button", name="Start de vragenlijst").click()
    expect(
        page.get_by_role("heading", name="Gewelddadige radicalisering")
    ).to_be_visible()


def test_mayor_walks_through_both_branches_and_submits(
    transactional_db, live_server, page, mailoutbox
):
    invitation, token = make_respondent()
    base = f"{live_server.url}/b/{token}/"
    page.goto(base)
    _shot(page, "landing-1280")
    _start(page, base)
    vormen = page.locator('[data-question="rad_vormen"]')
    expect(vormen).to_be_hidden()

    page.get_by_label("Ja (stijging)").check()
    expect(vormen).to_be_visible()
    expect(page.locator("#survey-announcer")).to_have_text(
        "Er verschenen 2 bijkomende vragen."
    )
    expect(page.locator("#fb-rad_signalen")).to_contain_text("Opgeslagen om")
    assert _stored(invitation, "rad_signalen") == "ja_stijging"

    page.get_by_label("Neen").check()
    expect(vormen).to_be_hidden()
    expect(page.locator('[data-question="rad_dreiging"]')).to_be_hidden()
    page.get_by_label("Ja (stijging)").check()
    expect(vormen).to_be_visible()

    page.get_by_label("Religieus geïnspireerd").check()
    religious_row = page.locator('[data-row="religieus"]')
    expect(religious_row).to_be_visible()
    page.get_by_label("Ander, namelijk", exact=True).check()
    page.get_by_label("Ander, namelijk: specificeer").fill("Complotdenken")
    page.get_by_label("Ander, namelijk: specificeer").blur()
    for row, level in (
        ("Extreemrechts", "Hoog"),
        ("Extreemlinks", "Laag"),
        ("Religieus geïnspireerd", "Gemiddeld"),
    ):
        page.get_by_role("group", name=row).get_by_label(level).check()
    expect(page.locator("#fb-rad_dreiging")).to_contain_text("Opgeslagen om")
    _shot(page, "section-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    _shot(page, "section-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("heading", name="Polarisatie", exact=True)).to_be_visible()
    page.get_by_label("Ja", exact=True).check()
    page.get_by_label("Licht toe (optioneel).").fill("Vooral online.")
    page.get_by_role("button", name="Volgende").click()
    page.get_by_label("Hoeveel VTE").fill("2")
    page.get_by_role("button", name="Naar het overzicht").click()
    expect(
        page.get_by_role("heading", name="Overzicht van uw antwoorden")
    ).to_be_visible()
    _shot(page, "review-1280")
    page.get_by_role("button", name="Antwoorden indienen").click()
    expect(
        page.get_by_role("heading", name="Bedankt voor uw antwoorden!")
    ).to_be_visible()
    _shot(page, "confirmation-1280")

    invitation.refresh_from_db()
    response = invitation.response
    stored = dict(response.answers.values_list("question__code", "value"))
    assert response.status == ResponseStatus.SUBMITTED
    assert stored["rad_signalen"] == "ja_stijging"
    assert sorted(stored["rad_vormen"]) == ["ander", "religieus"]
    assert stored["rad_dreiging"] == {
        "extreemrechts": "hoog",
        "extreemlinks": "laag",
        "religieus": "gemiddeld",
    }
    assert (
        response.answers.get(question__code="rad_vormen").other_text == "Complotdenken"
    )
    assert stored["bel_fte"] == 2


def test_resume_in_a_new_browser_shows_saved_answers(
    transactional_db, live_server, browser
):
    invitation, token = make_respondent()
    url = f"{live_server.url}/b/{token}/"
    first = browser.new_context(locale="nl-BE")
    page = first.new_page()
    _start(page, url)
    page.get_by_label("Ja (gelijk)").check()
    expect(page.locator("#fb-rad_signalen")).to_contain_text("Opgeslagen om")
    page.get_by_role("button", name="Volgende").click()
    # Soft mandatory: the open follow-up is listed once; a second "Volgende" moves on.
    expect(page.locator("#page-check")).to_contain_text("U mag toch verdergaan")
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("button", name="Opslaan en later verder").click()
    expect(
        page.get_by_role("heading", name="Uw antwoorden zijn bewaard")
    ).to_be_visible()
    first.close()

    second = browser.new_context(locale="nl-BE", viewport={"width": 375, "height": 800})
    page = second.new_page()
    page.goto(url)
    _shot(page, "landing-375")
    page.get_by_role("link", name="Verder gaan").click()
    # Resume lands where the respondent left off; the earlier answer is still there.
    expect(page.get_by_role("heading", name="Polarisatie", exact=True)).to_be_visible()
    page.get_by_role("button", name="Vorige").click()
    expect(page.get_by_label("Ja (gelijk)")).to_be_checked()
    expect(page.locator('[data-question="rad_vormen"]')).to_be_visible()
    second.close()
    assert _stored(invitation, "rad_signalen") == "ja_gelijk"


def test_coordinator_answers_for_three_municipalities(
    transactional_db, live_server, page
):
    campaign = make_survey_campaign()
    invitation, token = make_respondent(campaign=campaign, kind="coordinator")
    bree, peer = make_municipality(name="Bree"), make_municipality(name="Peer")
    # A coordinator answers for the besturen its contact serves (docs/coverage.md).
    invitation.contact.role = "coordinator"
    invitation.contact.save(update_fields=["role"])
    invitation.contact.serves.set([bree, peer])
    taken = make_municipality(name="Hamont-Achel")
    make_municipality(name="Bocholt")
    make_covering_response(campaign=campaign, municipalities=[taken])

    page.goto(f"{live_server.url}/b/{token}/besturen/")
    expect(
        page.get_by_label("Ik vul deze vragenlijst in als intergemeentelijk")
    ).to_be_checked()
    expect(page.get_by_label("Hamont-Achel")).to_be_disabled()
    expect(
        page.get_by_text("al vertegenwoordigd door een andere respondent")
    ).to_be_visible()
    # The besturen it serves come pre-ticked.
    expect(page.get_by_label("Bree")).to_be_checked()
    expect(page.get_by_label("Peer")).to_be_checked()
    page.get_by_label("Zoek een gemeente").fill("bre")
    expect(page.get_by_label("Bocholt")).to_be_hidden()
    page.get_by_label("Zoek een gemeente").fill("")
    _shot(page, "municipalities-1280")
    page.get_by_role("button", name="Start de vragenlijst").click()
    expect(page.get_by_text("U vult de vragenlijst in voor:")).to_contain_text("Bree")

    invitation.refresh_from_db()
    names = set(
        ResponseMunicipality.objects.filter(response=invitation.response).values_list(
            "municipality__name", flat=True
        )
    )
    assert names == {"Bree", "Peer"}


def test_forwarding_to_a_colleague(transactional_db, live_server, page, mailoutbox):
    invitation, token = make_respondent()
    page.goto(f"{live_server.url}/b/{token}/")
    page.get_by_role("link", name="Stuur de vragenlijst door").click()
    page.get_by_label("Naam van uw collega").fill("Sam Collega")
    page.get_by_label("E-mailadres van uw collega").fill("sam@gemeente.be")
    page.get_by_label("Functie").fill("Preventiedienst")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(
        page.get_by_text("We stuurden een persoonlijke link naar Sam Collega")
    ).to_be_visible()
    _shot(page, "forward-1280")

    forwarded = Invitation.objects.get(email="sam@gemeente.be")
    assert forwarded.forwarded_by == invitation
    assert forwarded.deliveries.get().kind == "forward"


def test_invalid_link_page(transactional_db, live_server, page):
    page.goto(f"{live_server.url}/b/niet-bestaand/")

    expect(page.get_by_role("heading", name="Deze link is onbekend")).to_be_visible()
    assert page.locator("html").get_attribute("lang").lower() == "nl-be"


def test_keyboard_only_answer_is_autosaved(transactional_db, live_server, page):
    invitation, token = make_respondent()
    _start(page, f"{live_server.url}/b/{token}/")

    page.get_by_label("Ja (gelijk)").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # moves the choice within the radio group
    expect(page.get_by_label("Ja (stijging)")).to_be_focused()
    expect(page.locator("#fb-rad_signalen")).to_contain_text("Opgeslagen om")

    assert _stored(invitation, "rad_signalen") in ("ja_gelijk", "ja_stijging")
    deadline = time.monotonic() + 10
    while _stored(invitation, "rad_signalen") != "ja_stijging":
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_without_javascript_branching_and_saving_still_work(
    transactional_db, live_server, browser
):
    invitation, token = make_respondent()
    context = browser.new_context(locale="nl-BE", java_script_enabled=False)
    page = context.new_page()
    _start(page, f"{live_server.url}/b/{token}/")

    vormen = page.locator('[data-question="rad_vormen"]')
    expect(vormen).to_be_hidden()
    page.get_by_label("Ja (daling)").check()
    page.get_by_role("button", name="Volgende").click()
    expect(
        page.get_by_text("Op basis van uw antwoord verschenen bijkomende vragen.")
    ).to_be_visible()
    expect(vormen).to_be_visible()
    page.get_by_label("Weet niet").check()
    page.get_by_label("Extreemrechts", exact=True).check()
    page.get_by_role("button", name="Volgende").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("kan niet samen met een ander antwoord")
    context.close()

    assert _stored(invitation, "rad_signalen") == "ja_daling"
    assert not Answer.objects.filter(question__code="rad_vormen").exists()


def test_conflicting_edit_is_shown_and_resolved_in_the_page(
    transactional_db, live_server, page
):
    from responses.answering.answers import Submitted, save_answers

    invitation, token = make_respondent()
    _start(page, f"{live_server.url}/b/{token}/")
    page.goto(f"{live_server.url}/b/{token}/vragen/polarisatie/")
    box = page.get_by_label("Licht toe (optioneel).")
    box.fill("Versie van de burgemeester")
    box.blur()
    expect(page.locator("#fb-pol_toelichting")).to_contain_text("Opgeslagen om")
    invitation.refresh_from_db()
    colleague = make_invitation(
        campaign=invitation.campaign,
        municipality=invitation.municipality,
        kind="forward",
        response=invitation.response,
        forwarded_by=invitation,
        name="Sam Collega",
    )
    save_answers(
        response=invitation.response,
        invitation=colleague,
        answers={"pol_toelichting": Submitted("Versie van Sam", base_revision=1)},
    )

    box.fill("Nieuwe versie van de burgemeester")
    box.blur()
    conflict = page.locator("#fb-pol_toelichting .conflict")
    expect(conflict).to_contain_text("gewijzigd door Sam Collega")
    expect(conflict).to_contain_text("Versie van Sam")
    _shot(page, "conflict-1280")
    assert (
        Answer.objects.get(question__code="pol_toelichting").value == "Versie van Sam"
    )
    conflict.get_by_role("button", name="Mijn versie bewaren").click()
    expect(page.get_by_label("Licht toe (optioneel).")).to_have_value(
        "Nieuwe versie van de burgemeester"
    )

    answer = Answer.objects.get(question__code="pol_toelichting")
    assert (answer.value, answer.answered_by) == (
        "Nieuwe versie van de burgemeester",
        invitation,
    )


def test_failed_autosave_is_reported_on_the_question(
    transactional_db, live_server, page
):
    invitation, token = make_respondent()
    _start(page, f"{live_server.url}/b/{token}/")
    page.route("**/opslaan/", lambda route: route.abort())

    page.get_by_label("Neen").check()

    expect(page.locator("#fb-rad_signalen")).to_contain_text("Niet opgeslagen")
    page.unroute("**/opslaan/")
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("heading", name="Polarisatie", exact=True)).to_be_visible()
    assert _stored(invitation, "rad_signalen") == "neen"
