"""Two colleagues edit one response: a stale save is a conflict, never an overwrite.

End-to-end through two independent browsers (Django test clients), each with its own
invitation link to the same response; the service's unit tests live in tests/responses/
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from responses.models import Answer, AnswerRevision
from tests.security.world import colleague, invite, open_campaign

pytestmark = pytest.mark.django_db


def _revision_on_page(html: str, code: str) -> int:
    match = re.search(rf'name="q-{code}-rev"[^>]*value="(\d+)"', html)
    assert match, f"no revision field for {code}"
    return int(match.group(1))


def test_stale_autosave_from_second_editor_is_refused(client):
    mayor = invite(campaign=open_campaign(), name="Burgemeester Aerts")
    staff = colleague(of=mayor, name="Medewerker Claes")
    other = Client()
    rev_mayor = _revision_on_page(
        client.get(mayor.url("vragen/b/")).content.decode(), "q4"
    )
    rev_staff = _revision_on_page(
        other.get(staff.url("vragen/b/")).content.decode(), "q4"
    )

    first = client.post(
        mayor.url("vragen/b/opslaan/"),
        {
            "_question": "q4",
            "q-q4": "versie van de burgemeester",
            "q-q4-rev": rev_mayor,
        },
    )
    stale = other.post(
        staff.url("vragen/b/opslaan/"),
        {
            "_question": "q4",
            "q-q4": "versie van de medewerker",
            "q-q4-rev": rev_staff,
        },
    )

    answer = Answer.objects.get(response=mayor.response, question__code="q4")
    assert (rev_mayor, rev_staff) == (0, 0)
    # A save that went through answers 204 (no fragment); the conflict shows one.
    assert first.status_code == 204 and stale.status_code == 200
    assert answer.value == "versie van de burgemeester"
    assert answer.answered_by_id == mayor.invitation.pk
    assert list(
        AnswerRevision.objects.filter(answer=answer).values_list(
            "revision", "value", "answered_by"
        )
    ) == [
        (1, "versie van de burgemeester", mayor.invitation.pk),
    ]
    body = stale.content.decode()
    assert "gewijzigd door Burgemeester Aerts" in body
    assert "versie van de burgemeester" in body  # the colleague sees what is stored
    assert '"invalid": true' in stale.headers["HX-Trigger"]


def test_second_editor_saves_after_seeing_the_new_revision(client):
    mayor = invite(campaign=open_campaign())
    staff = colleague(of=mayor)
    other = Client()
    client.post(mayor.url("vragen/b/opslaan/"), {"_question": "q4", "q-q4": "eerste"})

    fresh = _revision_on_page(other.get(staff.url("vragen/b/")).content.decode(), "q4")
    reply = other.post(
        staff.url("vragen/b/opslaan/"),
        {
            "_question": "q4",
            "q-q4": "tweede",
            "q-q4-rev": fresh,
        },
    )

    answer = Answer.objects.get(response=mayor.response, question__code="q4")
    assert reply.status_code == 204 and fresh == 1
    assert (answer.value, answer.revision, answer.answered_by_id) == (
        "tweede",
        2,
        staff.invitation.pk,
    )
    assert list(
        AnswerRevision.objects.filter(answer=answer).values_list("value", flat=True)
    ) == ["eerste", "tweede"]


def test_stale_full_page_post_shows_conflict_and_keeps_value(client):
    mayor = invite(campaign=open_campaign(), name="Burgemeester Aerts")
    staff = colleague(of=mayor)
    other = Client()
    other.get(staff.url("vragen/b/"))
    client.post(
        mayor.url("vragen/b/opslaan/"), {"_question": "q4", "q-q4": "eerst bewaard"}
    )

    reply = other.post(
        staff.url("vragen/b/"),
        {
            "q-q4": "later overschreven?",
            "q-q4-rev": "0",
            "action": "next",
        },
    )

    answer = Answer.objects.get(response=mayor.response, question__code="q4")
    assert reply.status_code == 200
    assert "gewijzigd door Burgemeester Aerts" in reply.content.decode()
    assert answer.value == "eerst bewaard"
    assert AnswerRevision.objects.filter(answer=answer).count() == 1
