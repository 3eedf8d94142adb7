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

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from responses.answering.answer_writes import Conflict, Written, write_answer
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
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Invitation,
    Response,
    ResponseStatus,
)
from responses.reporting.tasks import refresh_export_row_task
from surveys import branching
from surveys.queries import instrument_spec, question_ids
from surveys.types import kind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    """One posted answer: value, 'other' text and the revision it was based on."""

    value: Any
    other_text: str = ""
    base_revision: int = 0


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

    `stored` may pass the answers the caller already read for this request; the
    result's `stored` and `evaluation` are then derived from them and the writes,
    without reading the answers again.
    """
    now = now or timezone.now()
    instrument = response.campaign.instrument
    spec = instrument_spec(instrument)
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
    after = StoredAnswers(
        values=dict(stored.values),
        others=dict(stored.others),
        revisions=dict(stored.revisions),
    )
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
        if is_empty(value):
            value = None
        if value is None and not posted.other_text and code not in stored.revisions:
            result.unchanged.append(code)  # nothing stored, nothing to clear
            continue
        written = write_answer(
            response=response,
            invitation=invitation,
            question_id=question_ids(instrument)[code],
            code=code,
            value=value,
            other_text=posted.other_text,
            base=posted.base_revision,
            now=now,
        )
        _remember(after, code, written)
        if written.conflict is not None:
            result.conflicts[code] = written.conflict
        elif written.saved:
            result.saved.append(code)
        else:
            result.unchanged.append(code)
    result.stored = after
    result.evaluation = (
        branching.evaluate(spec, after.values) if result.conflicts else evaluation
    )
    return result


def _remember(stored: StoredAnswers, code: str, written: Written) -> None:
    """Put one write's outcome into the request's copy of the stored answers."""
    if written.revision:
        stored.revisions[code] = written.revision
    if is_empty(written.value):
        stored.values.pop(code, None)
    else:
        stored.values[code] = written.value
    if written.other_text:
        stored.others[code] = written.other_text
    else:
        stored.others.pop(code, None)


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
        transaction.on_commit(lambda: _queue_export_row(response.pk))
    return SubmitResult(submitted=True, resubmitted=resubmitted)


def _queue_export_row(response_id: int) -> None:
    # Only a head start: an export rebuilds stale rows itself, so a missing or
    # unreachable broker must not turn a committed submit into an error page.
    if not settings.MAIL_QUEUE_READY:
        return
    try:
        refresh_export_row_task.delay(response_id)
    except OperationalError:
        logger.warning("broker unavailable; export row of a response left stale")


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
