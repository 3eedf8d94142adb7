"""Mail budgets: how many mails of one kind one invitation may cause.

queue_mail() asks `over_budget` before creating a Delivery. A refused mail is not
sent but counted on one SKIPPED row per invitation and kind (round REFUSAL_ROUND,
never a real round), so a flood of requests costs one row, and the campaign page
can show which budgets were hit and how often (`budget_refusals`).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, F, Sum

from responses.models import (
    Campaign,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Invitation,
)

REFUSAL_ROUND = 32767  # PositiveSmallIntegerField's maximum; real rounds stay below
REFUSED = "Budget bereikt"


def budget_for(kind: str) -> int | None:
    return settings.MAIL_BUDGETS.get(kind)


def over_budget(*, invitation: Invitation, kind: str) -> bool:
    """Whether this invitation already caused as many mails of `kind` as allowed."""
    limit = budget_for(kind)
    if limit is None:
        return False
    used = (
        Delivery.objects.filter(invitation=invitation, kind=kind)
        .exclude(status=DeliveryStatus.SKIPPED)
        .count()
    )
    return used >= limit


def record_refusal(
    *, campaign: Campaign, invitation: Invitation, kind: str, email: str, why: str
) -> Delivery:
    """Count one refused mail on the invitation's refusal row (created once)."""
    row, created = Delivery.objects.get_or_create(
        invitation=invitation,
        kind=kind,
        round=REFUSAL_ROUND,
        defaults={
            "campaign": campaign,
            "email": email,
            "status": DeliveryStatus.SKIPPED,
            "attempts": 1,
            "last_error": f"{REFUSED}: {why}",
        },
    )
    if not created:
        Delivery.objects.filter(pk=row.pk, attempts__lt=REFUSAL_ROUND).update(
            attempts=F("attempts") + 1, last_error=f"{REFUSED}: {why}"
        )
    return row


def budget_refusals(*, campaign: Campaign) -> list[dict]:
    """Per mail kind and limit: invitations that hit it and refused mails in total."""
    rows = (
        Delivery.objects.filter(
            campaign=campaign,
            round=REFUSAL_ROUND,
            status=DeliveryStatus.SKIPPED,
            last_error__startswith=REFUSED,
        )
        .values("kind", "last_error")
        .annotate(invitations=Count("id"), refused=Sum("attempts"))
        .order_by("kind", "last_error")
    )
    labels = dict(DeliveryKind.choices)
    return [
        {
            "kind": row["kind"],
            "label": labels.get(row["kind"], row["kind"]),
            "limit": row["last_error"].removeprefix(f"{REFUSED}: "),
            "invitations": row["invitations"],
            "refused": row["refused"],
        }
        for row in rows
    ]
