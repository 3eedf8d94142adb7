"""No invitation token in any log record: CSRF failure, unknown link, 500, worker.

The records are those pytest captures from the root logger, i.e. what every handler
(console, file, gunicorn's, Celery's) receives; the worker test reads the real
worker's log file.
"""

from __future__ import annotations

import logging
import runpy
import time

import pytest
from django.test import Client
from django.urls import include, path

from responses.mailing.campaigns import send_invitations
from responses.mailing.tokens import raw_token_for
from tests.conftest import ROOT
from tests.factories import make_campaign, make_invitation, make_started_response
from vvsg_survey.logging import RedactSecretsFilter, redact

UNKNOWN = "Zq3xY8wPp0aVbN7kLm2Qr5tUv9sW1xYzA4bC6dE8fGh"  # 43 chars, no invitation


def boom(request, token):
    raise RuntimeError(f"could not load answers for {request.path} ({token})")


# This module doubles as the URLconf of the 500 test: the project's URLs plus a view
# that fails the way an unexpected bug would, with the token in its message.
urlpatterns = [
    path("b/<str:token>/kapot/", boom),
    path("", include("vvsg_survey.urls")),
]


def _assert_clean(caplog, *tokens):
    assert caplog.records, "nothing was logged: the test would prove nothing"
    text = caplog.text
    for token in tokens:
        assert token not in text
        for record in caplog.records:
            assert token not in record.getMessage()
    assert "/b/[token]/" in text


def test_redact_removes_paths_and_bare_tokens():
    line = f"GET /b/{UNKNOWN}/vragen/a/ and {UNKNOWN} and /b/kort/"

    assert redact(line) == "GET /b/[token]/vragen/a/ and [token] and /b/[token]/"
    assert redact("csrftoken=" + "a" * 64) == "csrftoken=" + "a" * 64


@pytest.mark.django_db
def test_csrf_failure_logs_no_token(caplog):
    mayor, token = make_started_response()
    client = Client(enforce_csrf_checks=True)

    with caplog.at_level(logging.DEBUG):
        reply = client.post(f"/b/{token}/doorsturen/", {"name": "x"})

    assert reply.status_code == 403
    assert any("CSRF" in r.getMessage() for r in caplog.records)
    _assert_clean(caplog, token)


@pytest.mark.django_db
def test_unknown_token_and_unknown_page_log_no_token(client, caplog):
    mayor, token = make_started_response()

    with caplog.at_level(logging.DEBUG):
        unknown = client.get(f"/b/{UNKNOWN}/")
        no_page = client.get(f"/b/{token}/bestaat/niet/")

    assert (unknown.status_code, no_page.status_code) == (404, 404)
    assert any("Not Found" in r.getMessage() for r in caplog.records)
    _assert_clean(caplog, token, UNKNOWN)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_server_error_logs_no_token(caplog):
    mayor, token = make_started_response()
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.DEBUG):
        reply = client.get(f"/b/{token}/kapot/")

    assert reply.status_code == 500
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert (
        errors and errors[0].getMessage() == "Internal Server Error: /b/[token]/kapot/"
    )
    assert "RuntimeError: could not load answers for /b/[token]/kapot/ ([token])" in (
        caplog.text
    )
    _assert_clean(caplog, token)


def test_gunicorn_error_log_handlers_get_the_filter():
    class FakeLog:
        error_log = logging.getLogger("test.gunicorn.error")

    handler = logging.StreamHandler()
    FakeLog.error_log.addHandler(handler)
    try:
        runpy.run_path(str(ROOT / "gunicorn.conf.py"))["on_starting"](
            type("Server", (), {"log": FakeLog})()
        )
        assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
    finally:
        FakeLog.error_log.removeHandler(handler)


@pytest.mark.services
def test_worker_error_logs_no_token(smtp_sink, celery_worker_process, celery_broker):
    campaign = make_campaign()
    invitation = make_invitation(campaign=campaign)
    token = raw_token_for(invitation)
    # A relay that echoes part of the message in its temporary error: the worker
    # logs the retry reason, which then holds the personal link.
    smtp_sink.refuse[invitation.email] = (451, f"4.3.0 try later: /b/{token}/")

    send_invitations(campaign=campaign)
    deadline = time.monotonic() + 30
    log = ""
    while time.monotonic() < deadline and "Retry in" not in log:
        time.sleep(0.2)
        log = celery_worker_process.log.read_text(errors="replace")

    assert "Retry in" in log
    assert "/b/[token]/" in log
    assert token not in log
