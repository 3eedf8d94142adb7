"""Force an interleaving on PostgreSQL: everyone reads first, then everyone writes.

The test's own connection holds a lock (a row lock or a table lock) that the code
under test needs for its *write* but not for its *read*. Each call runs in its own
thread and DB connection; once `len(calls)` backends are seen waiting on a lock in
pg_stat_activity, every call has already done its reads and sits at the same write.
Then the lock is released and the writes race. A conditional claim lets one through;
the same code without its condition lets all of them through, so the test fails.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection, connections, transaction


def lock_waiters() -> int:
    with connection.cursor() as cursor:
        # Inside a transaction pg_stat_activity is a frozen snapshot unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def race_behind_lock(
    lock_sql: str, params: list, calls: list[Callable], timeout: float = 20.0
) -> list:
    """Run `calls` concurrently while `lock_sql` is held; release once all wait.

    Returns each call's result (or the exception it raised).
    """
    results: list = [None] * len(calls)

    def run(i: int, call: Callable) -> None:
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, c), daemon=True)
        for i, c in enumerate(calls)
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(lock_sql, params)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + timeout
        while lock_waiters() < len(calls):
            if time.monotonic() > deadline:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pid, datname, state, wait_event_type, wait_event, "
                        "left(query, 80) FROM pg_stat_activity"
                    )
                    activity = cursor.fetchall()
                raise AssertionError(
                    f"only {lock_waiters()} of {len(calls)} calls reached the lock;"
                    f" results so far {results}; activity {activity}"
                )
            time.sleep(0.01)
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a racing call did not finish"
    return results
