"""Two tabs of one invitation press "Start" at once: one response, not two.

The interleaving is forced (tests/races.py): both calls are in flight while the test
holds the invitation's row lock. Without start_response's select_for_update both
would read "no response yet" and create one each, so this test fails.
"""

from __future__ import annotations

import pytest
from django.db import connection

from responses.answering.claims import start_response
from responses.models import Invitation, Response, ResponseMunicipality
from tests.conftest import missing_service
from tests.factories import make_respondent
from tests.races import race_behind_lock

pytestmark = pytest.mark.services


def test_two_starts_of_one_invitation_create_one_response(transactional_db):
    if connection.vendor != "postgresql":
        missing_service("a race test needs PostgreSQL (set DB_ENGINE=postgresql)")
    invitation, _ = make_respondent()

    def start(name):
        return lambda: start_response(
            invitation=Invitation.objects.get(pk=invitation.pk),
            respondent_name=name,
            respondent_email=f"{name.lower()}@gemeente.be",
            respondent_function="Burgemeester",
            is_coordinator=False,
            extra_nis_codes=[],
        )

    results = race_behind_lock(
        "SELECT 1 FROM responses_invitation WHERE id = %s FOR UPDATE",
        [invitation.pk],
        [start("Eerste"), start("Tweede")],
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    response = Response.objects.get()
    invitation.refresh_from_db()
    assert invitation.response_id == response.pk
    assert {r.response.pk for r in results} == {response.pk}
    assert list(
        ResponseMunicipality.objects.values_list("response_id", "municipality_id")
    ) == [(response.pk, invitation.municipality_id)]
