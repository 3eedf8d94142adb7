"""Stored XSS: respondent- and staff-supplied text is escaped wherever it is shown."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from responses.answering.answers import confirmation_context
from responses.mailing.rendering import mail_context, render_mail
from responses.models import ResponseStatus
from tests.factories import make_export_response, make_municipality
from tests.security.world import invite, open_campaign

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(1)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
RAW_MARKERS = ("<script>alert(1)", "<img src=x")


def _assert_safe(html: str, *, shown: bool = True, where: str = "") -> None:
    for marker in RAW_MARKERS:
        assert marker not in html, f"unescaped payload in {where}"
    if shown:
        assert ESCAPED in html, f"payload not shown (escaped) in {where}"


@pytest.fixture
def world(django_user_model, settings):
    settings.RESULTS_MIN_CELL = 1
    campaign = open_campaign(name=f"Bevraging {PAYLOAD}")
    town = make_municipality(name=f"Gemeente {PAYLOAD}")
    mayor = invite(campaign=campaign, municipality=town, name=f"Jan {PAYLOAD}")
    for _ in range(5):
        make_export_response(
            campaign=campaign,
            municipalities=[make_municipality()],
            answers={"q1": "ja", "q4": PAYLOAD, "q7": "ander"},
            others={"q7": PAYLOAD},
            status=ResponseStatus.SUBMITTED,
        )
    admin = django_user_model.objects.create_superuser("xss", "x@vvsg.test", "pw")
    return campaign, town, mayor, admin


def test_admin_escapes_names_and_answers(client, world):
    campaign, town, mayor, admin = world
    client.force_login(admin)
    pages = {
        "municipality list": reverse("admin:municipalities_municipality_changelist"),
        "municipality form": reverse(
            "admin:municipalities_municipality_change", args=[town.pk]
        ),
        "contact list": reverse("admin:municipalities_contact_changelist"),
        "contact form": reverse(
            "admin:municipalities_contact_change", args=[mayor.invitation.contact_id]
        ),
        "response list": reverse("admin:responses_response_changelist"),
        "response form": reverse(
            "admin:responses_response_change", args=[mayor.response.pk]
        ),
        "campaign list": reverse("admin:responses_campaign_changelist"),
        "campaign form": reverse("admin:responses_campaign_change", args=[campaign.pk]),
        "invitation list": reverse("admin:responses_invitation_changelist"),
        "invitation form": reverse(
            "admin:responses_invitation_change", args=[mayor.invitation.pk]
        ),
    }

    for where, url in pages.items():
        reply = client.get(url)
        assert reply.status_code == 200, where
        _assert_safe(reply.content.decode(), where=where)


def test_results_and_staff_pages_escape_answers_and_names(client, world):
    campaign, _, _, admin = world
    client.force_login(admin)
    pages = {
        "results list": reverse("responses:results-list"),
        "results overview": reverse("responses:results-overview", args=[campaign.slug]),
        "results text question": reverse(
            "responses:results-question", args=[campaign.slug, "q4"]
        ),
        "results other text": reverse(
            "responses:results-question", args=[campaign.slug, "q7"]
        ),
        "export form": reverse("responses:export-form", args=[campaign.slug]),
        "campaign list": reverse("responses:list-campaigns"),
        "campaign detail": reverse("responses:show-campaign", args=[campaign.slug]),
        "response rate": reverse("responses:show-response-rate", args=[campaign.slug]),
        "deliveries": reverse("responses:list-deliveries", args=[campaign.slug]),
    }

    html = {where: client.get(url).content.decode() for where, url in pages.items()}

    for where, content in html.items():
        _assert_safe(content, where=where)


def test_respondent_pages_escape_municipality_and_own_answers(client, world):
    _, _, mayor, _ = world
    client.post(mayor.url("vragen/b/opslaan/"), {"_question": "q4", "q-q4": PAYLOAD})

    for suffix in ("", "vragen/b/", "overzicht/", "doorsturen/"):
        _assert_safe(client.get(mayor.url(suffix)).content.decode(), where=suffix)


def test_html_mails_escape_names_and_answers(world):
    campaign, _, mayor, _ = world
    context = mail_context(
        campaign=campaign, invitation=mayor.invitation, link="https://x/"
    )
    _, _, invitation_html = render_mail(
        campaign=campaign, kind="invitation", context=context
    )
    mail_response = make_export_response(
        campaign=campaign,
        municipalities=[make_municipality(name=f"Stad {PAYLOAD}")],
        answers={"q1": "ja", "q4": PAYLOAD},
        respondent_name=f"Piet {PAYLOAD}",
    )
    confirmation = {**context, **confirmation_context(response=mail_response)}
    _, text, confirmation_html = render_mail(
        campaign=campaign, kind="confirmation", context=confirmation
    )

    _assert_safe(invitation_html, where="invitation mail")
    _assert_safe(confirmation_html, where="confirmation mail")
    assert PAYLOAD in text  # the plain-text part is not HTML and stays verbatim
    assert mail.outbox == []
