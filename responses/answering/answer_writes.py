"""Writing one answer: the revision check, conflicts and the answer's history.

The rules (see responses.answering.answers): a write based on the stored revision
replaces the answer and bumps its revision; re-posting the stored value changes
nothing; a write based on an older revision is a conflict unless the respondent
re-posted what they saw at that revision. Every saved answer bumps the response's
revision, appends to the answer's history (coalesced, `_record_revision`) and moves
a started response to partial, in the same transaction as the answer.

On PostgreSQL all of that is one statement (`_PG_WRITE`), so an autosave costs one
round trip and one commit; elsewhere (SQLite, the embedded default) the same steps
run as ORM statements. Both paths are exercised by the same tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Value, When

from responses.models import (
    Answer,
    AnswerRevision,
    Invitation,
    Response,
    ResponseStatus,
)


@dataclass(frozen=True)
class Conflict:
    code: str
    their_value: Any
    their_other_text: str
    their_revision: int
    by_name: str
    at: datetime
    your_value: Any
    your_other_text: str


@dataclass(frozen=True)
class Written:
    """The stored answer after one write (revision 0: there is no stored row)."""

    saved: bool
    value: Any = None
    other_text: str = ""
    revision: int = 0
    conflict: Conflict | None = None


def write_answer(
    *,
    response: Response,
    invitation: Invitation,
    question_id: int,
    code: str,
    value: Any,
    other_text: str,
    base: int,
    now: datetime,
) -> Written:
    """Store one answer in its own transaction (value None clears it)."""
    answer = {
        "response": response,
        "invitation": invitation,
        "question_id": question_id,
        "code": code,
        "value": value,
        "other_text": other_text,
        "base": base,
        "now": now,
    }
    if connection.vendor == "postgresql":
        # One statement is its own transaction in autocommit mode: no BEGIN and
        # COMMIT round trips around it (two of an autosave's five queries before).
        return _write_in_one_statement(**answer)
    with transaction.atomic():
        return _write_with_orm(**answer)


# --- PostgreSQL: one statement ------------------------------------------------------

# `old` is the row as this statement's snapshot saw it, to tell "unchanged" from
# "conflict" when the guarded upsert (`up`) writes nothing. A row a concurrent
# editor committed after that snapshot makes the two disagree; the caller then
# reads the row again (_after_race). History rows are only changed under the answer
# row's lock, which `up` holds whenever it writes, so the snapshot's history is the
# current one there. The history CTEs are `_record_revision` in SQL.
_PG_WRITE = """
WITH old AS (
    SELECT a.id, a.value, a.other_text, a.revision, a.updated_at, i.name AS by_name
    FROM responses_answer a
    LEFT JOIN responses_invitation i ON i.id = a.answered_by_id
    WHERE a.response_id = %(response)s AND a.question_id = %(question)s
), up AS (
    INSERT INTO responses_answer AS a (
        response_id, question_id, value, other_text, answered_by_id, revision,
        updated_at
    )
    VALUES (
        %(response)s, %(question)s, %(value)s::jsonb, %(other)s, %(by)s, 1, %(now)s
    )
    ON CONFLICT (response_id, question_id) DO UPDATE SET
        value = EXCLUDED.value,
        other_text = EXCLUDED.other_text,
        answered_by_id = EXCLUDED.answered_by_id,
        revision = a.revision + 1,
        updated_at = EXCLUDED.updated_at
    WHERE a.revision = %(base)s AND (
        a.value IS DISTINCT FROM EXCLUDED.value
        OR a.other_text <> EXCLUDED.other_text
    )
    RETURNING a.id, a.revision
), last_two AS (
    SELECT h.id, h.answered_by_id, h.saved_at, h.revision
    FROM responses_answerrevision h JOIN up ON h.answer_id = up.id
    ORDER BY h.revision DESC LIMIT 2
), run AS (
    SELECT count(*) = 2
           AND bool_and(answered_by_id IS NOT DISTINCT FROM %(by)s)
           AND bool_and(saved_at >= %(window)s) AS same,
           (array_agg(id ORDER BY revision DESC))[1] AS last_id
    FROM last_two
), merged AS (
    UPDATE responses_answerrevision h
    SET value = %(value)s::jsonb, other_text = %(other)s, revision = up.revision,
        saved_at = %(now)s
    FROM up, run WHERE run.same AND h.id = run.last_id
    RETURNING h.id
), added AS (
    INSERT INTO responses_answerrevision (
        answer_id, value, other_text, answered_by_id, revision, saved_at
    )
    SELECT up.id, %(value)s::jsonb, %(other)s, %(by)s, up.revision, %(now)s
    FROM up, run WHERE NOT run.same
    RETURNING id
), trimmed AS (
    DELETE FROM responses_answerrevision
    WHERE EXISTS (SELECT 1 FROM added) AND id IN (
        SELECT h.id FROM responses_answerrevision h JOIN up ON h.answer_id = up.id
        ORDER BY h.revision DESC OFFSET %(keep)s
    )
    RETURNING id
), seen AS (
    SELECT h.value, h.other_text
    FROM responses_answerrevision h JOIN old ON h.answer_id = old.id
    WHERE h.revision = %(base)s
    ORDER BY h.id LIMIT 1
), bumped AS (
    UPDATE responses_response r
    SET revision = r.revision + 1, updated_at = %(now)s,
        status = CASE WHEN r.status = %(started)s THEN %(partial)s ELSE r.status END
    FROM up WHERE r.id = %(response)s
    RETURNING r.revision, r.status, r.updated_at
)
SELECT up.revision, old.id IS NOT NULL, old.value, old.other_text, old.revision,
       old.updated_at, old.by_name, seen.other_text IS NOT NULL, seen.value,
       seen.other_text, bumped.revision, bumped.status, bumped.updated_at
FROM (SELECT 1) AS one
LEFT JOIN up ON true LEFT JOIN old ON true LEFT JOIN seen ON true
LEFT JOIN bumped ON true
"""


def _write_in_one_statement(
    *, response, invitation, question_id, code, value, other_text, base, now
) -> Written:
    window = now - timedelta(seconds=settings.ANSWER_REVISION_COALESCE_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(
            _PG_WRITE,
            {
                "response": response.pk,
                "question": question_id,
                "value": None if value is None else json.dumps(value),
                "other": other_text,
                "by": invitation.pk,
                "now": now,
                "base": base,
                "window": window,
                "keep": max(settings.ANSWER_HISTORY_LIMIT - 1, 0),
                "started": ResponseStatus.STARTED,
                "partial": ResponseStatus.PARTIAL,
            },
        )
        (
            new_revision,
            found,
            old_value,
            old_other,
            old_revision,
            old_at,
            by_name,
            seen_found,
            seen_value,
            seen_other,
            *bumped,
        ) = cursor.fetchone()
    if new_revision is not None:
        response.revision, response.status, response.updated_at = bumped
        return Written(True, value, other_text, new_revision)
    if not found:
        return _after_race(response, question_id, code, value, other_text, base)
    old_value = _json(old_value)
    if old_value == value and old_other == other_text:
        return Written(False, old_value, old_other, old_revision)
    if old_revision == base:
        # The upsert found a newer row than this statement's snapshot.
        return _after_race(response, question_id, code, value, other_text, base)
    if base == 0:
        unchanged = value is None and not other_text
    else:
        unchanged = bool(seen_found) and (_json(seen_value), seen_other) == (
            value,
            other_text,
        )
    if unchanged:
        # The respondent re-posted what they saw; the newer value stands.
        return Written(False, old_value, old_other, old_revision)
    conflict = Conflict(
        code=code,
        their_value=old_value,
        their_other_text=old_other,
        their_revision=old_revision,
        by_name=by_name or "een collega",
        at=old_at,
        your_value=value,
        your_other_text=other_text,
    )
    return Written(False, old_value, old_other, old_revision, conflict)


def _json(raw: str | None) -> Any:
    return None if raw is None else json.loads(raw)


def _after_race(response, question_id, code, value, other_text, base) -> Written:
    """Judge the write against the row as it stands now (a colleague just saved)."""
    row = Answer.objects.select_related("answered_by").get(
        response=response, question_id=question_id
    )
    if (row.value, row.other_text) == (value, other_text) or (
        row.revision != base and _unchanged_since(row, base, value, other_text)
    ):
        return Written(False, row.value, row.other_text, row.revision)
    return _refused(code, row, value, other_text)


# --- other databases: the same steps through the ORM ---------------------------------


def _write_with_orm(
    *, response, invitation, question_id, code, value, other_text, base, now
) -> Written:
    row = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("answered_by")
        .filter(response=response, question_id=question_id)
        .first()
    )
    if row is None:
        if value is None and not other_text:
            return Written(False)
        try:
            with transaction.atomic():
                row = Answer.objects.create(
                    response=response,
                    question_id=question_id,
                    value=value,
                    other_text=other_text,
                    answered_by=invitation,
                    revision=1,
                )
        except IntegrityError:
            # A colleague created the answer between our read and our insert.
            row = Answer.objects.select_related("answered_by").get(
                response=response, question_id=question_id
            )
            return _refused(code, row, value, other_text)
    else:
        if row.value == value and row.other_text == other_text:
            return Written(False, row.value, row.other_text, row.revision)
        if row.revision != base:
            if _unchanged_since(row, base, value, other_text):
                # The respondent re-posted what they saw; the newer value stands.
                return Written(False, row.value, row.other_text, row.revision)
            return _refused(code, row, value, other_text)
        # The revision predicate keeps this race-free even where row locks are no-ops.
        updated = Answer.objects.filter(pk=row.pk, revision=base).update(
            value=value,
            other_text=other_text,
            answered_by=invitation,
            revision=base + 1,
            updated_at=now,
        )
        if updated != 1:
            row = Answer.objects.select_related("answered_by").get(pk=row.pk)
            return _refused(code, row, value, other_text)
        row.value, row.other_text, row.revision = value, other_text, base + 1
        row.answered_by = invitation
    _record_revision(row, now=now)
    Response.objects.filter(pk=response.pk).update(
        revision=F("revision") + 1,
        updated_at=now,
        status=Case(
            When(status=ResponseStatus.STARTED, then=Value(ResponseStatus.PARTIAL)),
            default=F("status"),
        ),
    )
    response.refresh_from_db(fields=["status", "revision", "updated_at"])
    return Written(True, value, other_text, row.revision)


def _unchanged_since(row: Answer, base: int, value, other_text) -> bool:
    if base == 0:
        return value is None and not other_text
    seen = AnswerRevision.objects.filter(answer=row, revision=base).first()
    return seen is not None and seen.value == value and seen.other_text == other_text


def _record_revision(row: Answer, *, now: datetime) -> None:
    """Append the new state to the answer's history, coalescing autosave bursts.

    Typing a sentence autosaves many times. A save by the same person within
    ANSWER_REVISION_COALESCE_SECONDS overwrites the newest history row, except the
    first row of that person's run: a colleague's page may carry that revision, and
    _unchanged_since needs its value to tell a stale re-post from a real conflict.
    Only the newest ANSWER_HISTORY_LIMIT rows are kept, so no client can grow the
    table without bound.
    """
    last, previous = (
        list(AnswerRevision.objects.filter(answer=row).order_by("-revision")[:2])
        + [None, None]
    )[:2]
    window = now - timedelta(seconds=settings.ANSWER_REVISION_COALESCE_SECONDS)
    same_run = (
        last is not None
        and previous is not None
        and last.answered_by_id == previous.answered_by_id == row.answered_by_id
        and last.saved_at >= window
        and previous.saved_at >= window
    )
    if same_run and last is not None:
        AnswerRevision.objects.filter(pk=last.pk).update(
            value=row.value,
            other_text=row.other_text,
            revision=row.revision,
            saved_at=now,
        )
        return
    created = AnswerRevision.objects.create(
        answer=row,
        value=row.value,
        other_text=row.other_text,
        answered_by=row.answered_by,
        revision=row.revision,
    )
    # auto_now_add ignores a given value; the service clock decides the window.
    AnswerRevision.objects.filter(pk=created.pk).update(saved_at=now)
    stale = AnswerRevision.objects.filter(answer=row).order_by("-revision")[
        settings.ANSWER_HISTORY_LIMIT :
    ]
    stale_ids = list(stale.values_list("pk", flat=True))
    if stale_ids:
        AnswerRevision.objects.filter(pk__in=stale_ids).delete()


def _refused(code: str, row: Answer, value, other_text) -> Written:
    who = row.answered_by.name if row.answered_by else "een collega"
    conflict = Conflict(
        code=code,
        their_value=row.value,
        their_other_text=row.other_text,
        their_revision=row.revision,
        by_name=who,
        at=row.updated_at,
        your_value=value,
        your_other_text=other_text,
    )
    return Written(False, row.value, row.other_text, row.revision, conflict)
