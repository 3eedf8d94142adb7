"""Unreadable request bodies answer a plain Dutch 400 on every URL; text is checked."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from responses.models import Answer, Invitation
from tests.factories import make_started_response

pytestmark = pytest.mark.django_db

LATIN1_FORM = "application/x-www-form-urlencoded; charset=latin-1"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def attacker():
    """A client that fetched a CSRF cookie first, as the attack pass did."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get(reverse("admin:login"))
    return client, client.cookies["csrftoken"].value


def _urls(token):
    return [
        f"/b/{token}/doorsturen/",
        f"/b/{token}/vragen/polarisatie/",
        f"/b/{token}/vragen/polarisatie/opslaan/",
        f"/b/{token}/indienen/",
        "/b/onbekende-link/indienen/",
        reverse("admin:login"),
        reverse("responses:list-campaigns"),
        "/bestaat-niet/",
    ]


def _assert_dutch_400(reply):
    assert reply.status_code == 400
    html = reply.content.decode()
    assert "Ongeldige aanvraag" in html
    assert "Er werd niets bewaard." in html
    assert "no-store" in reply.headers["Cache-Control"]


def test_latin1_form_post_answers_400_on_every_url(attacker):
    client, csrf = attacker
    mayor, token = make_started_response()
    body = f"csrfmiddlewaretoken={csrf}&name=%E9mile&email=e%40gemeente.be"

    replies = [client.post(url, body, content_type=LATIN1_FORM) for url in _urls(token)]

    for reply in replies:
        _assert_dutch_400(reply)
    assert "tekenset die we niet kunnen lezen" in replies[0].content.decode()
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"name=\xe9mile&email=e%40gemeente.be", FORM),
        (b"name=%E9mile&email=e%40gemeente.be", FORM),
        (b'{"name": "\xe9mile"}', "application/json"),
        (b"name=ok&email=e%40gemeente.be", "text/plain; charset=utf-16"),
    ],
)
def test_body_that_is_not_utf8_answers_400(attacker, body, content_type):
    client, csrf = attacker
    mayor, token = make_started_response()
    body = body + f"&csrfmiddlewaretoken={csrf}".encode()

    reply = client.post(f"/b/{token}/doorsturen/", body, content_type=content_type)

    _assert_dutch_400(reply)
    assert Invitation.objects.count() == 1


def test_query_string_that_is_not_utf8_answers_400(client):
    mayor, token = make_started_response()

    reply = client.get(f"/b/{token}/?x=%FF%FE")

    _assert_dutch_400(reply)


def test_valid_utf8_still_goes_through(client):
    mayor, token = make_started_response()

    reply = client.post(
        f"/b/{token}/doorsturen/",
        {"name": "Émile Ğüç 😀", "email": "emile@gemeente.be"},
    )

    assert reply.status_code == 302
    assert Invitation.objects.get(email="emile@gemeente.be").name == "Émile Ğüç 😀"


def _autosave(client, token, value):
    return client.post(
        f"/b/{token}/vragen/polarisatie/opslaan/",
        {"_question": "pol_toelichting", "q-pol_toelichting": value},
        HTTP_HX_REQUEST="true",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Kapotte tekst: Ã\ufffd", "onleesbaar teken"),
        ("Belletje\x07", "onzichtbare stuurtekens"),
        ("Escape \x1b[31m rood", "onzichtbare stuurtekens"),
        ("C1 \x85 teken", "onzichtbare stuurtekens"),
    ],
)
def test_answer_text_with_unreadable_characters_is_refused(client, value, message):
    mayor, token = make_started_response()

    reply = _autosave(client, token, value)

    assert message in reply.content.decode()
    assert not Answer.objects.filter(question__code="pol_toelichting").exists()


def test_answer_text_keeps_newlines_and_tabs(client):
    mayor, token = make_started_response()

    _autosave(client, token, "Lijn 1\r\nLijn 2\tmet tab")

    answer = Answer.objects.get(question__code="pol_toelichting")
    assert answer.value == "Lijn 1\r\nLijn 2\tmet tab"
