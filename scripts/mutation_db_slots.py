"""pytest plugin for scripts/mutation.sh: one test database per parallel mutmut child.

mutmut runs up to MUTATION_JOBS pytest sessions at once, all with --reuse-db. With
one shared test database, the transactional tests of one child (race tests, live
servers) commit rows the other child counts and flush tables under it: mutants die
of the neighbour's data, not of the tests, and the score is inflated. Each session
therefore takes the first free slot (an flock held for the session) and uses
`test_<DB_NAME>_m<slot>`; --reuse-db keeps each slot's database between mutants, so
migrations run once per slot.

Copied into the throwaway tree by scripts/mutation.sh and loaded with
`-p tests.mutation_db_slots`; the suite itself never loads it.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from pathlib import Path

import pytest

_held = None


def _take_slot(name: str, slots: int):
    folder = Path(tempfile.gettempdir()) / "vvsg-mutation-slots"
    folder.mkdir(exist_ok=True)
    while True:
        for slot in range(slots):
            handle = open(folder / f"{name}-{slot}.lock", "w")  # noqa: SIM115 - held
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            return slot, handle
        time.sleep(0.1)


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    global _held
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return  # SQLite test databases are in memory, one per process already
    # MUTATION_DB_SLOTS lets two runs (one child each) share one pool of databases.
    slots = int(
        os.environ.get("MUTATION_DB_SLOTS") or os.environ.get("MUTATION_JOBS", "2")
    )
    # From the environment: after an earlier session NAME may hold a test name.
    name = os.environ.get("DB_NAME", db["NAME"])
    slot, _held = _take_slot(name, slots)
    # In place: django.db.connections holds these same dicts.
    db.setdefault("TEST", {})["NAME"] = f"test_{name}_m{slot}"


def pytest_unconfigure(config):
    global _held
    if _held is not None:
        _held.close()
        _held = None
