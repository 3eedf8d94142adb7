"""Saving answers one question at a time, submitting, and editing after submit.

Each question is written in its own transaction with optimistic locking: the form
carries the revision the respondent saw, and a save based on an older revision than
the stored one is refused for that question only. Two colleagues on the same response
therefore never overwrite each other silently, while their saves of different
questions go through independently.

Posted answers to questions that are hidden (by the answers as they stand after this
save) are ignored, reported in `SaveResult.ignored` and never stored; cells of hidden
matrix rows are dropped the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from responses.answering.queries import (
    StoredAnswers,
    is_empty,
    review_sections,
    section_titles,
    stored_answers,
)
from responses.answering.respondents import (
    can_edit,
    contact_email,
    edit_deadline,
    format_deadline,
)
from responses.answering.texts import numbered_for_display
from responses.mailing.outbox import queue_mail
from responses.models import (
    Answer,
    AnswerRevision,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Invitation,
    Response,
    ResponseStatus,
)
from responses.reporting.tasks import refresh_export_row_task
from surveys import branching
from surveys.queries import instrument_spec
from surveys.types import kind


@dataclass(frozen=True)
class Submitted:
    """One posted answer: value, 'other' text and the revision it was based on."""

    value: Any
    other_text: str = ""
    base_revision: int = 0


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


@dataclass
class SaveResult:
    saved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    stored: StoredAnswers | None = None
    # The branching state after this save, evaluated once for the request.
    evaluation: branching.Evaluation | None = None

    @property
    def visibility(self) -> branching.Evaluation | None:
        return self.evaluation

    @property
    def ok(self) -> bool:
        return not self.errors and not self.conflicts


def save_answers(
    *,
    response: Response,
    invitation: Invitation,
    answers: Mapping[str, Submitted],
    stored: StoredAnswers | None = None,
    now: datetime | None = None,
) -> SaveResult:
    """Validate and store posted answers per question; see the module docstring.

    `stored` may pass the answers the caller already read for this request.
    """
    now = now or timezone.now()
    spec = instrument_spec(response.campaign.instrument)
    question_ids = dict(
        response.campaign.instrument.questions.values_list("code", "pk")
    )
    result = SaveResult()
    stored = stored if stored is not None else stored_answers(response=response)
    merged = dict(stored.values)
    valid: dict[str, Submitted] = {}
    for code, posted in answers.items():
        try:
            question = spec.question(code)
        except KeyError:
            result.errors[code] = ["Onbekende vraag voor deze vragenlijst."]
            continue
        other = kind(question).other_text(question, posted.value, posted.other_text)
        if not is_empty(posted.value):
            problems = branching.validate_value(question, posted.value, other)
            if problems:
                result.errors[code] = problems
                continue
            merged[code] = posted.value
        else:
            merged.pop(code, None)
        valid[code] = Submitted(posted.value, other, posted.base_revision)
    # The one evaluation of this save: hidden answers and hidden matrix cells are
    # dropped below and never count for conditions, so it also describes the
    # stored state afterwards unless a conflict kept a colleague's value.
    evaluation = branching.evaluate(spec, merged)
    for code, posted in valid.items():
        if code not in evaluation.visible:
            if not is_empty(posted.value):
                result.ignored.append(code)
            continue
        question = spec.question(code)
        value = posted.value
        if not is_empty(value):
            value = kind(question).visible_value(
                question, value, evaluation.visible_rows(code)
            )
        outcome = _write_one(
            response=response,
            question_id=question_ids[code],
            code=code,
            value=None if is_empty(value) else value,
            other_text=posted.other_text,
            base=posted.base_revision,
            invitation=invitation,
            now=now,
        )
        if isinstance(outcome, Conflict):
            result.conflicts[code] = outcome
        elif outcome:
            result.saved.append(code)
        else:
            result.unchanged.append(code)
    if result.saved:
        Response.objects.filter(pk=response.pk).update(
            revision=F("revision") + 1, updated_at=now
        )
        Response.objects.filter(pk=response.pk, status=ResponseStatus.STARTED).update(
            status=ResponseStatus.PARTIAL
        )
        response.refresh_from_db(fields=["status", "revision", "updated_at"])
    result.stored = stored_answers(response=response)
    result.evaluation = (
        branching.evaluate(spec, result.stored.values)
        if result.conflicts
        else evaluation
    )
    return result


def _write_one(
    *, response, question_id, code, value, other_text, base, invitation, now
) -> bool | Conflict:
    """Store one answer; True = saved, False = nothing to change, Conflict = refused."""
    with transaction.atomic():
        row = (
            Answer.objects.select_for_update(of=("self",))
            .select_related("answered_by")
            .filter(response=response, question_id=question_id)
            .first()
        )
        if row is None:
            if value is None and not other_text:
                return False
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
                return _conflict(code, row, value, other_text)
            _record_revision(row, now=now)
            return True
        if row.value == value and row.other_text == other_text:
            return False
        if row.revision != base:
            if _unchanged_since(row, base, value, other_text):
                # The respondent re-posted what they saw; the newer value stands.
                return False
            return _conflict(code, row, value, other_text)
        # The revision predicate keeps this race-free even where row locks are no-ops.
        updated = Answer.objects.filter(pk=row.pk, revision=base).update(
            value=value,
            other_text=other_text,
            answered_by=invitation,
            revision=base + 1,
            updated_at=now,
        )
        if updated != 1:
            row.refresh_from_db()
            return _conflict(code, row, value, other_text)
        row.refresh_from_db()
        _record_revision(row, now=now)
        return True


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


def _conflict(code: str, row: Answer, value, other_text) -> Conflict:
    who = row.answered_by.name if row.answered_by else "een collega"
    return Conflict(
        code=code,
        their_value=row.value,
        their_other_text=row.other_text,
        their_revision=row.revision,
        by_name=who,
        at=row.updated_at,
        your_value=value,
        your_other_text=other_text,
    )


def remember_section(*, response: Response, section: str) -> None:
    """Where the respondent resumes; no write when it is already there."""
    if response.current_section == section:
        return
    Response.objects.filter(pk=response.pk).update(current_section=section)
    response.current_section = section


# --- submit ------------------------------------------------------------------------


@dataclass
class SubmitResult:
    submitted: bool
    errors: dict[str, list[str]] = field(default_factory=dict)
    resubmitted: bool = False


def missing_answers(*, response: Response) -> dict[str, list[str]]:
    """Errors per visible question that block submitting (required, shape)."""
    spec = instrument_spec(response.campaign.instrument)
    stored = stored_answers(response=response)
    return branching.evaluate(spec, stored.values).validate(stored.others)


def submit_response(
    *, response: Response, invitation: Invitation, now: datetime | None = None
) -> SubmitResult:
    """Mark a complete response submitted and mail a copy of the answers.

    Refused (nothing changes) while a visible required question is unanswered.
    Submitting again after an edit keeps the first submitted_at and sends a new copy;
    submitting again without a change sends nothing.
    """
    now = now or timezone.now()
    if not can_edit(campaign=response.campaign, response=response, now=now):
        return SubmitResult(
            submitted=False,
            errors={"": ["De termijn om deze vragenlijst te wijzigen is verstreken."]},
        )
    errors = missing_answers(response=response)
    if errors:
        return SubmitResult(submitted=False, errors=errors)
    resubmitted = response.status == ResponseStatus.SUBMITTED
    with transaction.atomic():
        # The UPDATE locks the response row: concurrent submits queue one by one and
        # each sees the confirmation the previous one queued.
        Response.objects.filter(pk=response.pk).update(
            status=ResponseStatus.SUBMITTED, updated_at=now
        )
        Response.objects.filter(pk=response.pk, submitted_at__isnull=True).update(
            submitted_at=now
        )
        response.refresh_from_db()
        queue_confirmation(response=response, invitation=invitation)
        # The COPY export's stored row, built by a worker, not by this request.
        transaction.on_commit(partial(refresh_export_row_task.delay, response.pk))
    return SubmitResult(submitted=True, resubmitted=resubmitted)


def confirmation_round(response: Response) -> int:
    """One confirmation per submitted state of the answers.

    Every saved change bumps Response.revision, so a submit without change since
    the last confirmed one maps to the same round and queues nothing. Kept below
    budgets.REFUSAL_ROUND (the small-integer column's maximum).
    """
    return response.revision % 32000


def confirmation_recipient(*, response: Response, invitation: Invitation) -> Invitation:
    """Who gets the copy: the submitter's own address, never a typed one.

    The address typed on the besturen page counts only when it belongs to an active
    invitation of the same response (a colleague the link was forwarded to).
    """
    typed = (response.respondent_email or "").strip()
    if typed and typed.lower() != invitation.email.lower():
        colleague = response.invitations.filter(
            email__iexact=typed, revoked_at__isnull=True
        ).first()
        if colleague is not None:
            return colleague
    return invitation


def queue_confirmation(*, response: Response, invitation: Invitation):
    round_no = confirmation_round(response)
    already = Delivery.objects.filter(
        invitation__response=response, kind=DeliveryKind.CONFIRMATION, round=round_no
    ).exclude(status=DeliveryStatus.SKIPPED)
    if already.exists():
        return None  # this state of the answers was confirmed before
    recipient = confirmation_recipient(response=response, invitation=invitation)
    return queue_mail(
        campaign=response.campaign,
        kind=DeliveryKind.CONFIRMATION,
        email=recipient.email,
        invitation=recipient,
        round=round_no,
        context=confirmation_context(response=response),
    )


def confirmation_context(*, response: Response) -> dict:
    """JSON-safe mail context: who, for which besturen, and every visible answer."""
    campaign = response.campaign
    spec = instrument_spec(campaign.instrument)
    stored = stored_answers(response=response)
    visibility = branching.evaluate(spec, stored.values)
    sections = review_sections(
        spec=numbered_for_display(spec, visibility.visible),
        titles=section_titles(instrument=campaign.instrument),
        visible=visibility.visible_answers,
        others=stored.others,
        visible_codes=visibility.visible,
        required_codes=visibility.required,
        errors={},
    )
    return {
        "name": response.respondent_name,
        "campaign": campaign.name,
        "municipalities": [
            m.municipality.name
            for m in response.represented.select_related("municipality")
        ],
        "submitted_at": format_deadline(response.submitted_at or timezone.now()),
        "edit_until": format_deadline(
            edit_deadline(campaign=campaign, response=response)
        ),
        "contact_email": contact_email(campaign),
        "sections": [
            {
                "title": section.title,
                "items": [
                    {"number": item.number, "text": item.text, "lines": item.lines}
                    for item in section.items
                ],
            }
            for section in sections
        ],
    }


def reopen_response(*, response: Response, now: datetime | None = None) -> bool:
    """Let a submitted response be edited again while the deadline allows it.

    The status stays SUBMITTED (the bestuur keeps counting as responded); the next
    submit sends a fresh confirmation. Returns False once editing is closed.
    """
    if not can_edit(campaign=response.campaign, response=response, now=now):
        return False
    spec = instrument_spec(response.campaign.instrument)
    remember_section(response=response, section=spec.sections[0])
    return True


def sync_municipality_answers(
    *, response: Response, invitation: Invitation, now: datetime | None = None
) -> SaveResult | None:
    """Mirror the besturen the response covers into 'municipalities' questions.

    The besturen page is the one place to choose them (it enforces that a bestuur is
    covered once per campaign), so such a question is answered from it, not typed.
    """
    spec = instrument_spec(response.campaign.instrument)
    codes = sorted(
        response.represented.values_list("municipality__nis_code", flat=True)
    )
    stored = stored_answers(response=response)
    answers = {
        q.code: Submitted(codes, base_revision=stored.revisions.get(q.code, 0))
        for q in spec.questions
        if kind(q).mirrors_besturen
    }
    if not answers:
        return None
    return save_answers(
        response=response, invitation=invitation, answers=answers, now=now
    )
