"""Staff coverage pages: decide claims, see double coverage, audit per bestuur."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from responses.answering.claims import start_response
from responses.answering.respondents import forward_invitation
from responses.models import CoverageEvent, ResponseMunicipality
from tests.factories import make_municipality, make_respondent, make_survey_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _claim(campaign, target):
    claimant, _ = make_respondent(campaign=campaign, name="Kim Claim")
    start_response(
        invitation=claimant,
        respondent_name="Kim Claim",
        respondent_email="kim@claim.be",
        respondent_function="Schepen",
        is_coordinator=True,
        extra_nis_codes=[target.nis_code],
    )
    return claimant


def test_staff_accept_a_claim_on_the_coverage_page(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    campaign = make_survey_campaign()
    target = make_municipality(name="Laakdal")
    claimant = _claim(campaign, target)
    claim = ResponseMunicipality.objects.get(municipality=target)

    page = admin_client.get(f"/beheer/dekking/{campaign.slug}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(
            f"/beheer/dekking/{campaign.slug}/aanvraag/{claim.pk}/",
            {"action": "accept"},
            follow=True,
        )
    again = admin_client.post(
        f"/beheer/dekking/{campaign.slug}/aanvraag/{claim.pk}/",
        {"action": "refuse"},
        follow=True,
    )

    assert "Laakdal" in page and "kim@claim.be" in page
    claim.refresh_from_db()
    assert claim.status == "accepted"
    assert "Aanvraag voor Laakdal bevestigd" in done.content.decode()
    assert "al behandeld" in again.content.decode()
    assert mailoutbox[-1].to == [claimant.email]
    assert CoverageEvent.objects.filter(municipality=target).count() == 2


def test_audit_page_lists_claim_forward_and_acceptance(admin_client):
    campaign = make_survey_campaign()
    target = make_municipality(name="Meerhout")
    mayor, _ = make_respondent(campaign=campaign, municipality=target)
    _claim(campaign, target)
    start_response(
        invitation=mayor,
        respondent_name=mayor.name,
        respondent_email=mayor.email,
        respondent_function="Burgemeester",
        is_coordinator=False,
        extra_nis_codes=[],
    )
    forward_invitation(invitation=mayor, name="Sam", email="sam@meerhout.be")

    redirect = admin_client.get(f"/beheer/dekking/{campaign.slug}/?gemeente=")
    page = admin_client.get(
        f"/beheer/dekking/{campaign.slug}/?gemeente={target.nis_code}", follow=True
    ).content.decode()

    assert redirect.status_code == 200  # empty choice: just the overview
    for text in (
        "Aanvraag om te antwoorden",
        "Eigen bestuur gestart",
        "Aanvraag geweigerd",
        "Doorgestuurd naar collega",
        "naar Sam &lt;sam@meerhout.be&gt;",
        "Kim Claim",
    ):
        assert text in page


def test_coverage_pages_need_permission(client, django_user_model):
    campaign = make_survey_campaign()
    user = django_user_model.objects.create_user("staff", is_staff=True)
    client.force_login(user)

    page = client.get(f"/beheer/dekking/{campaign.slug}/")

    assert page.status_code == 403
    assert "Dekking" not in page.content.decode()
