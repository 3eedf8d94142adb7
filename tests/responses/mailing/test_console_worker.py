"""The console with a real worker on Redis, a real SMTP server and a real browser.

The SMTP sink holds every conversation at RCPT until released: a view that sent
mail inside the request would hang there, so a page that answers while the sink
has received nothing proves the send happens in the worker.
"""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from municipalities.models import ContactRole
from responses.models import Delivery, DeliveryKind, DeliveryStatus, Invitation
from tests.factories import (
    make_campaign,
    make_contact,
    make_invitation,
    make_municipality,
)

pytestmark = pytest.mark.services


def _sender_client() -> Client:
    user = User.objects.create_user("fieldwork", password="x", is_staff=True)
    for codename in ("view_campaign", "send_mailings"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client


def _invited_world(n: int):
    """n municipalities whose mayor got the invitation; each also has staff."""
    campaign = make_campaign(slug="veldwerk")
    for i in range(n):
        muni = make_municipality(name=f"Gemeente {i:02d}")
        invitation = make_invitation(
            campaign=campaign, contact=make_contact(municipality=muni)
        )
        Delivery.objects.create(
            campaign=campaign,
            invitation=invitation,
            kind=DeliveryKind.INVITATION,
            email=invitation.email,
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
        )
        make_contact(municipality=muni, role=ContactRole.STAFF)
    return campaign


def _wait_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_no_view_sends_mail_inside_the_request(
    smtp_sink, celery_worker_process, celery_broker
):
    campaign = make_campaign(slug="uitnodigen")
    mayors = [make_contact(municipality=make_municipality()) for _ in range(3)]
    client = _sender_client()
    smtp_sink.hold_after = 0  # every SMTP conversation waits at RCPT

    started = time.monotonic()
    invitations = client.post(
        reverse("responses:send-invitations", args=[campaign.slug])
    )
    test_mail = client.post(
        reverse("responses:send-test-mail", args=[campaign.slug]),
        {"email": "ik@vvsg.test", "kind": "invitation"},
    )
    elapsed = time.monotonic() - started
    received_during_requests = len(smtp_sink.messages)
    # The worker has started talking to the server and sits at RCPT.
    assert _wait_until(lambda: smtp_sink.waiting >= 1)
    smtp_sink.release()

    assert (invitations.status_code, test_mail.status_code) == (302, 302)
    assert received_during_requests == 0
    assert elapsed < 5
    assert _wait_until(
        lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 4
    )
    assert sorted(smtp_sink.recipients()) == sorted(
        [m.email for m in mayors] + ["ik@vvsg.test"]
    )


@pytest.mark.browser
def test_reminder_preview_confirm_and_live_progress_in_the_browser(
    smtp_sink, celery_worker_process, celery_broker, live_server, page
):
    campaign = _invited_world(3)
    client = _sender_client()
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
    smtp_sink.hold_after = 0

    page.goto(f"{live_server.url}/beheer/campagnes/{campaign.slug}/")
    page.get_by_role("link", name="Herinnering versturen…").click()
    page.get_by_label("Medewerkers (per rol)").check()
    page.get_by_role("button", name="Voorbeeld tonen").click()
    total = page.locator("#plan-total").inner_text()
    sample_subject = page.locator("#sample-mail").inner_text()
    page.screenshot(path="/tmp/console-preview.png", full_page=True)
    page.get_by_role("button", name="Ja, verstuur 6 mails").click()
    page.wait_for_url(f"**/beheer/campagnes/{campaign.slug}/")
    flash = page.locator(".alert-success").inner_text()
    queued_cell = page.locator("#delivery-counts tr", has_text="Herinnering")
    queued_cell.locator('[data-status="queued"]').wait_for()
    smtp_sink.release()
    # No reload: htmx swaps the progress block in until every mail is sent.
    page.locator(
        '#delivery-counts tr:has-text("Herinnering") [data-status="sent"]',
        has_text="3",
    ).wait_for(timeout=30_000)
    page.locator(
        '#delivery-counts tr:has-text("Uitnodiging") [data-status="sent"]',
        has_text="6",
    ).wait_for(timeout=30_000)
    page.screenshot(path="/tmp/console-progress.png", full_page=True)

    assert total == "6"
    assert "Herinnering" in sample_subject
    assert "6 mails naar 3 gemeenten" in flash
    staff_emails = set(
        Invitation.objects.filter(kind="staff").values_list("email", flat=True)
    )
    assert len(staff_emails) == 3
    sent = Delivery.objects.filter(status=DeliveryStatus.SENT, email__in=staff_emails)
    assert set(sent.values_list("kind", flat=True)) == {DeliveryKind.INVITATION}
    assert not csp_errors
