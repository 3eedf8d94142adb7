"""A PDF copy of a response: what the mayor keeps for the file.

WeasyPrint renders an HTML template with Debian's DejaVu fonts: a maintained
library, no browser anywhere near a web request (driving Chromium from a view is
out), and the same data as the confirmation mail. One copy of the 2026 instrument
takes 0.15-0.6 s on a busy two-core machine (tests/responses/answering/test_pdf.py
prints it), over the 200 ms a request may spend, so a worker renders it: once per
response revision, stored as an AnswerCopy. The download serves the stored copy or
asks for one; the confirmation mail (built in the worker) attaches it.
"""

from __future__ import annotations

import hashlib
import hmac

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from responses.answering.answers import confirmation_context
from responses.answering.respondents import format_deadline
from responses.keys import purpose_key
from responses.mailing.tasks import store_answer_copy_task
from responses.models import AnswerCopy, Response

PDF_CONTENT_TYPE = "application/pdf"


def reference_number(response: Response) -> str:
    """'LB2026-00042-7F3A': wave, response and a check that tells typos apart.

    Quoted on the phone or in a mail to VVSG; the check digits are an HMAC, so a
    reference cannot be derived for another response without the key.
    """
    key = purpose_key(setting="REFERENCE_KEY", purpose=b"vvsg-survey reference")
    check = hmac.new(key, str(response.pk).encode(), hashlib.sha256).hexdigest()
    wave = response.campaign.opens_at.year
    return f"LB{wave}-{response.pk:05d}-{check[:4].upper()}"


def filename(response: Response) -> str:
    return f"ledenbevraging-{reference_number(response)}.pdf"


def answers_pdf(*, response: Response, now=None) -> bytes:
    """The PDF copy: every visible question in order, with section titles,
    the besturen it speaks for, submission time and reference number."""
    context = confirmation_context(response=response) | {
        "reference": reference_number(response),
        "printed_at": format_deadline(now or timezone.now()),
        "submitted": response.submitted_at is not None,
    }
    html = render_to_string("responses/respondent/pdf.html", context)
    # Imported here: only the worker renders, so web processes never load pango.
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def current_copy(*, response: Response) -> AnswerCopy | None:
    """The stored copy of the response as it stands now, if a worker made it."""
    return AnswerCopy.objects.filter(
        response=response, revision=response.revision
    ).first()


def store_copy(*, response_id: int) -> AnswerCopy | None:
    """Render and keep the copy of the current revision (idempotent).

    Two workers may render the same revision; the unique constraint keeps one row
    and nothing else happens twice. Older revisions are dropped: only the answers
    as they stand are ever offered.
    """
    response = (
        Response.objects.select_related("campaign").filter(pk=response_id).first()
    )
    if response is None:
        return None
    if existing := current_copy(response=response):
        return existing
    pdf = answers_pdf(response=response)
    try:
        with transaction.atomic():
            copy = AnswerCopy.objects.create(
                response=response, revision=response.revision, pdf=pdf
            )
    except IntegrityError:
        return current_copy(response=response)
    AnswerCopy.objects.filter(
        response=response, revision__lt=response.revision
    ).delete()
    return copy


def copy_attachment(*, response: Response) -> tuple[str, bytes, str]:
    """(filename, bytes, MIME type) for the confirmation mail; worker side only."""
    copy = store_copy(response_id=response.pk)
    if copy is None:
        raise LookupError(f"response {response.pk} is gone")
    return filename(response), bytes(copy.pdf), PDF_CONTENT_TYPE


def request_copy(*, response: Response) -> None:
    """Ask a worker for the copy of the current revision, after this commit."""
    response_id = response.pk
    transaction.on_commit(lambda: store_answer_copy_task.delay(response_id))
