"""axe-core (WCAG 2.1 A/AA) on the member-facing results pages at 1280 and 375 px.

The local mirror of a participating and of a non-participating bestuur (through
their own invitation links), the page that waits for the mirror's PDF, and the
public member results page, after staff published the campaign. Zero violations,
whatever their impact.
"""

from __future__ import annotations

import pytest

from responses.mailing.tokens import raw_token_for
from responses.reporting.publishing import publish_results
from surveys.queries import clear_spec_cache
from tests.a11y.axe import axe_violations
from tests.factories import make_contact, make_invitation
from tests.responses.reporting.results_world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.services]


@pytest.mark.parametrize("width", [1280, 375])
def test_member_pages_pass_axe_wcag_21_aa(
    transactional_db, live_server, page, settings, width
):
    settings.RESULTS_MIN_CELL = 3  # the small world: some groups shown, some hidden
    clear_spec_cache()
    world = build_world()
    genk = make_invitation(
        campaign=world.current, contact=make_contact(municipality=world.m["Genk"])
    )
    zoersel = make_invitation(
        campaign=world.current, contact=make_contact(municipality=world.m["Zoersel"])
    )
    publish_results(campaign=world.current, user=None)
    page.set_viewport_size({"width": width, "height": 900})
    pages = {
        "mirror-participant": f"/b/{raw_token_for(genk)}/spiegel/",
        "mirror-non-participant": f"/b/{raw_token_for(zoersel)}/spiegel/",
        # The first request for the PDF asks a worker and shows the waiting page.
        "mirror-pdf-pending": f"/b/{raw_token_for(genk)}/spiegel/pdf/",
        "member-results": "/ledenresultaten/lb-2026/",
    }
    found, headings = {}, {}

    for name, url in pages.items():
        page.goto(f"{live_server.url}{url}")
        headings[name] = page.get_by_role("heading", level=1).inner_text()
        found[name] = axe_violations(page)

    # The audit saw the real pages, not an error page.
    assert headings == {
        "mirror-participant": "Lokale spiegel van Genk",
        "mirror-non-participant": "Lokale spiegel van Zoersel",
        "mirror-pdf-pending": "Uw spiegel wordt klaargemaakt",
        "member-results": "Resultaten van Ledenbevraging lb-2026",
    }
    assert {name: v for name, v in found.items() if v} == {}
