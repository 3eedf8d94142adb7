"""axe-core (WCAG 2.1 A/AA) on the staff and results pages at 1280 and 375 px.

The respondent pages have their own audit; these are the pages VVSG's own people
use during fieldwork and analysis. Zero violations, whatever their impact.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.a11y.axe import axe_violations
from tests.a11y.pages import build_pages

pytestmark = [pytest.mark.browser, pytest.mark.services]


def _login(page, live_server, user) -> None:
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


@pytest.mark.parametrize("width", [1280, 375])
def test_staff_and_results_pages_pass_axe_wcag_21_aa(
    transactional_db, live_server, page, width
):
    pages = build_pages()
    _login(page, live_server, pages.superuser)
    page.set_viewport_size({"width": width, "height": 900})
    found = {}

    for name, url in pages.staff + pages.results + pages.public:
        page.goto(f"{live_server.url}{url}")
        found[name] = axe_violations(page)

    assert len(found) >= 12
    assert {name: v for name, v in found.items() if v} == {}


def test_axe_runner_reports_a_violation(transactional_db, live_server, page):
    # Control: the vendored axe runs under the site's CSP and sees a real problem.
    page.goto(f"{live_server.url}/")
    page.evaluate(
        "() => { const i = document.createElement('input');"
        " document.querySelector('main').appendChild(i); }"
    )

    assert any(v.startswith("label ") for v in axe_violations(page))
