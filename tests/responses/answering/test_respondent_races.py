"""Races on real PostgreSQL: two editors, one question; two respondents, one bestuur."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from responses.answering.answers import Submitted, save_answers
from responses.answering.claims import start_response
from responses.models import Answer, AnswerRevision, ResponseMunicipality
from tests.factories import (
    make_invitation,
    make_municipality,
    make_respondent,
    make_started_response,
    make_survey_campaign,
)

pytestmark = pytest.mark.services


def _in_threads(*calls):
    """Run the calls at the same moment, each on its own DB connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_saves_of_one_question_never_both_win(postgres, transactional_db):
    mayor, _ = make_started_response()
    colleague = make_invitation(
        campaign=mayor.campaign,
        municipality=mayor.municipality,
        kind="forward",
        response=mayor.response,
        forwarded_by=mayor,
        name="Sam Collega",
    )
    save_answers(
        response=mayor.response,
        invitation=mayor,
        answers={"pol_toelichting": Submitted("basis")},
    )

    for round_no in range(5):
        base = Answer.objects.get(question__code="pol_toelichting").revision
        results = _in_threads(
            lambda b=base, r=round_no: save_answers(
                response=mayor.response,
                invitation=mayor,
                answers={
                    "pol_toelichting": Submitted(f"burgemeester {r}", base_revision=b)
                },
            ),
            lambda b=base, r=round_no: save_answers(
                response=mayor.response,
                invitation=colleague,
                answers={"pol_toelichting": Submitted(f"collega {r}", base_revision=b)},
            ),
        )
        winners = [r for r in results if r.saved == ["pol_toelichting"]]
        losers = [r for r in results if "pol_toelichting" in r.conflicts]
        answer = Answer.objects.get(question__code="pol_toelichting")
        assert (len(winners), len(losers)) == (1, 1)
        assert answer.revision == base + 1
        assert losers[0].conflicts["pol_toelichting"].their_value == answer.value

    assert AnswerRevision.objects.count() == 6


def test_concurrent_claims_of_one_bestuur_cover_it_once(postgres, transactional_db):
    campaign = make_survey_campaign()
    shared = make_municipality(name="Gedeeld")
    first, _ = make_respondent(campaign=campaign)
    second, _ = make_respondent(campaign=campaign)

    def claim(invitation):
        return lambda: start_response(
            invitation=invitation,
            respondent_name="Coördinator",
            respondent_email="c@ig.be",
            respondent_function="IGS",
            is_coordinator=True,
            extra_nis_codes=[shared.nis_code],
        )

    results = _in_threads(claim(first), claim(second))

    assert ResponseMunicipality.objects.filter(municipality=shared).count() == 1
    flagged = [r for r in results if shared in r.already_covered]
    added = [r for r in results if shared in r.added]
    assert (len(flagged), len(added)) == (1, 1)
