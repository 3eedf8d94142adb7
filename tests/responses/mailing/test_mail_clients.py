"""Mails as mail clients read them: headers, subjects, full HTML, unsubscribe."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responses.mailing.outbox import queue_mail
from responses.mailing.sending import build_message
from responses.mailing.tokens import find_invitation, link_for
from responses.mailing.unsubscribe import unsubscribe_url
from responses.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    EmailTemplate,
    Invitation,
)
from tests.factories import make_campaign, make_invitation, make_municipality
from tests.responses.mailing.mail_kinds import KINDS, build_kind

pytestmark = pytest.mark.django_db

CAMPAIGN_KINDS = ("invitation", "reminder_not_started", "reminder_partial")
AUTOMATIC_KINDS = ("forward", "confirmation", "test")
# The longest names among the 285 (municipalities/data/vlaamse_gemeenten_285_draft.csv).
LONG_NAMES = (
    "Beveren-Kruibeke-Zwijndrecht",
    "Langemark-Poelkapelle",
    "Scherpenheuvel-Zichem",
    "Sint-Pieters-Leeuw",
)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://enquete.vvsg.be"
    settings.MAIL_REPLY_TO = "radicalisering@vvsg.be"
    settings.MAIL_MESSAGE_ID_DOMAIN = ""


def parsed(message):
    return BytesParser(policy=policy.default).parsebytes(message.message().as_bytes())


def raw_header_lines(message) -> list[str]:
    head = message.message().as_bytes().split(b"\n\n", 1)[0].decode("ascii")
    return head.split("\n")


@pytest.mark.parametrize("kind", CAMPAIGN_KINDS)
def test_campaign_mailings_carry_one_click_list_unsubscribe(kind):
    delivery, message = build_kind(kind)

    msg = parsed(message)

    url = unsubscribe_url(delivery.invitation)
    assert url.startswith("https://enquete.vvsg.be/afmelden/")
    # Leading white space is folding, not value (RFC 5322 unfolding).
    assert msg["List-Unsubscribe"].strip() == (
        f"<{url}>, <mailto:radicalisering@vvsg.be?subject=afmelden%20"
        f"{delivery.invitation.pk}>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Readable as is by clients: not hidden in an RFC 2047 encoded word.
    assert not any("=?" in line for line in raw_header_lines(message))
    assert msg["Reply-To"] == "radicalisering@vvsg.be"
    assert msg["Auto-Submitted"] is None


@pytest.mark.parametrize("kind", AUTOMATIC_KINDS)
def test_automatic_mails_are_auto_submitted_without_unsubscribe(kind):
    _, message = build_kind(kind)

    msg = parsed(message)

    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["List-Unsubscribe"] is None
    assert msg["Reply-To"] == "radicalisering@vvsg.be"


def test_message_id_domain_is_site_host_or_setting(settings):
    delivery, message = build_kind("invitation")
    slug = delivery.campaign.slug
    assert parsed(message)["Message-ID"] == (
        f"<delivery-{delivery.pk}.{slug}@enquete.vvsg.be>"
    )

    settings.MAIL_MESSAGE_ID_DOMAIN = "mail.vvsg.be"
    delivery, message = build_kind("invitation")

    assert parsed(message)["Message-ID"].endswith(
        f".{delivery.campaign.slug}@mail.vvsg.be>"
    )


@pytest.mark.parametrize("name", LONG_NAMES)
@pytest.mark.parametrize("kind", KINDS)
def test_subject_survives_folding_for_longest_names(kind, name):
    delivery, message = build_kind(kind, municipality_name=name)

    msg = parsed(message)

    assert msg["Subject"] == message.subject
    assert "\n" not in message.subject
    if kind in CAMPAIGN_KINDS:
        assert name in msg["Subject"]
    lines = raw_header_lines(message)
    assert all(len(line) <= 78 for line in lines)
    subject_line = next(line for line in lines if line.startswith("Subject:"))
    assert subject_line.strip() != "Subject:"  # never folded right after the name


@pytest.mark.parametrize("kind", KINDS)
def test_html_part_is_a_full_document_with_inlined_styles(kind):
    _, message = build_kind(kind)

    html = message.alternatives[0].content

    assert html.startswith('<!DOCTYPE html><html lang="nl-BE"><head>')
    assert '<meta charset="utf-8">' in html
    assert "<title>" in html and "</title>" in html
    assert "<style" not in html
    assert "font-family: Arial, Helvetica, sans-serif" in html
    assert "Vereniging van Vlaamse Steden en Gemeenten" in html


def test_text_only_campaign_template_still_gets_an_html_document():
    campaign = make_campaign()
    EmailTemplate.objects.create(
        campaign=campaign,
        kind="invitation",
        subject="S",
        body_text="Dag {{ name }}: {{ link }}",
    )
    invitation = make_invitation(campaign=campaign)
    delivery = Delivery.objects.create(
        campaign=campaign,
        invitation=invitation,
        email=invitation.email,
        kind=DeliveryKind.INVITATION,
    )

    html = build_message(delivery, now=timezone.now()).alternatives[0].content

    assert html.startswith("<!DOCTYPE html>")
    assert f'<a href="{link_for(invitation)}"' in html


def test_confirmation_is_short_and_links_to_the_review_page():
    delivery, message = build_kind("confirmation")

    html = message.alternatives[0].content
    raw = link_for(delivery.invitation).rsplit("/b/", 1)[1].strip("/")
    review = "https://enquete.vvsg.be" + reverse(
        "responses:review-response", kwargs={"token": raw}
    )

    assert f'<a href="{review}"' in html
    assert review in message.body
    assert "Kopie van uw antwoorden" not in message.body
    assert len(message.body.splitlines()) < 20


def test_one_click_post_stops_reminders_but_not_the_link(
    django_capture_on_commit_callbacks,
):
    campaign = make_campaign()
    other_campaign = make_campaign()
    invitation = make_invitation(campaign=campaign)
    second = make_invitation(
        campaign=campaign,
        contact=invitation.contact,
        municipality=make_municipality(),
    )
    elsewhere = make_invitation(campaign=other_campaign, contact=invitation.contact)
    url = unsubscribe_url(invitation)
    csrf_client = Client(enforce_csrf_checks=True)

    page = csrf_client.get(url)
    assert Invitation.objects.get(pk=invitation.pk).unsubscribed_at is None
    assert "Geen herinneringen meer" in page.content.decode()

    response = csrf_client.post(
        url,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "U ontvangt geen herinneringen meer" in response.content.decode()
    rows = dict(Invitation.objects.values_list("pk", "unsubscribed_at"))
    assert rows[invitation.pk] is not None
    assert rows[second.pk] is not None  # same address, same campaign
    assert rows[elsewhere.pk] is None  # another campaign keeps its reminders
    assert find_invitation(raw_token=link_for(invitation).rsplit("/b/")[1][:-1])

    with django_capture_on_commit_callbacks(execute=True):
        reminder = queue_mail(
            campaign=campaign,
            kind=DeliveryKind.REMINDER,
            email=invitation.email,
            invitation=invitation,
            round=1,
            stream="not_started",
        )
        invite = queue_mail(
            campaign=campaign,
            kind=DeliveryKind.INVITATION,
            email=invitation.email,
            invitation=invitation,
        )

    reminder.refresh_from_db()
    invite.refresh_from_db()
    assert reminder.status == DeliveryStatus.SKIPPED
    assert reminder.last_error == "afgemeld voor herinneringen"
    assert invite.status == DeliveryStatus.SENT
    assert [m.to for m in mail.outbox] == [[invitation.email]]
    assert link_for(invitation) in mail.outbox[0].body


def test_unsubscribe_refuses_a_forged_token_in_dutch():
    invitation = make_invitation()
    forged = unsubscribe_url(invitation)[:-3] + "xx/"

    response = Client().post(forged, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 404
    assert "Deze afmeldlink is niet geldig" in response.content.decode()
    assert Invitation.objects.get(pk=invitation.pk).unsubscribed_at is None


def test_staff_delivery_list_shows_unsubscribed_contacts(client):
    invitation = make_invitation()
    Client().post(unsubscribe_url(invitation))
    Delivery.objects.create(
        campaign=invitation.campaign,
        invitation=invitation,
        email=invitation.email,
        kind=DeliveryKind.INVITATION,
    )
    user = User.objects.create_user("staff", "s@vvsg.test", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(user)

    page = client.get(
        reverse("responses:list-deliveries", args=[invitation.campaign.slug])
    ).content.decode()

    assert "afgemeld voor herinneringen" in page
