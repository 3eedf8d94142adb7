"""GDPR retention: strip open text and contact details of long-closed campaigns.

A campaign is past retention once both its closing date and its edit deadline lie
more than `days` before `now`. For such campaigns the numbers that feed the report
(option codes, matrix cells, numbers, covered besturen) stay; what can identify a
person or quote one goes:

* open text: the value of every `text` question and every "other, specify" text,
  in Answer and in its AnswerRevision history;
* contact details on Invitation (name, e-mail), Response (respondent name, e-mail)
  and Delivery (address, error text, mail context - a confirmation's context holds a
  copy of the answers);
* Contact rows used by such campaigns and by no campaign still within retention
  (a mayor invited again in a later, recent wave keeps their row).

E-mail columns are unique per campaign/municipality, so they get a per-row
placeholder on the reserved `.invalid` domain instead of "". Every update filters on
"not yet cleared", which makes a second run a no-op (idempotent).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from municipalities.models import Contact
from responses.models import (
    Answer,
    AnswerRevision,
    Campaign,
    Delivery,
    Invitation,
    Response,
    ResponseExportRow,
)

REMOVED_DOMAIN = "@verwijderd.invalid"
TEXT_TYPE = "text"


@dataclass(frozen=True)
class RetentionResult:
    campaigns: int = 0
    answers: int = 0  # Answer rows whose open text was removed
    revisions: int = 0  # AnswerRevision rows whose open text was removed
    invitations: int = 0
    responses: int = 0
    deliveries: int = 0
    contacts: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, int | bool]:
        return asdict(self)


def _placeholder_email(prefix: str):
    return Concat(
        Value(f"verwijderd-{prefix}-"),
        Cast("pk", output_field=CharField()),
        Value(REMOVED_DOMAIN),
        output_field=CharField(),
    )


def expired_campaigns(*, now: datetime, days: int) -> models.QuerySet[Campaign]:
    cutoff = now - timedelta(days=days)
    return Campaign.objects.filter(closes_at__lt=cutoff).filter(
        Q(edit_until__isnull=True) | Q(edit_until__lt=cutoff)
    )


def _open_text(prefix: str = "") -> Q:
    """Rows (Answer, or AnswerRevision via `answer__`) still holding open text."""
    text_value = Q(**{f"{prefix}question__type": TEXT_TYPE}) & Q(value__isnull=False)
    return text_value | ~Q(other_text="")


def _targets(campaign_ids: list[int]) -> dict[str, models.QuerySet]:
    kept_campaigns = Campaign.objects.exclude(pk__in=campaign_ids)
    return {
        "answers": Answer.objects.filter(response__campaign_id__in=campaign_ids).filter(
            _open_text()
        ),
        "revisions": AnswerRevision.objects.filter(
            answer__response__campaign_id__in=campaign_ids
        ).filter(_open_text("answer__")),
        "invitations": Invitation.objects.filter(campaign_id__in=campaign_ids).filter(
            ~Q(name="") | ~Q(email__endswith=REMOVED_DOMAIN)
        ),
        "responses": Response.objects.filter(campaign_id__in=campaign_ids).filter(
            ~Q(respondent_name="") | ~Q(respondent_email="")
        ),
        "deliveries": Delivery.objects.filter(campaign_id__in=campaign_ids).filter(
            ~Q(email__endswith=REMOVED_DOMAIN) | ~Q(last_error="") | ~Q(context={})
        ),
        "contacts": Contact.objects.filter(invitations__campaign_id__in=campaign_ids)
        .exclude(invitations__campaign__in=kept_campaigns)
        .exclude(email__endswith=REMOVED_DOMAIN)
        .distinct(),
    }


def apply_retention(
    *,
    now: datetime | None = None,
    days: int | None = None,
    dry_run: bool = False,
) -> RetentionResult:
    """Remove open text and contact details of campaigns closed more than `days` ago.

    Returns the number of rows changed per table (with dry_run: the rows that would
    change; nothing is written). Safe to run any number of times.
    """
    now = now or timezone.now()
    days = settings.RETENTION_DAYS if days is None else days
    campaign_ids = list(
        expired_campaigns(now=now, days=days).values_list("pk", flat=True)
    )
    targets = _targets(campaign_ids)
    if dry_run:
        counts = {name: qs.count() for name, qs in targets.items()}
        return RetentionResult(campaigns=len(campaign_ids), dry_run=True, **counts)
    with transaction.atomic():
        contact_ids = list(targets["contacts"].values_list("pk", flat=True))
        counts = {
            "contacts": Contact.objects.filter(pk__in=contact_ids).update(
                name="",
                email=_placeholder_email("contact"),
                email_bad_reason="",
                active=False,
            ),
            # The text filters follow joins, which update() cannot; go by primary key.
            "answers": _clear_text(Answer, targets["answers"]),
            "revisions": _clear_text(AnswerRevision, targets["revisions"]),
            "invitations": targets["invitations"].update(
                name="", email=_placeholder_email("invitation")
            ),
            "responses": targets["responses"].update(
                respondent_name="", respondent_email=""
            ),
            "deliveries": targets["deliveries"].update(
                email=_placeholder_email("delivery"), last_error="", context={}
            ),
        }
        # The COPY export's stored rows hold copies of the open text; the next
        # export builds them again from the cleared answers.
        ResponseExportRow.objects.filter(
            response__campaign_id__in=campaign_ids
        ).delete()
    return RetentionResult(campaigns=len(campaign_ids), dry_run=False, **counts)


def _clear_text(model, queryset) -> int:
    ids = list(queryset.values_list("pk", flat=True))
    text_ids = set(
        queryset.filter(
            **{
                "question__type"
                if model is Answer
                else "answer__question__type": TEXT_TYPE
            }
        ).values_list("pk", flat=True)
    )
    model.objects.filter(pk__in=text_ids).update(value=None, other_text="")
    model.objects.filter(pk__in=set(ids) - text_ids).update(other_text="")
    return len(ids)
