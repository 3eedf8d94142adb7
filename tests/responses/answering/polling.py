"""Reading what the live server stored while a browser test drives it."""

from __future__ import annotations

import time

from django.db import OperationalError

from responses.models import Answer


def stored_answer(invitation, code, expected, timeout=10.0):
    """Poll one answer until it equals `expected` (autosave is asynchronous);
    return the last value read."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        try:
            value = (
                Answer.objects.filter(
                    response__invitations=invitation, question__code=code
                )
                .values_list("value", flat=True)
                .first()
            )
        except OperationalError:
            # SQLite's shared in-memory test database answers "table is locked" at
            # once (no busy timeout) while the live server writes; poll again.
            value = None
        if value == expected:
            return value
        time.sleep(0.1)
    return value
