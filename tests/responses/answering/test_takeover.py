"""The takeover attempt of issue 12: a plain invitation holder claiming other besturen.

Written before the fix, against the code that let any invitation holder tick
"coördinator" and cover every municipality that had not started.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from responses.answering.coverage import covered_municipality_ids, is_covered
from responses.models import Response, ResponseStatus
from tests.factories import make_municipality, make_respondent, make_survey_campaign

pytestmark = pytest.mark.django_db

FORM = {
    "respondent_name": "Kim Kaper",
    "respondent_email": "kim@kaper.be",
    "respondent_function": "Schepen",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _claim_as_coordinator(client, token, municipalities):
    return client.post(
        f"/b/{token}/besturen/",
        {
            **FORM,
            "is_coordinator": "on",
            "municipalities": [m.nis_code for m in municipalities],
        },
        follow=True,
    )


def test_invitation_holder_ticking_coordinator_covers_no_other_bestuur(client):
    campaign = make_survey_campaign()
    attacker, token = make_respondent(campaign=campaign)
    victims = [make_municipality(name=f"Slachtoffer {i}") for i in range(5)]

    _claim_as_coordinator(client, token, victims)
    attacker.refresh_from_db()
    Response.objects.filter(pk=attacker.response_id).update(
        status=ResponseStatus.SUBMITTED
    )

    covered = covered_municipality_ids(campaign=campaign)
    assert covered == {attacker.municipality_id}
    assert not any(is_covered(campaign=campaign, municipality_id=v.pk) for v in victims)


def test_mayor_opening_own_link_is_not_put_into_claimants_response(client):
    campaign = make_survey_campaign()
    _, attacker_token = make_respondent(campaign=campaign)
    victim = make_municipality(name="Opgeëist")
    mayor, mayor_token = make_respondent(
        campaign=campaign, municipality=victim, name="Burgemeester Echt"
    )
    _claim_as_coordinator(client, attacker_token, [victim])

    landing = client.get(f"/b/{mayor_token}/").content.decode()
    form_page = client.get(f"/b/{mayor_token}/besturen/").content.decode()
    client.post(
        f"/b/{mayor_token}/besturen/",
        {
            "respondent_name": "Burgemeester Echt",
            "respondent_email": "bm@opgeeist.be",
            "respondent_function": "Burgemeester",
        },
    )

    mayor.refresh_from_db()
    attacker_response = Response.objects.get(respondent_email="kim@kaper.be")
    assert "kim@kaper.be" not in landing + form_page
    assert mayor.response is not None
    assert mayor.response != attacker_response
    assert attacker_response.respondent_name == "Kim Kaper"
    assert mayor.response.respondent_email == "bm@opgeeist.be"


def test_unsubmitted_coordinator_response_covers_nothing(client):
    campaign = make_survey_campaign()
    _, token = make_respondent(campaign=campaign)
    served = make_municipality(name="Verlaten")

    _claim_as_coordinator(client, token, [served])

    assert covered_municipality_ids(campaign=campaign) == set()
