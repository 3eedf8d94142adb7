"""Respondent pages through the Django test client: link states, landing, besturen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from responses.mailing.tokens import revoke_invitation
from responses.models import (
    CampaignStatus,
    Invitation,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)
from tests.factories import (
    make_covering_response,
    make_municipality,
    make_respondent,
    make_started_response,
    make_survey_campaign,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_landing_shows_purpose_definitions_deadline_and_records_open(client):
    invitation, token = make_respondent()

    page = client.get(f"/b/{token}/")

    html = page.content.decode()
    invitation.refresh_from_db()
    assert page.status_code == 200
    assert "Ledenbevraging radicalisering en polarisatie" in html
    assert "Begrippenkader" in html and "Een doorgedreven wij-zij denken." in html
    assert "Privacyverklaring" in html
    assert "Start de vragenlijst" in html
    assert invitation.first_opened_at is not None
    assert invitation.last_opened_at is not None
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_second_open_keeps_first_opened_at(client):
    invitation, token = make_respondent()
    client.get(f"/b/{token}/")
    invitation.refresh_from_db()
    first = invitation.first_opened_at

    client.get(f"/b/{token}/")

    invitation.refresh_from_db()
    assert invitation.first_opened_at == first
    assert invitation.last_opened_at >= first


def test_unknown_token_shows_plain_dutch_page(client):
    page = client.get("/b/dit-is-geen-geldige-link/")

    assert page.status_code == 404
    assert "Deze link is onbekend" in page.content.decode()


def test_revoked_token_says_link_no_longer_valid(client):
    invitation, token = make_respondent()
    revoke_invitation(invitation=invitation)

    page = client.get(f"/b/{token}/")

    assert page.status_code == 410
    assert "Deze link is niet meer geldig" in page.content.decode()


def test_failed_lookups_are_rate_limited_per_ip(client, settings):
    settings.TOKEN_RATE_LIMIT = 3
    for i in range(3):
        client.get(f"/b/fout-{i}/", REMOTE_ADDR="203.0.113.1")
    invitation, token = make_respondent()

    blocked = client.get("/b/fout-3/", REMOTE_ADDR="203.0.113.1")
    valid_same_ip = client.get(f"/b/{token}/", REMOTE_ADDR="203.0.113.1")
    other_ip = client.get("/b/fout-4/", REMOTE_ADDR="203.0.113.2")

    assert blocked.status_code == 429
    assert "Te veel pogingen" in blocked.content.decode()
    assert valid_same_ip.status_code == 200
    assert other_ip.status_code == 404


def test_closed_campaign_shows_deadline_and_contact(client):
    campaign = make_survey_campaign(
        opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(days=1),
        reply_to="bevraging@vvsg.be",
    )
    invitation, token = make_respondent(campaign=campaign)

    page = client.get(f"/b/{token}/")
    post = client.post(f"/b/{token}/besturen/", {"respondent_name": "X"})

    html = page.content.decode()
    assert page.status_code == 403
    assert "De bevraging is afgesloten" in html
    assert "bevraging@vvsg.be" in html
    assert post.status_code == 403
    assert Response.objects.count() == 0


def test_campaign_not_open_yet_shows_opening_date(client):
    campaign = make_survey_campaign(status=CampaignStatus.DRAFT)
    _, token = make_respondent(campaign=campaign)

    page = client.get(f"/b/{token}/")

    assert page.status_code == 403
    assert "nog niet geopend" in page.content.decode()


def test_choose_besturen_creates_response_for_own_municipality(client):
    invitation, token = make_respondent()

    page = client.post(
        f"/b/{token}/besturen/",
        {
            "respondent_name": "An Peeters",
            "respondent_email": "an@gemeente.be",
            "respondent_function": "Burgemeester",
        },
    )

    invitation.refresh_from_db()
    response = invitation.response
    assert page.status_code == 302
    assert page.headers["Location"] == f"/b/{token}/vragen/radicalisering/"
    assert response.status == ResponseStatus.STARTED
    assert response.respondent_email == "an@gemeente.be"
    assert list(response.represented.values_list("municipality", flat=True)) == [
        invitation.municipality_id
    ]


def test_claiming_a_covered_bestuur_changes_nothing_and_others_become_claims(client):
    campaign = make_survey_campaign()
    invitation, token = make_respondent(campaign=campaign)
    second, third, taken = (
        make_municipality(name=n) for n in ("Bree", "Peer", "Hamont")
    )
    other = make_covering_response(campaign=campaign, municipalities=[taken])
    data = {
        "respondent_name": "Coördinator",
        "respondent_email": "coord@ig.be",
        "respondent_function": "IGS-coördinator",
        "is_coordinator": "on",
    }

    form = client.get(f"/b/{token}/besturen/").content.decode()
    refused = client.post(
        f"/b/{token}/besturen/",
        {**data, "municipalities": [second.nis_code, third.nis_code, taken.nis_code]},
    )
    invitation.refresh_from_db()
    assert "al vertegenwoordigd door een andere respondent" in form
    assert "Voor Hamont antwoordt al een ander bestuur" in refused.content.decode()
    assert invitation.response is None
    assert Response.objects.count() == 1

    page = client.post(
        f"/b/{token}/besturen/",
        {**data, "municipalities": [second.nis_code, third.nis_code]},
        follow=True,
    )

    invitation.refresh_from_db()
    rows = dict(
        invitation.response.represented.values_list("municipality__name", "status")
    )
    assert rows == {
        invitation.municipality.name: "own",
        "Bree": "pending",
        "Peer": "pending",
    }
    assert invitation.response.is_coordinator is True
    assert ResponseMunicipality.objects.get(municipality=taken).response == other
    assert "Voor Bree, Peer vroegen we bevestiging" in page.content.decode()


def test_tampered_municipality_code_is_refused(client):
    invitation, token = make_respondent()

    page = client.post(
        f"/b/{token}/besturen/",
        {
            "respondent_name": "X",
            "respondent_email": "x@y.be",
            "respondent_function": "B",
            "is_coordinator": "on",
            "municipalities": ["99999", "<script>"],
        },
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "geen bestaande gemeente" in html
    assert 'id="error-summary"' in html
    assert Response.objects.count() == 0


def test_colleague_of_same_bestuur_joins_existing_response(client):
    mayor, _ = make_started_response()
    colleague, token = make_respondent(
        campaign=mayor.campaign, municipality=mayor.municipality
    )

    client.post(
        f"/b/{token}/besturen/",
        {
            "respondent_name": "Jo",
            "respondent_email": "jo@gemeente.be",
            "respondent_function": "Preventie",
        },
    )

    colleague.refresh_from_db()
    assert colleague.response == mayor.response
    assert Response.objects.count() == 1


def test_forward_creates_invitation_on_same_response_and_queues_mail(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    mayor, token = make_started_response()

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            f"/b/{token}/doorsturen/",
            {"name": "Sam Collega", "email": "sam@gemeente.be", "function": "LIVC R"},
            follow=True,
        )

    forwarded = Invitation.objects.get(email="sam@gemeente.be")
    assert forwarded.kind == "forward"
    assert forwarded.forwarded_by == mayor
    assert forwarded.response == mayor.response
    assert forwarded.municipality == mayor.municipality
    assert forwarded.token_hash != mayor.token_hash
    delivery = forwarded.deliveries.get()
    assert delivery.kind == "forward"
    assert "Sam Collega (sam@gemeente.be)" in page.content.decode()
    assert [m.to for m in mailoutbox] == [["sam@gemeente.be"]]
    assert mayor.name in mailoutbox[0].subject
    assert "/b/" in mailoutbox[0].body


def test_colleague_joining_keeps_coordinator_besturen(client):
    campaign = make_survey_campaign()
    coordinator, token = make_respondent(campaign=campaign)
    extra = make_municipality(name="Bocholt")
    client.post(
        f"/b/{token}/besturen/",
        {
            "respondent_name": "Coördinator",
            "respondent_email": "coord@ig.be",
            "respondent_function": "IGS",
            "is_coordinator": "on",
            "municipalities": [extra.nis_code],
        },
    )
    colleague, colleague_token = make_respondent(
        campaign=campaign, municipality=coordinator.municipality
    )

    client.post(
        f"/b/{colleague_token}/besturen/",
        {
            "respondent_name": "Jo",
            "respondent_email": "jo@gemeente.be",
            "respondent_function": "Preventie",
        },
    )

    coordinator.refresh_from_db()
    response = coordinator.response
    assert set(response.represented.values_list("municipality__name", flat=True)) == {
        coordinator.municipality.name,
        "Bocholt",
    }
    assert (response.respondent_name, response.is_coordinator) == ("Coördinator", True)


def test_unticking_coordinator_releases_extra_besturen(client):
    campaign = make_survey_campaign()
    coordinator, token = make_respondent(campaign=campaign)
    extra = make_municipality(name="Kinrooi")
    data = {
        "respondent_name": "Coördinator",
        "respondent_email": "coord@ig.be",
        "respondent_function": "IGS",
    }
    client.post(
        f"/b/{token}/besturen/",
        {**data, "is_coordinator": "on", "municipalities": [extra.nis_code]},
    )

    page = client.post(f"/b/{token}/besturen/", data, follow=True)

    coordinator.refresh_from_db()
    assert list(
        coordinator.response.represented.values_list("municipality", flat=True)
    ) == [coordinator.municipality_id]
    assert coordinator.response.is_coordinator is False
    assert "Kinrooi werd verwijderd uit uw besturen." in page.content.decode()


def test_error_pages_never_write_the_token_to_the_log(client, caplog):
    campaign = make_survey_campaign(status=CampaignStatus.PAUSED)
    invitation, token = make_respondent(campaign=campaign)
    revoked, revoked_token = make_respondent()
    revoke_invitation(invitation=revoked)

    with caplog.at_level("DEBUG"):
        paused = client.get(f"/b/{token}/")
        gone = client.get(f"/b/{revoked_token}/")
        missing = client.get(f"/b/{token}/vragen/bestaat-niet/")
        bad_save = client.post(f"/b/{token}/vragen/polarisatie/opslaan/")
        _, open_token = make_started_response()
        unknown_section = client.get(f"/b/{open_token}/vragen/bestaat-niet/")

    assert [paused.status_code, gone.status_code, missing.status_code] == [
        403,
        410,
        403,
    ]
    assert bad_save.status_code == 403
    assert token not in caplog.text
    assert revoked_token not in caplog.text
    assert unknown_section.status_code == 404
    assert "Deze pagina bestaat niet" in unknown_section.content.decode()
    assert open_token not in caplog.text
