"""The participant table in a real browser: filter, expand, act, export link."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from responses.models import Delivery, DeliveryKind, DeliveryStatus
from tests.factories import (
    make_campaign,
    make_contact,
    make_invitation,
    make_municipality,
    make_province,
)

pytestmark = [pytest.mark.browser, pytest.mark.services]


def test_participant_table_filter_expand_and_personal_reminder(
    transactional_db, live_server, page
):
    campaign = make_campaign(slug="deelnemers")
    limburg = make_province(nis_code="70000", name="Limburg")
    antwerpen = make_province(nis_code="10000", name="Antwerpen")
    for i, province in enumerate([limburg, antwerpen, limburg]):
        muni = make_municipality(name=f"Gemeente {i}", province=province)
        invitation = make_invitation(
            campaign=campaign,
            contact=make_contact(municipality=muni, name=f"Burgemeester {i}"),
        )
        Delivery.objects.create(
            campaign=campaign,
            invitation=invitation,
            kind=DeliveryKind.INVITATION,
            email=invitation.email,
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
        )
    user = User.objects.create_user("veldwerk", password="x", is_staff=True)
    for codename in ("view_campaign", "send_mailings"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
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
    csp_errors = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text),
    )

    page.goto(f"{live_server.url}/beheer/campagnes/{campaign.slug}/")
    page.get_by_role("link", name="Deelnemers").click()
    page.get_by_label("Provincie").select_option(label="Limburg")
    page.get_by_role("button", name="Filteren").click()
    rows = page.locator("#participants tbody tr")
    names = rows.locator("summary").all_inner_texts()
    page.get_by_text("Gemeente 2").click()
    page.get_by_role("button", name="Persoonlijke herinnering").click()
    flash = page.locator(".alert-success").inner_text()
    still_filtered = page.locator("#participants tbody tr summary").all_inner_texts()
    export_href = page.locator("#export-csv").get_attribute("href")
    page.get_by_text("Gemeente 2").click()
    page.screenshot(path="/tmp/console-participants.png", full_page=True)

    assert names == ["Gemeente 0", "Gemeente 2"]
    assert "Persoonlijke mail in de wachtrij" in flash
    assert still_filtered == ["Gemeente 0", "Gemeente 2"]
    assert f"provincie={limburg.pk}" in export_href
    reminder = Delivery.objects.get(kind=DeliveryKind.REMINDER)
    assert reminder.invitation.municipality.name == "Gemeente 2"
    assert not csp_errors
