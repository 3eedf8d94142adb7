"""Claims both ways: authorised, pending -> accepted/refused, take-back, doubles.

Outcomes are rows, audit events and mails from the outbox (eager Celery).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from municipalities.models import ContactRole
from responses.answering.claims import (
    ClaimRefused,
    decide_claim,
    resolve_double_coverage,
    start_response,
)
from responses.answering.coverage import (
    counting,
    covered_municipality_ids,
    double_coverage,
)
from responses.models import (
    CoverageEvent,
    InvitationKind,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)
from tests.factories import (
    make_contact,
    make_invitation,
    make_municipality,
    make_respondent,
    make_survey_campaign,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def make_coordinator(*, campaign, serves, organisation="IGS Kempen"):
    """(invitation, token) of a coordinator contact serving `serves`."""
    from responses.mailing.tokens import raw_token_for

    contact = make_contact(
        role=ContactRole.COORDINATOR,
        organisation=organisation,
        name="Cas Coördinator",
        email="cas@igs-kempen.be",
    )
    contact.serves.set(serves)
    invitation = make_invitation(
        campaign=campaign, contact=contact, kind=InvitationKind.COORDINATOR
    )
    return invitation, raw_token_for(invitation)


def start(invitation, codes=(), coordinator=True):
    return start_response(
        invitation=invitation,
        respondent_name="Cas Coördinator" if coordinator else invitation.name,
        respondent_email=invitation.email,
        respondent_function="IGS-coördinator" if coordinator else "Burgemeester",
        is_coordinator=coordinator,
        extra_nis_codes=list(codes),
    )


def submit(response):
    Response.objects.filter(pk=response.pk).update(status=ResponseStatus.SUBMITTED)


def statuses(response):
    return dict(response.represented.values_list("municipality__name", "status"))


def events(municipality):
    return list(
        CoverageEvent.objects.filter(municipality=municipality)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def test_authorised_coordinator_covers_its_besturen_only_once_submitted(
    mailoutbox, django_capture_on_commit_callbacks
):
    campaign = make_survey_campaign()
    a, b = make_municipality(name="Geel"), make_municipality(name="Mol")
    coordinator, _ = make_coordinator(campaign=campaign, serves=[a, b])

    with django_capture_on_commit_callbacks(execute=True):
        result = start(coordinator, [a.nis_code, b.nis_code])

    assert result.errors == []
    assert statuses(result.response) == {"Geel": "authorised", "Mol": "authorised"}
    assert covered_municipality_ids(campaign=campaign) == set()
    assert mailoutbox == []  # authorised: nobody needs to confirm
    submit(result.response)
    assert covered_municipality_ids(campaign=campaign) == {a.pk, b.pk}
    assert events(a) == ["authorised"]


def test_pending_claim_mails_mayor_covers_nothing_until_confirmed(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    campaign = make_survey_campaign()
    claimant, _ = make_respondent(campaign=campaign, name="Kim Claim")
    target = make_municipality(name="Balen")
    mayor, mayor_token = make_respondent(
        campaign=campaign, municipality=target, name="Bram Burgemeester"
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = start(claimant, [target.nis_code])
    submit(result.response)

    assert statuses(result.response)[target.name] == "pending"
    assert covered_municipality_ids(campaign=campaign) == {claimant.municipality_id}
    [claim_mail] = mailoutbox
    assert claim_mail.to == [mayor.email]
    assert "Balen" in claim_mail.subject
    assert f"/b/{mayor_token}/wie-antwoordt/?keuze=bevestigen" in claim_mail.body
    assert f"/b/{mayor_token}/wie-antwoordt/?keuze=zelf" in claim_mail.body
    assert "Cas Coördinator (IGS-coördinator" in claim_mail.body
    assert claimant.email not in claim_mail.body  # no contact data of the claimant

    page = client.get(f"/b/{mayor_token}/wie-antwoordt/?keuze=bevestigen")
    assert "Cas Coördinator" in page.content.decode()
    assert claimant.email not in page.content.decode()
    assert statuses(result.response)[target.name] == "pending"  # GET changes nothing
    claim = ResponseMunicipality.objects.get(municipality=target)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/b/{mayor_token}/wie-antwoordt/",
            {"keuze": "bevestigen", "claim": claim.pk},
        )

    assert statuses(result.response)[target.name] == "accepted"
    assert target.pk in covered_municipality_ids(campaign=campaign)
    assert mailoutbox[-1].to == [claimant.email]
    assert "U mag antwoorden voor Balen" in mailoutbox[-1].subject
    assert events(target) == ["claim", "accept"]
    accept = CoverageEvent.objects.get(municipality=target, kind="accept")
    assert accept.invitation == mayor


def test_mayor_answering_self_refuses_pending_claim_and_claimant_is_told(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    campaign = make_survey_campaign()
    claimant, _ = make_respondent(campaign=campaign)
    target = make_municipality(name="Dessel")
    mayor, mayor_token = make_respondent(campaign=campaign, municipality=target)
    with django_capture_on_commit_callbacks(execute=True):
        result = start(claimant, [target.nis_code])

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            f"/b/{mayor_token}/wie-antwoordt/", {"keuze": "zelf"}, follow=True
        )

    mayor.refresh_from_db()
    assert target.name not in statuses(result.response)
    assert statuses(mayor.response) == {"Dessel": "own"}
    assert mayor.response.respondent_email == mayor.email
    assert "U vult nu zelf in voor Dessel" in page.content.decode()
    assert mailoutbox[-1].to == [claimant.email]
    assert mailoutbox[-1].subject == "Dessel vult de vragenlijst zelf in"
    assert events(target) == ["claim", "own", "refuse"]


def test_mayor_takes_back_from_authorised_coordinator_who_is_told(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    campaign = make_survey_campaign()
    a, b = make_municipality(name="Retie"), make_municipality(name="Arendonk")
    coordinator, _ = make_coordinator(campaign=campaign, serves=[a, b])
    mayor, mayor_token = make_respondent(campaign=campaign, municipality=a)
    result = start(coordinator, [a.nis_code, b.nis_code])

    landing = client.get(f"/b/{mayor_token}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/b/{mayor_token}/wie-antwoordt/", {"keuze": "zelf"})

    assert "Voor uw bestuur antwoordt al iemand" in landing
    assert "IGS Kempen" in landing and coordinator.email not in landing
    assert statuses(result.response) == {"Arendonk": "authorised"}
    mayor.refresh_from_db()
    assert statuses(mayor.response) == {"Retie": "own"}
    assert [m.to for m in mailoutbox] == [[coordinator.email]]
    assert events(a) == ["authorised", "own", "take_back"]


def test_take_back_after_claimant_submitted_is_double_coverage_own_counts(
    admin_client,
):
    campaign = make_survey_campaign()
    a = make_municipality(name="Kasterlee")
    coordinator, _ = make_coordinator(campaign=campaign, serves=[a])
    mayor, _ = make_respondent(campaign=campaign, municipality=a)
    theirs = start(coordinator, [a.nis_code]).response
    submit(theirs)

    own = start(mayor, coordinator=False).response
    submit(own)

    [double] = double_coverage(campaign=campaign)
    assert double["municipality"] == a
    assert (double["own"].response, double["claimant"].response) == (own, theirs)
    counted = counting(ResponseMunicipality.objects.filter(municipality=a))
    assert [r.response for r in counted] == [own]
    page = admin_client.get(f"/beheer/dekking/{campaign.slug}/").content.decode()
    assert "Dubbele dekking" in page and "Kasterlee" in page

    resolve_double_coverage(
        campaign=campaign, municipality=a, keep="claimant", staff_user=None
    )
    counted = counting(ResponseMunicipality.objects.filter(municipality=a))
    assert [r.response for r in counted] == [theirs]
    assert double_coverage(campaign=campaign) == []


def test_staff_accept_and_refuse_and_refusals_change_nothing(
    mailoutbox, django_capture_on_commit_callbacks, django_user_model
):
    campaign = make_survey_campaign()
    claimant, _ = make_respondent(campaign=campaign)
    x, y = make_municipality(name="Lille"), make_municipality(name="Olen")
    staff = django_user_model.objects.create_user("vvsg", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = start(claimant, [x.nis_code, y.nis_code]).response
    claim_x = ResponseMunicipality.objects.get(municipality=x)
    claim_y = ResponseMunicipality.objects.get(municipality=y)
    other_mayor, _ = make_respondent(campaign=campaign)

    with django_capture_on_commit_callbacks(execute=True):
        decide_claim(claim_id=claim_x.pk, accept=True, staff_user=staff)
        decide_claim(claim_id=claim_y.pk, accept=False, staff_user=staff)

    assert statuses(response) == {
        claimant.municipality.name: "own",
        "Lille": "accepted",
    }
    assert [m.to for m in mailoutbox] == [[claimant.email]] * 2
    assert "niet bevestigd" in mailoutbox[-1].subject
    with pytest.raises(ClaimRefused, match="al behandeld"):
        decide_claim(claim_id=claim_x.pk, accept=False, staff_user=staff)
    with pytest.raises(ClaimRefused, match="al behandeld"):
        decide_claim(claim_id=claim_y.pk, accept=True, staff_user=staff)
    with django_capture_on_commit_callbacks(execute=True):
        start(claimant, [x.nis_code, y.nis_code])
    claim_y = ResponseMunicipality.objects.get(municipality=y)
    with pytest.raises(ClaimRefused, match="niet over uw bestuur"):
        decide_claim(claim_id=claim_y.pk, accept=True, invitation=other_mayor)
    later = campaign.closes_at + timedelta(minutes=1)
    with pytest.raises(ClaimRefused, match="verlopen"):
        decide_claim(claim_id=claim_y.pk, accept=True, staff_user=staff, now=later)
    assert statuses(response)["Olen"] == "pending"
    assert events(y) == ["claim", "refuse", "claim"]
    assert CoverageEvent.objects.get(municipality=x, kind="accept").staff_user == staff


def test_bad_claims_get_dutch_messages_and_change_nothing(client, settings):
    settings.COVERAGE_MAX_PENDING_CLAIMS = 2
    campaign = make_survey_campaign()
    invitation, token = make_respondent(campaign=campaign)
    start(invitation, coordinator=False)
    before = statuses(invitation.response)
    many = [make_municipality() for _ in range(3)]
    owned = make_municipality(name="Herentals")
    make_respondent(campaign=campaign, municipality=owned)[0]
    start(make_respondent(campaign=campaign, municipality=owned)[0], coordinator=False)
    data = {
        "respondent_name": "X",
        "respondent_email": "x@gemeente.be",
        "respondent_function": "Schepen",
        "is_coordinator": "on",
    }

    too_many = client.post(
        f"/b/{token}/besturen/", {**data, "municipalities": [m.nis_code for m in many]}
    ).content.decode()
    covered = client.post(
        f"/b/{token}/besturen/", {**data, "municipalities": [owned.nis_code]}
    ).content.decode()
    tampered = client.post(
        f"/b/{token}/besturen/", {**data, "municipalities": ["00000"]}
    ).content.decode()
    bad_claim = client.post(
        f"/b/{token}/wie-antwoordt/",
        {"keuze": "bevestigen", "claim": "niet-een-getal"},
        follow=True,
    ).content.decode()

    invitation.refresh_from_db()
    assert "ten hoogste 2 besturen" in too_many
    assert "Voor Herentals antwoordt al een ander bestuur" in covered
    assert "is geen bestaande gemeente" in tampered
    assert "Deze aanvraag bestaat niet. Er werd niets gewijzigd." in bad_claim
    assert statuses(invitation.response) == before
    assert invitation.response.respondent_name == invitation.name


def test_expired_campaign_blocks_mayor_decisions(client):
    campaign = make_survey_campaign(
        closes_at=timezone.now() + timedelta(days=1),
    )
    claimant, _ = make_respondent(campaign=campaign)
    target = make_municipality()
    mayor, mayor_token = make_respondent(campaign=campaign, municipality=target)
    response = start(claimant, [target.nis_code]).response
    claim = ResponseMunicipality.objects.get(municipality=target)
    type(campaign).objects.filter(pk=campaign.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )

    client.post(
        f"/b/{mayor_token}/wie-antwoordt/", {"keuze": "bevestigen", "claim": claim.pk}
    )

    assert statuses(response)[target.name] == "pending"
    with pytest.raises(ClaimRefused, match="verlopen"):
        decide_claim(claim_id=claim.pk, accept=True, invitation=mayor)


def test_ticking_and_unticking_cannot_flood_a_mayor_with_claim_mails(
    mailoutbox, django_capture_on_commit_callbacks
):
    campaign = make_survey_campaign()
    claimant, _ = make_respondent(campaign=campaign)
    target = make_municipality(name="Grobbendonk")
    mayor, _ = make_respondent(campaign=campaign, municipality=target)

    for _round in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            start(claimant, [target.nis_code])
            start(claimant, [])

    assert [m.to for m in mailoutbox] == [[mayor.email]] * 3
    assert events(target).count("claim") == 6
    assert events(target).count("release") == 6


def test_colleague_forwarded_by_a_coordinator_never_starts_the_employers_bestuur():
    from responses.answering.respondents import forward_invitation

    campaign = make_survey_campaign()
    served = make_municipality(name="Zoersel")
    coordinator, _ = make_coordinator(campaign=campaign, serves=[served])
    colleague = forward_invitation(
        invitation=coordinator, name="Col", email="col@igs.be"
    ).invitation

    result = start(colleague, [], coordinator=False)

    assert statuses(result.response) == {}
    assert not ResponseMunicipality.objects.filter(
        municipality=coordinator.municipality
    ).exists()
