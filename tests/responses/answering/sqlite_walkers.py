"""Concurrent autosaves against a file SQLite database (run as a subprocess).

Started by test_sqlite_concurrency.py with DB_ENGINE=sqlite and DB_NAME=<file> on a
migrated database: several respondents autosave at once through the real view,
as mayors do during a walk-through. Prints one JSON line with what went wrong.
"""

from __future__ import annotations

import json
import os
import sys
import threading

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vvsg_survey.settings")
django.setup()

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402

from responses.models import Answer  # noqa: E402
from tests.factories import make_started_response, make_survey_campaign  # noqa: E402

WALKERS = int(sys.argv[1]) if len(sys.argv) > 1 else 8
SAVES = int(sys.argv[2]) if len(sys.argv) > 2 else 12


def walk(token: str, failures: list, lock: threading.Lock) -> None:
    client = Client()
    try:
        revision = "0"
        for i in range(SAVES):
            client.get(f"/b/{token}/vragen/polarisatie/")
            page = client.post(
                f"/b/{token}/vragen/polarisatie/opslaan/",
                {
                    "_question": "pol_toelichting",
                    "q-pol_toelichting": f"toelichting {i}",
                    "q-pol_toelichting-rev": revision,
                },
                HTTP_HX_REQUEST="true",
            )
            events = json.loads(page.headers.get("HX-Trigger", "{}"))
            saved = events.get("surveySaved")
            if page.status_code != 204 or not saved:
                with lock:
                    failures.append(f"{page.status_code}: {page.content[:200]!r}")
            # The next post carries the revision the page now shows, as survey.js
            # sets it from the event.
            revision = str(saved["revision"]) if saved else revision
    except Exception as exc:  # noqa: BLE001 - report every failure to the test
        with lock:
            failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        connections.close_all()


def main() -> None:
    campaign = make_survey_campaign()
    tokens = []
    for _ in range(WALKERS):
        invitation, token = make_started_response(campaign=campaign)
        tokens.append(token)
    connection.close()
    failures: list[str] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=walk, args=(t, failures, lock)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = sorted(
        Answer.objects.filter(question__code="pol_toelichting").values_list(
            "value", flat=True
        )
    )
    mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
    print(json.dumps({"failures": failures, "stored": stored, "journal": mode}))


if __name__ == "__main__":
    main()
