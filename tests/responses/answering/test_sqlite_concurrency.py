"""The embedded default (SQLite) holds the load of several mayors autosaving at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _env(db_file: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DB_", "CELERY_", "CACHE_"))
    }
    return env | {
        "DB_ENGINE": "sqlite",
        "DB_NAME": str(db_file),
        "DJANGO_SETTINGS_MODULE": "vvsg_survey.settings",
        "PYTHONPATH": str(ROOT),
        # The walkers use Django's test Client outside the test runner, which is
        # what normally allows its "testserver" host.
        "ALLOWED_HOSTS": "testserver",
    }


def test_concurrent_autosaves_on_a_file_sqlite_database_all_succeed(tmp_path):
    db_file = tmp_path / "walk.sqlite3"
    env = _env(db_file)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
    )

    run = subprocess.run(
        [sys.executable, "-m", "tests.responses.answering.sqlite_walkers", "8", "12"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome["failures"] == []
    assert outcome["stored"] == ["toelichting 11"] * 8
    assert outcome["journal"] == "wal"
