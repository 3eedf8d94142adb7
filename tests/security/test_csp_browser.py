"""A real browser loads the respondent pages and the results page: no CSP violation.

Chromium reports every blocked inline script/style, eval or foreign source on the
console ("Refused to ... because it violates the following Content Security Policy
directive"), so an empty list of such messages means the pages work under the CSP.
"""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from responses.models import Answer, ResponseStatus
from tests.factories import make_export_response, make_municipality
from tests.security.world import invite, open_campaign

pytestmark = [pytest.mark.browser, pytest.mark.services]


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if "Content Security Policy" in msg.text
            or (
                msg.type == "error"
                and not msg.text.startswith("Failed to load resource")
            )
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on(
        "response",
        lambda reply: (
            problems.append(f"{reply.status} {reply.url}")
            if reply.status >= 400
            else None
        ),
    )
    return problems


def test_respondent_pages_raise_no_csp_violation(transactional_db, live_server, page):
    mayor = invite(campaign=open_campaign())
    problems = _watch(page)

    for suffix in ("", "besturen/", "vragen/a/", "overzicht/", "doorsturen/"):
        page.goto(live_server.url + mayor.url(suffix))
        page.wait_for_load_state("networkidle")
    page.goto(live_server.url + mayor.url("vragen/b/"))
    page.fill("textarea[name='q-q4']", "via de browser bewaard")
    page.locator("textarea[name='q-q4']").blur()
    # wait_for_function would eval a string in the page, which this CSP forbids.
    expect(page.locator("#fb-q4")).not_to_be_empty()
    page.wait_for_load_state("networkidle")

    assert problems == []
    answer = Answer.objects.get(response=mayor.response, question__code="q4")
    assert answer.value == "via de browser bewaard"


def test_results_staff_and_admin_pages_raise_no_csp_violation(
    transactional_db, live_server, page, django_user_model, settings
):
    settings.RESULTS_MIN_CELL = 1
    campaign = open_campaign()
    for i in range(6):
        make_export_response(
            campaign=campaign,
            municipalities=[make_municipality()],
            answers={"q1": "ja" if i % 2 else "nee", "q3": {"r1": "2"}, "q5": i},
            status=ResponseStatus.SUBMITTED,
        )
    user = django_user_model.objects.create_superuser("csp", "csp@vvsg.test", "pw")
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
    problems = _watch(page)

    reply = page.goto(f"{live_server.url}/resultaten/{campaign.slug}/")
    page.wait_for_load_state("networkidle")
    overview = page.content()
    statuses = [reply.status]
    for path in (
        f"/resultaten/{campaign.slug}/q1/",
        f"/beheer/campagnes/{campaign.slug}/",
        f"/beheer/campagnes/{campaign.slug}/respons/",
        "/admin/responses/response/",
    ):
        statuses.append(page.goto(live_server.url + path).status)
        page.wait_for_load_state("networkidle")

    assert statuses == [200] * 5
    assert campaign.name in overview
    assert problems == []
