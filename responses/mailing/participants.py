"""The participant table: one row per municipality, in a constant number of queries.

"Geopend" means the link was opened *or* a response was started: a response can be
started through a colleague's link or a coordinator, and a mayor whose mail client
blocks nothing still shows as opened once anyone answers. So opened >= started always.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from municipalities.models import Contact, Municipality
from responses.answering.coverage import annotated_municipalities
from responses.models import Campaign, Delivery, Invitation, ResponseMunicipality


class ParticipantStatus:
    SUBMITTED = "submitted"
    COORDINATOR = "coordinator"
    STARTED = "started"
    OPENED = "opened"
    INVITED = "invited"
    NOT_INVITED = "not_invited"
    choices = [
        (SUBMITTED, "Ingediend"),
        (COORDINATOR, "Via coördinator"),
        (STARTED, "Gestart"),
        (OPENED, "Geopend"),
        (INVITED, "Uitgenodigd"),
        (NOT_INVITED, "Niet uitgenodigd"),
    ]
    order = {value: i for i, (value, _) in enumerate(choices)}


SORTS = {
    "gemeente": lambda row: row.municipality.name,
    "provincie": lambda row: (row.municipality.province.name, row.municipality.name),
    "status": lambda row: (ParticipantStatus.order[row.status], row.municipality.name),
    "laatste-mail": lambda row: (row.last_mail_at, row.municipality.name),
}


@dataclass
class Participant:
    municipality: Municipality
    status: str
    opened: bool
    started: bool
    submitted: bool
    last_mail: Delivery | None
    answered_by: str

    @property
    def status_label(self) -> str:
        return dict(ParticipantStatus.choices)[self.status]

    @property
    def last_mail_at(self) -> str:
        """Local 'YYYY-MM-DD HH:MM' of the last mail (sortable), or ""."""
        mail = self.last_mail
        when = mail and (mail.sent_at or mail.created_at)
        return timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else ""


def participants(
    *,
    campaign: Campaign,
    status: str = "",
    province_id: int | None = None,
    cluster_type: str = "",
    query: str = "",
    sort: str = "gemeente",
    descending: bool = False,
) -> list[Participant]:
    """Filtered, sorted rows for every current municipality (four queries)."""
    munis: QuerySet[Municipality] = annotated_municipalities(campaign=campaign)
    if province_id:
        munis = munis.filter(province_id=province_id)
    if cluster_type:
        munis = munis.filter(cluster__type=cluster_type)
    if query:
        munis = munis.filter(name__icontains=query)
    found: list[Any] = list(munis)  # annotated rows: opened/started/submitted
    ids = [m.pk for m in found]
    last_mail: dict[int, Delivery] = {}
    for delivery in (
        Delivery.objects.filter(campaign=campaign, invitation__municipality_id__in=ids)
        .select_related("invitation")
        .order_by("-created_at", "-pk")
    ):
        if delivery.invitation is not None:
            last_mail.setdefault(delivery.invitation.municipality_id, delivery)
    answered_by: dict[int, str] = {}
    for link in ResponseMunicipality.objects.filter(
        campaign=campaign, municipality_id__in=ids
    ).select_related("response"):
        response = link.response
        who = response.respondent_name or "(naam nog niet ingevuld)"
        if response.is_coordinator:
            who = f"{who} (coördinator)"
        answered_by[link.municipality_id] = who
    rows = []
    for muni in found:
        opened = bool(muni.opened or muni.started)
        row = Participant(
            municipality=muni,
            status=_status(muni, opened),
            opened=opened,
            started=bool(muni.started),
            submitted=bool(muni.submitted),
            last_mail=last_mail.get(muni.pk),
            answered_by=answered_by.get(muni.pk, ""),
        )
        if not status or row.status == status:
            rows.append(row)
    rows.sort(key=SORTS.get(sort, SORTS["gemeente"]), reverse=descending)
    return rows


def _status(muni, opened: bool) -> str:
    if muni.submitted:
        return ParticipantStatus.SUBMITTED
    if muni.by_coordinator:
        return ParticipantStatus.COORDINATOR
    if muni.started:
        return ParticipantStatus.STARTED
    if opened:
        return ParticipantStatus.OPENED
    if muni.invited:
        return ParticipantStatus.INVITED
    return ParticipantStatus.NOT_INVITED


def with_contacts(*, campaign: Campaign, rows: list[Participant]) -> None:
    """Attach `.contact_list` (each with `.campaign_invitations`) to a page of rows."""
    invitations = Invitation.objects.filter(campaign=campaign).order_by("-created_at")
    contacts = Contact.objects.order_by("role", "name").prefetch_related(
        Prefetch("invitations", queryset=invitations, to_attr="campaign_invitations")
    )
    municipalities = [row.municipality for row in rows]
    prefetch_related_objects(
        municipalities, Prefetch("contacts", queryset=contacts, to_attr="contact_list")
    )


def export_table(rows: list[Participant]) -> list[list]:
    """Header + one line per municipality for CSV/XLSX (cells neutralised later)."""
    table = [
        [
            "NIS-code",
            "Gemeente",
            "Provincie",
            "Clustertype",
            "Status",
            "Geopend",
            "Gestart",
            "Ingediend",
            "Laatste mail",
            "Bezorging",
            "Datum laatste mail",
            "Antwoordt voor de gemeente",
        ]
    ]
    for row in rows:
        muni, mail = row.municipality, row.last_mail
        table.append(
            [
                muni.nis_code,
                muni.name,
                muni.province.name,
                muni.cluster.get_type_display() if muni.cluster else "",
                row.status_label,
                "ja" if row.opened else "nee",
                "ja" if row.started else "nee",
                "ja" if row.submitted else "nee",
                mail.get_kind_display() if mail else "",
                mail.get_status_display() if mail else "",
                row.last_mail_at,
                row.answered_by,
            ]
        )
    return table
