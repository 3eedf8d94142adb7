"""The local mirror and the member results page in a real browser, at 375 px."""

from __future__ import annotations

import pytest

from responses.mailing.tokens import raw_token_for
from responses.reporting.publishing import publish_results
from surveys.queries import clear_spec_cache
from tests.factories import make_contact, make_invitation
from tests.responses.reporting.results_world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.services]


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_mirror_and_member_page_at_375_px(
    transactional_db, live_server, page, settings
):
    settings.RESULTS_MIN_CELL = 3  # the small world has few besturen per group
    clear_spec_cache()
    world = build_world()
    genk = make_invitation(
        campaign=world.current, contact=make_contact(municipality=world.m["Genk"])
    )
    publish_results(campaign=world.current, user=None)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.set_viewport_size({"width": 375, "height": 800})

    page.goto(f"{live_server.url}/b/{raw_token_for(genk)}/spiegel/")
    heading = page.get_by_role("heading", level=1).inner_text()
    flanders = page.locator(
        "#q-signalen th", has_text="Andere Vlaamse besturen"
    ).inner_text()
    hidden_note = page.locator("#q-signalen .mirror-hidden").first.inner_text()
    own_label = (
        page.locator("#q-signalen tbody tr", has_text="uw antwoord")
        .locator("th")
        .inner_text()
    )
    bars = page.locator("#q-signalen .mirror-bar-svg rect.results-series-0").count()
    page.screenshot(path="/tmp/mirror-375.png", full_page=True)
    mirror_fits = _no_horizontal_scroll(page)

    page.goto(f"{live_server.url}/ledenresultaten/lb-2026/")
    member_heading = page.get_by_role("heading", level=1).inner_text()
    suppressed = page.locator(".results-suppressed").count()
    page.screenshot(path="/tmp/members-375.png", full_page=True)
    members_fit = _no_horizontal_scroll(page)

    assert heading == "Lokale spiegel van Genk"
    assert flanders == "Andere Vlaamse besturen (n=10)"
    assert "niet getoond" in hidden_note  # suppression is visible to the reader
    assert own_label == "Ja (gelijk)"
    assert bars == 4  # one Flanders bar per option of signalen
    assert mirror_fits
    assert member_heading == "Resultaten van Ledenbevraging lb-2026"
    assert suppressed > 0
    assert members_fit
    assert not [m for m in messages if "Content Security Policy" in m]
