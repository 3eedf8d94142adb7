"""Link tokens: guessing is rate-limited, revoked links die, respondents stay apart."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from responses.mailing.tokens import revoke_invitation
from responses.models import Answer, AnswerRevision
from tests.security.world import invite, open_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _text_answers(response) -> dict:
    return dict(
        Answer.objects.filter(response=response).values_list("question__code", "value")
    )


def test_token_guessing_is_rate_limited_per_ip(client, settings):
    settings.TOKEN_RATE_LIMIT = 5
    settings.TOKEN_RATE_WINDOW_SECONDS = 600
    mayor = invite(campaign=open_campaign(), name="Burgemeester Janssens")
    attacker = {"REMOTE_ADDR": "203.0.113.7"}

    statuses = [
        client.get(f"/b/guess-{i:04d}-aaaaaaaaaaaaaaaaaaaa/", **attacker).status_code
        for i in range(7)
    ]
    blocked = client.get("/b/guess-next-aaaaaaaaaaaaaaaaaaaa/", **attacker)
    # The mayor shares the attacker's address (NAT, proxy): the valid link still opens.
    same_address = client.get(mayor.url(), **attacker)
    elsewhere = client.get(mayor.url(), REMOTE_ADDR="198.51.100.20")

    assert statuses == [404] * 5 + [429] * 2
    assert blocked.status_code == 429
    assert "Te veel pogingen" in blocked.content.decode()
    assert same_address.status_code == 200
    assert elsewhere.status_code == 200
    assert mayor.invitation.campaign.name in elsewhere.content.decode()


def test_token_rate_limit_window_expires(client, settings):
    settings.TOKEN_RATE_LIMIT = 2
    settings.TOKEN_RATE_WINDOW_SECONDS = 1
    mayor = invite(campaign=open_campaign())
    ip = {"REMOTE_ADDR": "203.0.113.8"}
    for i in range(2):
        client.get(f"/b/guess-{i}/", **ip)
    assert client.get("/b/guess-x/", **ip).status_code == 429

    time.sleep(1.2)
    again = client.get("/b/guess-y/", **ip)

    assert again.status_code == 404
    assert client.get(mayor.url(), **ip).status_code == 200


def test_revoked_token_no_longer_opens_or_saves(client):
    mayor = invite(campaign=open_campaign())
    revoke_invitation(invitation=mayor.invitation)

    page = client.get(mayor.url())
    save = client.post(
        mayor.url("vragen/b/opslaan/"), {"_question": "q4", "q-q4": "na intrekking"}
    )

    assert page.status_code == 410
    assert "niet meer geldig" in page.content.decode()
    assert save.status_code == 410
    assert _text_answers(mayor.response) == {}


def test_respondent_cannot_write_other_response_via_tampered_fields(client):
    campaign = open_campaign()
    a = invite(campaign=campaign)
    b = invite(campaign=campaign)
    client.post(b.url("vragen/b/opslaan/"), {"_question": "q4", "q-q4": "tekst van B"})
    b_answer = Answer.objects.get(response=b.response, question__code="q4")

    # A posts with B's response/answer/invitation ids smuggled into every slot.
    tampered = {
        "_question": "q4",
        "q-q4": "overschreven door A",
        "q-q4-rev": "1",
        "response": b.response.pk,
        "response_id": b.response.pk,
        "answer": b_answer.pk,
        "answer_id": b_answer.pk,
        "invitation": b.invitation.pk,
        "token": b.token,
    }
    autosave = client.post(a.url("vragen/b/opslaan/"), tampered)
    page_post = client.post(a.url("vragen/b/"), {**tampered, "action": "stay"})

    b_answer.refresh_from_db()
    assert b_answer.value == "tekst van B"
    assert AnswerRevision.objects.filter(answer=b_answer).count() == 1
    assert autosave.status_code == 204
    assert page_post.status_code == 302
    # The ids were ignored: the text landed in A's own response, once.
    assert _text_answers(a.response) == {"q4": "overschreven door A"}
    assert Answer.objects.filter(response=b.response).count() == 1


def test_respondent_pages_never_show_other_response(client):
    campaign = open_campaign()
    a = invite(campaign=campaign)
    b = invite(campaign=campaign, name="Geheime Naam B")
    client.post(
        b.url("vragen/b/opslaan/"), {"_question": "q4", "q-q4": "geheim-antwoord-B"}
    )

    pages = [
        client.get(a.url(suffix)).content.decode()
        for suffix in ("", "vragen/a/", "vragen/b/", "overzicht/", "doorsturen/")
    ]

    assert Answer.objects.get(response=b.response).value == "geheim-antwoord-B"
    for html in pages:
        assert "geheim-antwoord-B" not in html
        assert "Geheime Naam B" not in html
