"""An autosave on PostgreSQL costs three queries and one commit (issue 14).

The link lookup, the stored answers, and one statement that writes the answer, its
history and the response's revision; that statement is its own transaction
(autocommit), so no BEGIN/COMMIT round trips.
"""

from __future__ import annotations

import json

import pytest

from responses.models import Answer, AnswerRevision, Response, ResponseStatus
from tests.security.world import invite, open_campaign

pytestmark = pytest.mark.services


def _save(client, mayor, value: str, revision: int):
    return client.post(
        mayor.url("vragen/b/opslaan/"),
        {"_question": "q4", "q-q4": value, "q-q4-rev": str(revision)},
        HTTP_HX_REQUEST="true",
    )


def _statements(captured) -> list[str]:
    return [query["sql"].strip().split()[0] for query in captured.captured_queries]


def test_autosave_first_answer_costs_three_queries_and_one_commit(
    postgres, transactional_db, client, django_assert_max_num_queries
):
    mayor = invite(campaign=open_campaign())
    _save(client, mayor, "warm", 0)  # fills the per-process instrument caches
    Answer.objects.all().delete()

    with django_assert_max_num_queries(3) as captured:
        reply = _save(client, mayor, "eerste versie", 0)

    answer = Answer.objects.get(response=mayor.response, question__code="q4")
    saved = json.loads(reply.headers["HX-Trigger"])["surveySaved"]
    assert (reply.status_code, saved["revision"]) == (204, 1)
    assert (answer.value, answer.revision, answer.answered_by_id) == (
        "eerste versie",
        1,
        mayor.invitation.pk,
    )
    assert list(
        AnswerRevision.objects.filter(answer=answer).values_list("revision", "value")
    ) == [(1, "eerste versie")]
    # The write is one autocommitted statement: durable on return, no BEGIN/COMMIT.
    assert _statements(captured) == ["SELECT", "SELECT", "WITH"]
    assert Response.objects.get(pk=mayor.response.pk).status == ResponseStatus.PARTIAL


def test_autosave_of_a_changed_answer_costs_three_queries_and_one_commit(
    postgres, transactional_db, client, django_assert_max_num_queries
):
    mayor = invite(campaign=open_campaign())
    for revision, value in enumerate(["een", "twee", "drie"]):
        _save(client, mayor, value, revision)
    response_revision = Response.objects.get(pk=mayor.response.pk).revision

    with django_assert_max_num_queries(3) as captured:
        reply = _save(client, mayor, "vier", 3)

    answer = Answer.objects.get(response=mayor.response, question__code="q4")
    saved = json.loads(reply.headers["HX-Trigger"])["surveySaved"]
    assert (reply.status_code, reply.content, saved["revision"]) == (204, b"", 4)
    assert (answer.value, answer.revision) == ("vier", 4)
    # The burst coalesced: the run's first row stays, the newest is overwritten.
    assert list(
        AnswerRevision.objects.filter(answer=answer)
        .order_by("revision")
        .values_list("revision", "value")
    ) == [(1, "een"), (4, "vier")]
    assert Response.objects.get(pk=mayor.response.pk).revision == response_revision + 1
    assert _statements(captured) == ["SELECT", "SELECT", "WITH"]


def test_autosave_conflict_costs_no_extra_query_and_stores_nothing(
    postgres, transactional_db, client, django_assert_max_num_queries
):
    mayor = invite(campaign=open_campaign(), name="Burgemeester Aerts")
    _save(client, mayor, "van de burgemeester", 0)
    _save(client, mayor, "nog eens", 1)

    with django_assert_max_num_queries(3):
        stale = _save(client, mayor, "oude pagina", 1)

    answer = Answer.objects.get(response=mayor.response, question__code="q4")
    assert stale.status_code == 200
    assert "gewijzigd door Burgemeester Aerts" in stale.content.decode()
    assert (answer.value, answer.revision) == ("nog eens", 2)
