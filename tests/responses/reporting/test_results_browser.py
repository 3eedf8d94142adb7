"""The results pages in a real browser: CSP-clean charts and the k toggle."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from surveys.queries import clear_spec_cache
from tests.responses.reporting.results_world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.services]


def _login(page, live_server) -> None:
    user = User.objects.create_user("analist", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_results"))
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )


def test_results_pages_render_charts_without_csp_violations(
    transactional_db, live_server, page
):
    clear_spec_cache()
    build_world()
    _login(page, live_server)
    messages = []
    page.on("console", lambda message: messages.append(message.text))

    page.goto(f"{live_server.url}/resultaten/lb-2026/")
    bar = page.locator("#q-signalen .results-bar-fill").last
    bar_width = bar.bounding_box()["width"]
    track_width = page.locator("#q-signalen .results-bar-bg").last.bounding_box()[
        "width"
    ]
    page.goto(f"{live_server.url}/resultaten/lb-2026/signalen/")
    page.get_by_label("Kleine cellen k").fill("2")
    page.get_by_role("button", name="Toepassen").click()
    page.wait_for_url("**k=2**")
    woon_neen = page.locator("table.results-crosstab").first.locator(
        "tr", has_text="Neen"
    )

    # Neen is 5 of 11 besturen: the bar fills 45% of its track.
    assert bar_width / track_width == pytest.approx(5 / 11, abs=0.01)
    assert woon_neen.locator("td").first.inner_text() == "2 (100%)"
    assert not [m for m in messages if "Content Security Policy" in m]


def test_matrix_table_shows_every_column_at_1366_px(
    transactional_db, live_server, page
):
    from surveys.models import MatrixRow, Option

    clear_spec_cache()
    build_world()
    # The real instrument's labels, which pushed "Totaal" out of sight.
    MatrixRow.objects.filter(question__code="vormen", code="islam").update(
        label="Islamistisch/Salafi Jihadi extremisme"
    )
    for code, label in [
        ("toe", "Toegenomen ten opzichte van 2024"),
        ("stab", "Gestabiliseerd ten opzichte van 2024"),
        ("af", "Afgenomen ten opzichte van 2024"),
    ]:
        Option.objects.filter(question__code="vormen", code=code).update(label=label)
    clear_spec_cache()
    _login(page, live_server)
    page.set_viewport_size({"width": 1366, "height": 768})

    overflow = {}
    for url in ("/resultaten/lb-2026/", "/resultaten/lb-2026/vormen/"):
        page.goto(f"{live_server.url}{url}")
        box = page.locator(".col-lg-6 > .table-responsive").first
        overflow[url] = box.evaluate("el => el.scrollWidth - el.clientWidth")

    assert overflow == {"/resultaten/lb-2026/": 0, "/resultaten/lb-2026/vormen/": 0}
