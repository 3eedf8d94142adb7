"""The dashboard's per-municipality flags, response rates and missing list.

Written against the survivors of the mutation run over responses/answering/coverage.py
(docs/testing.md): every flag is checked against a bystander campaign whose sent
invitations, opened links and submitted responses must count for nothing here.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from municipalities.models import ClusterType, ContactRole, Province
from responses.answering.coverage import (
    annotated_municipalities,
    missing_municipalities,
    response_rates,
)
from responses.models import (
    ClaimStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)
from tests.factories import (
    make_campaign,
    make_cluster,
    make_contact,
    make_invitation,
    make_municipality,
    make_province,
)

pytestmark = pytest.mark.django_db


def _deliver(invitation, *, kind=DeliveryKind.INVITATION, status=DeliveryStatus.SENT):
    Delivery.objects.create(
        campaign=invitation.campaign,
        invitation=invitation,
        kind=kind,
        email=invitation.email,
        status=status,
    )


def _respond(campaign, municipality, *, status, claim=ClaimStatus.OWN, by=None):
    response = Response.objects.create(campaign=campaign, status=status)
    ResponseMunicipality.objects.create(
        response=response,
        campaign=campaign,
        municipality=municipality,
        status=claim,
        claimed_by=by,
    )
    return response


@pytest.fixture
def world():
    """Four current municipalities in two provinces, one merged away, two campaigns."""
    antwerpen = make_province(name="Antwerpen")
    limburg = make_province(name="Limburg")
    woon = make_cluster(code="V1", type=ClusterType.WOON)
    landelijk = make_cluster(code="V2", type=ClusterType.LANDELIJK)
    campaign = make_campaign()
    other = make_campaign()
    done = make_municipality(name="Aartselaar", province=antwerpen, cluster=woon)
    delegated = make_municipality(name="Boechout", province=antwerpen)
    elsewhere = make_municipality(name="Diepenbeek", province=limburg, cluster=woon)
    pending = make_municipality(name="Genk", province=limburg, cluster=landelijk)
    make_municipality(
        name="Opgeheven",
        province=limburg,
        valid_to=timezone.localdate(campaign.opens_at) - timedelta(days=1),
    )
    # Aartselaar: invited, opened, started and submitted its own response.
    mayor = make_invitation(campaign=campaign, municipality=done)
    _deliver(mayor)
    mayor.first_opened_at = timezone.now()
    mayor.response = _respond(campaign, done, status=ResponseStatus.SUBMITTED)
    mayor.save()
    # Boechout: only a failed invitation and a sent reminder; a coordinator's
    # unsubmitted response speaks for it.
    boechout = make_invitation(campaign=campaign, municipality=delegated)
    _deliver(boechout, status=DeliveryStatus.FAILED)
    _deliver(boechout, kind=DeliveryKind.REMINDER)
    _respond(
        campaign,
        delegated,
        status=ResponseStatus.PARTIAL,
        claim=ClaimStatus.AUTHORISED,
        by=mayor,
    )
    # Diepenbeek: everything happened, but in the other campaign.
    theirs = make_invitation(campaign=other, municipality=elsewhere)
    _deliver(theirs)
    theirs.first_opened_at = timezone.now()
    theirs.response = _respond(other, elsewhere, status=ResponseStatus.SUBMITTED)
    theirs.save()
    # Genk: a submitted response only asked to speak for it (pending claim).
    _respond(
        campaign, pending, status=ResponseStatus.SUBMITTED, claim=ClaimStatus.PENDING
    )
    return campaign


FLAGS = ("invited", "opened", "started", "submitted", "by_coordinator")


def test_flags_count_only_this_campaigns_mail_links_and_covering_claims(world):
    flags = {
        m.name: tuple(getattr(m, flag) for flag in FLAGS)
        for m in annotated_municipalities(campaign=world)
    }

    assert flags == {
        "Aartselaar": (True, True, True, True, False),
        "Boechout": (False, False, True, False, True),
        "Diepenbeek": (False, False, False, False, False),
        "Genk": (False, False, False, False, False),
    }


def test_an_invitation_with_a_response_but_no_claim_counts_as_started(world):
    antwerpen = Province.objects.get(name="Antwerpen")
    fresh = make_municipality(name="Hove", province=antwerpen)
    invitation = make_invitation(campaign=world, municipality=fresh)
    invitation.response = Response.objects.create(campaign=world)
    invitation.save()

    [hove] = [m for m in annotated_municipalities(campaign=world) if m.name == "Hove"]

    assert (hove.started, hove.submitted, hove.opened) == (True, False, False)


def test_rates_add_up_overall_per_province_and_per_cluster_type(world):
    rates = response_rates(campaign=world)

    def row(rate):
        return (
            rate.label,
            rate.total,
            rate.invited,
            rate.opened,
            rate.started,
            rate.submitted,
        )

    assert row(rates.overall) == ("Vlaanderen", 4, 1, 1, 2, 1)
    assert rates.overall_rows == [rates.overall]
    assert rates.overall.percent_submitted == 25.0
    assert [row(r) for r in rates.by_province] == [
        ("Antwerpen", 2, 1, 1, 2, 1),
        ("Limburg", 2, 0, 0, 0, 0),
    ]
    assert [row(r) for r in rates.by_cluster_type] == [
        ("Landelijke gemeenten", 1, 0, 0, 0, 0),
        ("Onbekend", 1, 0, 0, 1, 0),
        ("Woongemeenten", 2, 1, 1, 1, 1),
    ]


def test_missing_municipalities_carry_their_active_mayors_by_name(world):
    [boechout] = [
        m for m in annotated_municipalities(campaign=world) if m.name == "Boechout"
    ]
    make_contact(municipality=boechout, name="Zoë Burgemeester")
    make_contact(municipality=boechout, name="Ann Burgemeester")
    make_contact(municipality=boechout, name="Oud Burgemeester", active=False)
    make_contact(
        municipality=boechout, name="Bert Directeur", role=ContactRole.DIRECTOR
    )

    missing = missing_municipalities(campaign=world)

    assert [m.name for m in missing] == ["Boechout", "Diepenbeek", "Genk"]
    # make_invitation added one mayor contact per invitation (Boechout's).
    mayors = [c.name for c in missing[0].mayors]
    assert mayors[:1] == ["Ann Burgemeester"]
    assert "Zoë Burgemeester" in mayors
    assert mayors == sorted(mayors)
    assert "Oud Burgemeester" not in mayors
    assert "Bert Directeur" not in mayors


def test_the_map_is_the_one_of_the_opening_day(world):
    world.opens_at = timezone.make_aware(
        timezone.datetime.combine(date(2020, 1, 1), timezone.datetime.min.time())
    )
    world.save()

    names = {m.name for m in annotated_municipalities(campaign=world)}

    # Opgeheven still existed in 2020.
    assert "Opgeheven" in names
