"""Staff: no export without export_responses, no results without view_results."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from responses.models import ExportLog, ResponseStatus
from tests.factories import make_export_response, make_municipality
from tests.security.world import invite, open_campaign

pytestmark = pytest.mark.django_db

SECRET = "vertrouwelijk-antwoord-42"


@pytest.fixture
def campaign():
    campaign = open_campaign()
    for _ in range(5):
        make_export_response(
            campaign=campaign,
            municipalities=[make_municipality()],
            answers={"q1": "ja", "q4": SECRET},
            status=ResponseStatus.SUBMITTED,
        )
    return campaign


def _staff(django_user_model, *codenames):
    user = django_user_model.objects.create_user(
        f"staff-{'-'.join(codenames) or 'none'}", password="x", is_staff=True
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def _export_urls(campaign):
    return [
        reverse("responses:export-form", args=[campaign.slug]),
        reverse("responses:download-export", args=[campaign.slug]) + "?format=csv",
        reverse("responses:download-export", args=[campaign.slug]) + "?format=xlsx",
    ]


def _results_urls(campaign):
    return [
        reverse("responses:results-list"),
        reverse("responses:results-overview", args=[campaign.slug]),
        reverse("responses:results-question", args=[campaign.slug, "q4"]),
        reverse("responses:results-xlsx", args=[campaign.slug]),
    ]


def _body(reply) -> bytes:
    if reply.streaming:
        return b"".join(reply.streaming_content)
    return reply.content


def test_staff_without_export_permission_gets_no_export_and_no_log(
    client, django_user_model, campaign, settings
):
    settings.RESULTS_MIN_CELL = 1
    client.force_login(_staff(django_user_model, "view_results", "view_response"))

    replies = [client.get(url) for url in _export_urls(campaign)]

    assert [r.status_code for r in replies] == [403, 403, 403]
    assert all(SECRET.encode() not in _body(r) for r in replies)
    assert ExportLog.objects.count() == 0


def test_staff_without_results_permission_sees_no_results(
    client, django_user_model, campaign, settings
):
    settings.RESULTS_MIN_CELL = 1
    client.force_login(_staff(django_user_model, "export_responses"))

    replies = [client.get(url) for url in _results_urls(campaign)]

    assert [r.status_code for r in replies] == [403] * 4
    assert all(SECRET.encode() not in _body(r) for r in replies)
    assert ExportLog.objects.count() == 0


def _staff_urls(campaign):
    return [
        reverse("responses:list-campaigns"),
        reverse("responses:show-campaign", args=[campaign.slug]),
        reverse("responses:show-response-rate", args=[campaign.slug]),
        reverse("responses:list-deliveries", args=[campaign.slug]),
        reverse("admin:index"),
    ]


def test_anonymous_and_respondents_get_no_staff_data(client, campaign):
    # A respondent is anonymous to Django auth: the link grants no session rights.
    mayor = invite(campaign=campaign)
    assert client.get(mayor.url()).status_code == 200
    urls = _export_urls(campaign) + _results_urls(campaign) + _staff_urls(campaign)
    replies = [client.get(url) for url in urls]

    assert all(r.status_code in (302, 403) for r in replies), [
        (u, r.status_code) for u, r in zip(urls, replies, strict=True)
    ]
    assert all(
        r.status_code == 403 or "/login/" in r.headers["Location"] for r in replies
    )
    assert all(SECRET.encode() not in _body(r) for r in replies)
    assert ExportLog.objects.count() == 0


def test_permitted_staff_get_export_and_log_as_control(
    client, django_user_model, campaign
):
    client.force_login(_staff(django_user_model, "export_responses"))

    reply = client.get(_export_urls(campaign)[1])

    assert SECRET.encode() in _body(reply)
    assert ExportLog.objects.get().rows == 5


def test_staff_without_view_campaign_sees_no_recipient_addresses(
    client, campaign, django_user_model
):
    mayor = invite(campaign=campaign)
    client.force_login(_staff(django_user_model))
    urls = _staff_urls(campaign)[:-1]  # the admin index is guarded by the admin itself

    replies = [client.get(url) for url in urls]

    assert [r.status_code for r in replies] == [403] * len(urls)
    assert all(mayor.invitation.email.encode() not in r.content for r in replies)

    client.force_login(_staff(django_user_model, "view_campaign"))
    missing = invite(campaign=campaign, start=False)
    shown = client.get(reverse("responses:show-response-rate", args=[campaign.slug]))
    assert missing.invitation.municipality.name in shown.content.decode()
