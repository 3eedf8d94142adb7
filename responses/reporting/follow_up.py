"""The follow-up list: besturen that asked for support, training or contact.

Which answers put a bestuur on the list is data, not code: a question's
`follow_up` setting in the instrument file, e.g.

    LIVC_ONDERSTEUNING: settings: {follow_up: {ja: "Vraagt ondersteuning LIVC R"}}
    NOD_ONDERSTEUNING (text): settings: {follow_up: "Noemt specifieke noden"}

(choice questions map option codes to a reason; a text question's reason applies
to any answer). The list is derived per bestuur from the visible answers through
the results loader, so hidden (branched-away) answers never create an item, and a
coordinator's answer counts for every bestuur it covers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from responses.models import Campaign, FollowUpItem, FollowUpStatus
from surveys.types import is_answered, kind
from vvsg_survey.sanitise import csv_row

from .results.data import load_directory
from .results.report import Options, load_wave
from .results.units import UNIT_BESTUUR, best_record_per_bestuur


@dataclass(frozen=True)
class Wanted:
    municipality_id: int
    question_code: str
    section: str
    reason: str
    detail: str


def _matches(question, answers, others) -> Iterator[tuple[str, str]]:
    """(reason, detail) for every follow-up rule this answer meets."""
    rule = (question.settings or {}).get("follow_up")
    value = answers.get(question.code)
    if not rule or not is_answered(value):
        return
    if isinstance(rule, str):
        yield rule, str(value).strip()
        return
    chosen = kind(question).chosen(value)
    by_reason: dict[str, list[str]] = {}
    for option in question.options:
        if option.code in chosen and option.code in rule:
            label = option.label
            if option.is_other and others.get(question.code):
                label = f"{label}: {others[question.code].strip()}"
            by_reason.setdefault(rule[option.code], []).append(label)
    for reason, labels in by_reason.items():
        yield reason, "; ".join(labels)


def wanted_items(campaign: Campaign) -> list[Wanted]:
    directory = load_directory()
    wave = load_wave(campaign, directory=directory, options=Options(unit=UNIT_BESTUUR))
    questions = [q for q in wave.spec.questions if (q.settings or {}).get("follow_up")]
    wanted = []
    for bestuur, record in best_record_per_bestuur(wave.records).values():
        for question in questions:
            for reason, detail in _matches(question, record.answers, record.others):
                wanted.append(
                    Wanted(bestuur.id, question.code, question.section, reason, detail)
                )
    return wanted


@dataclass(frozen=True)
class Refreshed:
    created: int
    updated: int
    removed: int


@transaction.atomic
def refresh_follow_up(*, campaign: Campaign) -> Refreshed:
    """Bring the list in line with the answers; staff's status and notes stay.

    An item whose answer was withdrawn disappears only while nobody worked on it
    (still open, no note); otherwise it stays, so no contact history is lost.
    """
    wanted = {
        (w.municipality_id, w.question_code, w.reason): w
        for w in wanted_items(campaign)
    }
    existing = {
        (i.municipality_id, i.question_code, i.reason): i
        for i in FollowUpItem.objects.select_for_update().filter(campaign=campaign)
    }
    created = [
        FollowUpItem(
            campaign=campaign,
            municipality_id=w.municipality_id,
            question_code=w.question_code,
            section=w.section,
            reason=w.reason,
            detail=w.detail,
        )
        for key, w in wanted.items()
        if key not in existing
    ]
    FollowUpItem.objects.bulk_create(created)
    updated = 0
    for key, item in existing.items():
        if key in wanted and item.detail != wanted[key].detail:
            FollowUpItem.objects.filter(pk=item.pk).update(detail=wanted[key].detail)
            updated += 1
    stale = [
        item.pk
        for key, item in existing.items()
        if key not in wanted and item.status == FollowUpStatus.OPEN and not item.note
    ]
    FollowUpItem.objects.filter(pk__in=stale).delete()
    return Refreshed(len(created), updated, len(stale))


def set_follow_up_status(
    *, item: FollowUpItem, status: str, note: str, user, now: datetime | None = None
) -> None:
    if status not in FollowUpStatus.values:
        raise ValueError(f"unknown status {status!r}")
    FollowUpItem.objects.filter(pk=item.pk).update(
        status=status,
        note=note.strip(),
        updated_by=user,
        updated_at=now or timezone.now(),
    )


def follow_up_items(
    campaign: Campaign,
    *,
    section: str = "",
    province: str = "",
    family: str = "",
    status: str = "",
) -> QuerySet[FollowUpItem]:
    items = FollowUpItem.objects.filter(campaign=campaign).select_related(
        "municipality__province", "municipality__cluster", "updated_by"
    )
    if section:
        items = items.filter(section=section)
    if province:
        items = items.filter(municipality__province__nis_code=province)
    if family:
        items = items.filter(municipality__cluster__type=family)
    if status:
        items = items.filter(status=status)
    return items.order_by("municipality__name", "question_code", "reason")


CSV_HEADER = [
    "nis_code",
    "bestuur",
    "provincie",
    "clustertype",
    "thema",
    "vraag",
    "reden",
    "antwoord",
    "status",
    "notitie",
    "bijgewerkt_door",
    "bijgewerkt_op",
]


def follow_up_rows(items) -> Iterator[list]:
    """CSV rows through the one cell sanitiser (answers are respondent text)."""
    yield csv_row(CSV_HEADER)
    for item in items:
        m = item.municipality
        yield csv_row(
            [
                m.nis_code,
                m.name,
                m.province.name if m.province_id else "",
                m.cluster.get_type_display() if m.cluster_id else "",
                item.section,
                item.question_code,
                item.reason,
                item.detail,
                item.get_status_display(),
                item.note,
                item.updated_by.get_username() if item.updated_by else "",
                timezone.localtime(item.updated_at).isoformat()
                if item.updated_at
                else "",
            ]
        )
