"""Test mode: staff answer as a respondent; nothing counts, every page says TEST."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.urls import reverse

from responses.answering.claims import start_response
from responses.answering.coverage import covered_municipality_ids, response_rates
from responses.mailing.reminders import send_due_reminders
from responses.mailing.tokens import find_invitation
from responses.models import Campaign, Response, ResponseStatus
from responses.reporting.exports import export_rows
from responses.reporting.results.data import campaign_spec, load_directory, load_records
from tests.factories import make_contact, make_municipality, make_survey_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(client):
    user = User.objects.create_user(
        "tester", "tester@vvsg.test", "pw", is_staff=True, first_name="Tine"
    )
    for codename in ("view_campaign", "send_mailings"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return user


def test_test_link_shows_test_on_every_page_and_counts_nowhere(client, staff):
    campaign = make_survey_campaign(slug="echt")
    muni = make_municipality(name="Testgem")
    make_contact(municipality=muni)

    opened = client.post(
        reverse("responses:open-test", args=[campaign.slug]),
        {"municipality": muni.pk},
    )
    token = opened.url.rstrip("/").rsplit("/", 1)[-1]
    landing = client.get(opened.url).content.decode()
    invitation = find_invitation(raw_token=token)
    start_response(
        invitation=invitation,
        respondent_name="Tine",
        respondent_email=staff.email,
        respondent_function="Test",
        is_coordinator=False,
        extra_nis_codes=[],
    )
    Response.objects.filter(campaign=invitation.campaign).update(
        status=ResponseStatus.SUBMITTED
    )
    dashboard = client.get(reverse("responses:show-campaign", args=[campaign.slug]))
    tick = send_due_reminders()

    shadow = invitation.campaign
    assert shadow.test_of == campaign and shadow.mail_paused
    assert 'id="test-banner"' in landing and "TEST" in landing
    assert Response.objects.filter(campaign=shadow).count() == 1
    assert covered_municipality_ids(campaign=campaign) == set()
    assert response_rates(campaign=campaign).overall.submitted == 0
    assert len(list(export_rows(campaign=campaign))) == 1  # the header only
    records = load_records(
        campaign, directory=load_directory(), spec=campaign_spec(campaign)
    )
    assert records == []
    assert tick["campaigns"] == 1  # the real campaign only
    assert "Testantwoorden (1)" in dashboard.content.decode()
    assert list(client.get("/beheer/campagnes/").context["campaigns"]) == [campaign]


def test_reset_removes_test_answers_and_links_only(client, staff):
    campaign = make_survey_campaign(slug="echt2")
    muni = make_municipality()
    opened = client.post(
        reverse("responses:open-test", args=[campaign.slug]),
        {"municipality": muni.pk},
    )
    invitation = find_invitation(raw_token=opened.url.rstrip("/").rsplit("/", 1)[-1])
    start_response(
        invitation=invitation,
        respondent_name="Tine",
        respondent_email=staff.email,
        respondent_function="Test",
        is_coordinator=False,
        extra_nis_codes=[],
    )
    real = Response.objects.create(campaign=campaign)

    client.post(
        reverse("responses:change-campaign", args=[campaign.slug, "test-wissen"])
    )

    shadow = Campaign.objects.get(test_of=campaign)
    assert shadow.responses.count() == 0 and shadow.invitations.count() == 0
    assert list(Response.objects.filter(campaign=campaign)) == [real]
