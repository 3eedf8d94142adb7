"""Races on real PostgreSQL: two editors, one question; two respondents, one bestuur."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from responses.answering.answers import Submitted, save_answers
from responses.answering.claims import start_response
from responses.models import Answer, AnswerRevision, Response, ResponseMunicipality
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

    editors = [mayor.pk]
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
        editors.append(answer.answered_by_id)

    # One history row per save, except that a third save in a row by the same person
    # overwrites that person's last row (coalescing, docs/security.md).
    expected = []
    for editor in editors:
        if expected[-2:] == [editor, editor]:
            continue
        expected.append(editor)
    history = AnswerRevision.objects.order_by("revision")
    assert list(history.values_list("answered_by", flat=True)) == expected
    assert history.last().revision == 6


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
    refused = [r for r in results if r.errors]
    claimed = [r for r in results if shared in r.claimed]
    assert (len(refused), len(claimed)) == (1, 1)
    assert "Er werd niets gewijzigd" in refused[0].errors[0]
    # All or nothing: the refused one did not even start its own response.
    assert Response.objects.count() == 1


def test_two_links_of_one_bestuur_starting_at_once_share_one_response(
    postgres, transactional_db
):
    campaign = make_survey_campaign()
    for trial in range(6):
        bestuur = make_municipality(name=f"Samen {trial}")
        mayor, _ = make_respondent(campaign=campaign, municipality=bestuur)
        colleague, _ = make_respondent(
            campaign=campaign, municipality=bestuur, kind="staff"
        )

        def begin(invitation):
            return lambda: start_response(
                invitation=invitation,
                respondent_name=invitation.name,
                respondent_email=invitation.email,
                respondent_function="",
                is_coordinator=False,
                extra_nis_codes=[],
            )

        results = _in_threads(begin(mayor), begin(colleague))

        mayor.refresh_from_db()
        colleague.refresh_from_db()
        assert mayor.response_id == colleague.response_id is not None
        assert sorted(r.joined_existing for r in results) == [False, True]
        assert Response.objects.filter(represented__municipality=bestuur).count() == 1
    # No orphan responses: every response speaks for its bestuur.
    assert Response.objects.filter(represented__isnull=True).count() == 0
    assert Response.objects.count() == 6


def test_mayor_taking_back_while_staff_accepts_ends_in_one_consistent_state(
    postgres, transactional_db
):
    from responses.answering.claims import ClaimRefused, decide_claim

    campaign = make_survey_campaign()
    for trial in range(4):
        claimant, _ = make_respondent(campaign=campaign)
        target = make_municipality(name=f"Betwist {trial}")
        mayor, _ = make_respondent(campaign=campaign, municipality=target)
        start_response(
            invitation=claimant,
            respondent_name="C",
            respondent_email="c@x.be",
            respondent_function="",
            is_coordinator=True,
            extra_nis_codes=[target.nis_code],
        )
        claim = ResponseMunicipality.objects.get(municipality=target)

        def accept(claim_id=claim.pk):
            try:
                return decide_claim(claim_id=claim_id, accept=True)
            except ClaimRefused as refused:
                return refused

        results = _in_threads(
            accept,
            lambda m=mayor: start_response(
                invitation=m,
                respondent_name=m.name,
                respondent_email=m.email,
                respondent_function="Burgemeester",
                is_coordinator=False,
                extra_nis_codes=[],
            ),
        )

        rows = dict(
            ResponseMunicipality.objects.filter(municipality=target).values_list(
                "status", "response_id"
            )
        )
        # The mayor always answers; the claim was either refused (taken back)
        # or accepted first and then taken back: never left pending.
        assert "own" in rows and "pending" not in rows
        assert results[1].errors == []
