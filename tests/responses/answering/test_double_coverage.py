"""Which answers count for a bestuur answered twice, and which besturen are listed.

Written against the survivors of the mutation run over responses/answering/coverage.py
(docs/testing.md): `counting` and `double_coverage` are checked against pending
claims, unsubmitted own responses, other besturen and another campaign.
"""

from __future__ import annotations

import pytest

from responses.answering.coverage import counting, double_coverage
from responses.models import (
    ClaimStatus,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)
from tests.factories import make_campaign, make_municipality

pytestmark = pytest.mark.django_db

SUBMITTED, PARTIAL = ResponseStatus.SUBMITTED, ResponseStatus.PARTIAL


def _claim(campaign, municipality, *, status=SUBMITTED, claim=ClaimStatus.OWN):
    response = Response.objects.create(campaign=campaign, status=status)
    return ResponseMunicipality.objects.create(
        response=response, campaign=campaign, municipality=municipality, status=claim
    )


def _counted(campaign) -> set[int]:
    rows = counting(ResponseMunicipality.objects.filter(campaign=campaign))
    return set(rows.values_list("pk", flat=True))


def test_a_claimant_counts_until_the_bestuur_submits_its_own_response():
    campaign = make_campaign()
    aalst, zele = make_municipality(name="Aalst"), make_municipality(name="Zele")
    own_partial = _claim(campaign, aalst, status=PARTIAL)
    claimant = _claim(campaign, aalst, claim=ClaimStatus.ACCEPTED)
    # Zele's own submitted response must not push out Aalst's claimant.
    zele_own = _claim(campaign, zele)
    # Nor may Aalst's own submitted response in another campaign.
    _claim(make_campaign(), aalst)

    assert _counted(campaign) == {own_partial.pk, claimant.pk, zele_own.pk}


def test_once_the_bestuur_submitted_itself_only_its_own_response_counts():
    campaign = make_campaign()
    aalst = make_municipality(name="Aalst")
    own = _claim(campaign, aalst)
    _claim(campaign, aalst, claim=ClaimStatus.AUTHORISED)

    assert _counted(campaign) == {own.pk}


def test_pending_claims_never_count():
    campaign = make_campaign()
    aalst = make_municipality(name="Aalst")
    _claim(campaign, aalst, claim=ClaimStatus.PENDING)

    assert _counted(campaign) == set()


def test_double_coverage_lists_submitted_pairs_of_this_campaign_by_name():
    campaign = make_campaign()
    zele, aalst = make_municipality(name="Zele"), make_municipality(name="Aalst")
    pending, partial = make_municipality(name="Bornem"), make_municipality(name="Hamme")
    zele_own = _claim(campaign, zele)
    zele_claimant = _claim(campaign, zele, claim=ClaimStatus.ACCEPTED)
    aalst_own = _claim(campaign, aalst)
    aalst_claimant = _claim(campaign, aalst, claim=ClaimStatus.AUTHORISED)
    _claim(campaign, pending)
    _claim(campaign, pending, claim=ClaimStatus.PENDING)
    _claim(campaign, partial, status=PARTIAL)
    _claim(campaign, partial, claim=ClaimStatus.ACCEPTED)
    elsewhere = make_campaign()
    _claim(elsewhere, make_municipality(name="Asse"))
    _claim(elsewhere, ResponseMunicipality.objects.latest("pk").municipality,
           claim=ClaimStatus.ACCEPTED)  # fmt: skip

    pairs = double_coverage(campaign=campaign)

    assert [(p["municipality"].name, p["own"], p["claimant"]) for p in pairs] == [
        ("Aalst", aalst_own, aalst_claimant),
        ("Zele", zele_own, zele_claimant),
    ]
