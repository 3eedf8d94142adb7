"""Two respondents claim the same bestuur at once: one claim, one clear refusal.

The interleaving is forced (tests/races.py): the test holds
`LOCK TABLE responses_responsemunicipality IN SHARE MODE`, which lets both
`start_response` calls lock their own rows and read "nobody covers this bestuur yet"
(the `taken` check in `_set_besturen`) but stops both at the INSERT of the claim.
Once both wait, the lock is released and the inserts race. Only the partial unique
constraint `one_claimant_per_municipality` keeps the second one out; without it both
claims land and this test fails (checked by dropping the index, see docs/testing.md).
"""

from __future__ import annotations

import pytest
from django.db import connection

from responses.answering.claims import start_response
from responses.models import (
    CoverageEvent,
    CoverageEventKind,
    Delivery,
    DeliveryKind,
    Response,
    ResponseMunicipality,
)
from tests.conftest import missing_service
from tests.factories import make_municipality, make_respondent, make_survey_campaign
from tests.races import race_behind_lock

pytestmark = pytest.mark.services


def test_two_claims_of_one_bestuur_behind_a_lock_cover_it_once(transactional_db):
    if connection.vendor != "postgresql":
        missing_service("a race test needs PostgreSQL (set DB_ENGINE=postgresql)")
    campaign = make_survey_campaign()
    shared = make_municipality(name="Gedeeld")
    mayor, _ = make_respondent(campaign=campaign, municipality=shared)
    first, _ = make_respondent(campaign=campaign, name="Eerste Coördinator")
    second, _ = make_respondent(campaign=campaign, name="Tweede Coördinator")

    def claim(invitation):
        return lambda: start_response(
            invitation=invitation,
            respondent_name=invitation.name,
            respondent_email=f"{invitation.pk}@igs.be",
            respondent_function="IGS",
            is_coordinator=True,
            extra_nis_codes=[shared.nis_code],
        )

    results = race_behind_lock(
        "LOCK TABLE responses_responsemunicipality IN SHARE MODE",
        [],
        [claim(first), claim(second)],
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    rows = ResponseMunicipality.objects.filter(municipality=shared)
    assert rows.count() == 1
    won = [r for r in results if shared in r.claimed]
    refused = [r for r in results if r.errors]
    assert (len(won), len(refused)) == (1, 1)
    assert rows.get().response_id == won[0].response.pk
    # Both got past the read: the refusal is the constraint's, not the early check.
    assert refused[0].errors == [
        "Voor Gedeeld antwoordt intussen al iemand anders. Er werd niets gewijzigd."
    ]
    # All or nothing: the refused start left no response, event or mail behind.
    assert list(Response.objects.values_list("pk", flat=True)) == [won[0].response.pk]
    events = CoverageEvent.objects.filter(municipality=shared)
    assert list(events.values_list("kind", "response_id")) == [
        (CoverageEventKind.CLAIM, won[0].response.pk)
    ]
    mails = Delivery.objects.filter(kind=DeliveryKind.COVERAGE)
    assert list(mails.values_list("email", flat=True)) == [mayor.email]
