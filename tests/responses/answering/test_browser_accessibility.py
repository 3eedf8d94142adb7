"""Accessibility proven in the browser: axe-core on every respondent page type at
1280 and 375 px (WCAG 2.1 A/AA), keyboard-only answering, visible focus, errors tied
to their fields, and an autosave that survives one failed request.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from responses.models import Answer, CampaignStatus
from tests.factories import make_respondent, make_started_response
from tests.responses.answering.polling import stored_answer

pytestmark = [pytest.mark.browser, pytest.mark.services]

WCAG_21_AA = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
    },
    "resultTypes": ["violations"],
}
AXE = Axe()
# Bootstrap marks focus with a box-shadow on inputs and buttons, app.css with an
# outline on everything else; either one is a visible focus indicator.
VISIBLE_FOCUS = """(() => {
  const s = getComputedStyle(document.activeElement);
  return s.outlineStyle !== "none" || s.boxShadow !== "none";
})()"""


def _violations(page) -> list[str]:
    results = AXE.run(page, options=WCAG_21_AA)
    return [
        f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def _pages(base: str) -> list[tuple[str, str]]:
    return [
        ("start", base),
        ("besturen", f"{base}besturen/"),
        ("section", f"{base}vragen/radicalisering/"),
        ("section-text-number", f"{base}vragen/beleid/"),
        ("page-check", f"{base}vragen/polarisatie/?controle=1"),
        ("review-with-problems", f"{base}overzicht/?controle=1"),
        ("saved", f"{base}bewaard/"),
        ("forward", f"{base}doorsturen/"),
        ("statement", base.split("/b/")[0] + "/toegankelijkheid/"),
        ("link-invalid", base.split("/b/")[0] + "/b/onbekende-link/"),
    ]


@pytest.mark.parametrize("width", [1280, 375])
def test_every_respondent_page_type_passes_axe_wcag_21_aa(
    transactional_db, live_server, page, width
):
    mayor, token = make_started_response()
    base = f"{live_server.url}/b/{token}/"
    page.set_viewport_size({"width": width, "height": 900})
    found = {}

    for name, url in _pages(base):
        page.goto(url)
        found[name] = _violations(page)
    # Follow-up questions open (matrix), then a server-side error on a field.
    page.goto(f"{base}vragen/radicalisering/")
    page.get_by_label("Ja (stijging)").check()
    expect(page.locator('[data-question="rad_dreiging"]')).to_be_visible()
    found["section-follow-ups"] = _violations(page)
    page.goto(f"{base}vragen/beleid/")
    page.get_by_label("Hoeveel VTE").fill("999")
    page.get_by_role("button", name="Naar het overzicht").click()
    expect(page.locator("#error-summary")).to_be_visible()
    found["field-error"] = _violations(page)
    # Submitted: confirmation and the read-only review; then a closed campaign.
    page.goto(f"{base}vragen/radicalisering/")
    page.get_by_label("Neen").check()
    stored_answer(mayor, "rad_signalen", "neen")
    page.goto(f"{base}vragen/polarisatie/")
    page.locator('[data-question="pol_signalen"]').get_by_label("Neen").check()
    stored_answer(mayor, "pol_signalen", "neen")
    page.goto(f"{base}vragen/beleid/")
    page.get_by_label("Hoeveel VTE").fill("2")
    page.get_by_role("button", name="Naar het overzicht").click()
    page.get_by_role("button", name="Antwoorden indienen").click()
    expect(
        page.get_by_role("heading", name="Bedankt voor uw antwoorden!")
    ).to_be_visible()
    found["confirmation"] = _violations(page)
    page.goto(f"{base}overzicht/")
    found["review-submitted"] = _violations(page)
    mayor.campaign.status = CampaignStatus.PAUSED
    mayor.campaign.save(update_fields=["status"])
    page.goto(base)
    found["closed"] = _violations(page)

    assert {name: v for name, v in found.items() if v} == {}


def test_a_section_can_be_completed_with_tab_space_and_enter_only(
    transactional_db, live_server, page
):
    mayor, token = make_started_response()
    page.goto(f"{live_server.url}/b/{token}/vragen/radicalisering/")
    focus_styles = []

    def tab_to(predicate: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(el => {predicate})(document.activeElement)"):
                focus_styles.append(page.evaluate(VISIBLE_FOCUS))
                return
        raise AssertionError(f"Tab never reached {predicate}")

    # "Ja (gelijk)" is the first radio: Tab lands on it, Space selects it.
    tab_to("el.name === 'q-rad_signalen'")
    page.keyboard.press("Space")
    assert stored_answer(mayor, "rad_signalen", "ja_gelijk") == "ja_gelijk"
    expect(page.locator('[data-question="rad_vormen"]')).to_be_visible()
    tab_to("el.name === 'q-rad_vormen' && el.value === 'extreemrechts'")
    page.keyboard.press("Space")
    expect(page.locator('[data-question="rad_dreiging"]')).to_be_visible()
    for row in ("extreemrechts", "extreemlinks"):
        tab_to(f"el.name === 'q-rad_dreiging-r-{row}'")
        page.keyboard.press("Space")
    tab_to("el.tagName === 'BUTTON' && el.value === 'next'")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Polarisatie", exact=True)).to_be_visible()
    answers = dict(
        Answer.objects.filter(response=mayor.response).values_list(
            "question__code", "value"
        )
    )
    assert answers == {
        "rad_signalen": "ja_gelijk",
        "rad_vormen": ["extreemrechts"],
        "rad_dreiging": {"extreemrechts": "laag", "extreemlinks": "laag"},
    }
    assert all(focus_styles), focus_styles


def test_error_message_is_the_fields_accessible_description(
    transactional_db, live_server, page
):
    mayor, token = make_started_response()
    page.goto(f"{live_server.url}/b/{token}/vragen/beleid/")

    page.get_by_label("Hoeveel VTE").fill("999")
    page.get_by_role("button", name="Naar het overzicht").click()

    field = page.get_by_label("Hoeveel VTE")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description("Het getal mag hoogstens 100 zijn.")


def test_failed_autosave_is_retried_and_reported_only_if_the_retry_fails(
    transactional_db, live_server, page
):
    mayor, token = make_respondent()
    mayor, token = make_started_response(campaign=mayor.campaign)
    failures = {"left": 1}

    def flaky(route):
        if failures["left"] > 0:
            failures["left"] -= 1
            route.fulfill(status=503, body="busy")
        else:
            route.continue_()

    page.route("**/opslaan/", flaky)
    page.goto(f"{live_server.url}/b/{token}/vragen/polarisatie/")
    box = page.locator('[data-question="pol_signalen"]')
    box.get_by_label("Ja").check()

    expect(box.locator(".saved-status")).to_be_visible(timeout=10_000)
    assert stored_answer(mayor, "pol_signalen", "ja") == "ja"
    expect(box.locator(".save-failed")).to_have_count(0)

    failures["left"] = 2
    box.get_by_label("Neen").check()
    expect(box.locator(".save-failed")).to_contain_text(
        "Niet opgeslagen", timeout=10_000
    )
    assert stored_answer(mayor, "pol_signalen", "ja") == "ja"
