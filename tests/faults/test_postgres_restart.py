"""Fault: PostgreSQL drops every connection of the app (as a server restart does).

The shared cluster is never restarted. A restart is simulated by terminating the
app's backends with pg_terminate_backend() between two requests; to the app this is
the same event (its socket is closed by the server). See docs/hardening.md for the
manual real-restart procedure.

Two servers are exercised:
* gunicorn (sync worker, DB_CONN_MAX_AGE=60): the worker keeps its connection
  between requests, so only CONN_HEALTH_CHECKS makes the next request reconnect;
* pytest-django's live_server, which the brief asks for, although Django's test
  server closes connections after each request anyway.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.db import connection, transaction

from responses.models import Answer
from tests.conftest import ROOT, _free_port
from tests.security.world import invite, open_campaign

pytestmark = [pytest.mark.services]

TERMINATE = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)
OTHERS = (
    "SELECT pid FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def _pids() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(OTHERS)
        return {row[0] for row in cursor.fetchall()}


def _terminate() -> int:
    with connection.cursor() as cursor:
        cursor.execute(TERMINATE)
        return sum(1 for (ok,) in cursor.fetchall() if ok)


class Browser:
    """urllib with cookies and CSRF, enough to page and autosave like a respondent."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar)
        )

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=20) as reply:
            return reply.status, reply.read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str]:
        csrf = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": csrf}).encode()
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=20) as reply:
            return reply.status, reply.read().decode()


@pytest.fixture
def gunicorn_server(postgres, transactional_db, tmp_path):
    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DB_ENGINE": "postgresql",
        "DB_NAME": db["NAME"],
        "DB_USER": db["USER"],
        "DB_HOST": db["HOST"] or "127.0.0.1",
        "DB_PORT": str(db["PORT"] or 5432),
        "DB_PASSWORD": db["PASSWORD"] or "",
        "DB_CONN_MAX_AGE": "60",
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("ab") as out:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "vvsg_survey.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--worker-class",
                "sync",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()  # noqa: S310
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def test_gunicorn_reconnects_after_backends_are_terminated(gunicorn_server):
    mayor = invite(campaign=open_campaign())
    browser = Browser(gunicorn_server)
    first_status, first = browser.get(mayor.url("vragen/b/"))
    before = _pids()

    killed = _terminate()
    status, page = browser.get(mayor.url("vragen/b/"))
    save_status, _ = browser.post(
        mayor.url("vragen/b/opslaan/"), {"_question": "q4", "q-q4": "na herstart"}
    )
    after = _pids()

    assert first_status == 200 and "Vraag q4" in first
    assert before and killed >= len(before)  # the worker's kept connection died
    assert status == 200 and "Vraag q4" in page
    assert save_status == 204  # saved: no fragment, the page applies the events
    assert Answer.objects.get(response=mayor.response, question__code="q4").value == (
        "na herstart"
    )
    assert after and not (after & before)  # a new backend, not the dead one


def test_live_server_recovers_after_backends_are_terminated(
    postgres, transactional_db, live_server
):
    # Production settings for PostgreSQL: persistent connections, health-checked.
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    mayor = invite(campaign=open_campaign())
    browser = Browser(live_server.url)
    first_status, _ = browser.get(mayor.url("vragen/b/"))
    # The live server closes its connection after each request, so the restart has
    # to land while a request holds one: the test locks the response row, an
    # autosave blocks on it inside the server, and then every backend is killed.
    in_flight: list = []

    def autosave() -> None:
        try:
            in_flight.append(
                browser.post(
                    mayor.url("vragen/b/opslaan/"),
                    {"_question": "q4", "q-q4": "tijdens herstart"},
                )[0]
            )
        except urllib.error.HTTPError as exc:
            in_flight.append(exc.code)

    thread = threading.Thread(target=autosave)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM responses_response WHERE id = %s FOR UPDATE",
                [mayor.response.pk],
            )
        thread.start()
        assert _wait_for_lock_waiter(), "the autosave never reached the row lock"
        before = _pids()
        killed = _terminate()
    thread.join(30)
    status, page = browser.get(mayor.url("vragen/b/"))
    save_status, _ = browser.post(
        mayor.url("vragen/b/opslaan/"), {"_question": "q4", "q-q4": "live na herstart"}
    )
    after = _pids()

    # The fault happened: the server's in-flight backend was terminated and its
    # request failed without storing anything...
    assert before and killed >= len(before)
    assert in_flight and in_flight[0] >= 500
    # ...and the next requests ran on new backends.
    assert not (after & before)
    assert (first_status, status, save_status) == (200, 200, 204)
    assert "Vraag q4" in page
    assert Answer.objects.get(response=mayor.response, question__code="q4").value == (
        "live na herstart"
    )


def _wait_for_lock_waiter(timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                "current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False
