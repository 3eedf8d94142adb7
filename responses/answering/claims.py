"""Who answers for which bestuur: own response, authorised coordinators, claims.

A response speaks for a bestuur through one ResponseMunicipality row whose status
says why (docs/coverage.md has the state diagram):

- own: the bestuur's own invitation started it (at most one per bestuur, by a
  database constraint; a second starter joins it).
- authorised: a coordinator contact declared to serve the bestuur.
- pending -> accepted: anyone else; the bestuur's mayor or VVSG staff decide.

Every change is written to the audit trail (responses/answering/audit.py) and the
people concerned are told by mail through the Delivery outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from municipalities.models import Contact, ContactRole, Municipality
from responses.answering.answers import sync_municipality_answers
from responses.answering.audit import record_event
from responses.answering.claim_mails import mail_claimant, mail_mayor_about_claim
from responses.answering.respondents import contact_email
from responses.models import (
    ClaimStatus,
    CoverageEventKind,
    Invitation,
    InvitationKind,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)


class ClaimRefused(Exception):
    """A claim or decision that changes nothing; the message is for the user."""


@dataclass
class StartResult:
    response: Response | None
    added: list[Municipality] = field(default_factory=list)
    claimed: list[Municipality] = field(default_factory=list)
    removed: list[Municipality] = field(default_factory=list)
    taken_back: bool = False
    joined_existing: bool = False
    errors: list[str] = field(default_factory=list)


def start_response(
    *,
    invitation: Invitation,
    respondent_name: str,
    respondent_email: str,
    respondent_function: str,
    is_coordinator: bool,
    extra_nis_codes: list[str],
    now: datetime | None = None,
) -> StartResult:
    """Create or update a link's response and the besturen it speaks for.

    All or nothing: an unknown or already-covered bestuur, or too many claims, leaves
    every row as it was and returns the reasons in `errors`. A bestuur's own link
    always starts (or joins) the bestuur's own response, never a claimant's; if a
    claimant speaks for it, starting is taking it back.
    """
    now = now or timezone.now()
    result = StartResult(response=None)
    is_coordinator = is_coordinator or invitation.kind == InvitationKind.COORDINATOR
    wanted = {code for code in extra_nis_codes if code} if is_coordinator else set()
    known = {
        m.nis_code: m
        for m in Municipality.objects.filter(nis_code__in=wanted, valid_to__isnull=True)
    }
    if unknown := sorted(wanted - set(known)):
        result.errors.append(
            "Onbekende of niet meer bestaande gemeente: " + ", ".join(unknown) + "."
        )
        return result
    details = {
        "respondent_name": respondent_name,
        "respondent_email": respondent_email,
        "respondent_function": respondent_function,
    }
    try:
        with transaction.atomic():
            # The lock serialises two tabs of the same invitation pressing "Start".
            locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
            response = locked.response
            if response is None:
                response, result.joined_existing = _own_or_new_response(
                    invitation=locked, details=details, now=now, result=result
                )
                locked.response = response
                locked.save(update_fields=["response"])
            invitation.response = response
            result.response = response
            if result.joined_existing:
                # A colleague joining keeps the starter's details and besturen.
                return result
            for name, value in details.items():
                setattr(response, name, value)
            response.is_coordinator = is_coordinator
            response.save(update_fields=[*details, "is_coordinator", "updated_at"])
            _set_besturen(
                response=response,
                invitation=locked,
                wanted=[known[c] for c in sorted(wanted)],
                now=now,
                result=result,
            )
    except ClaimRefused as refused:
        return StartResult(response=None, errors=[str(refused)])
    return result


def choose_besturen(
    *,
    invitation: Invitation,
    respondent_name: str,
    respondent_email: str,
    respondent_function: str,
    is_coordinator: bool,
    extra_nis_codes: list[str],
    now: datetime | None = None,
) -> StartResult:
    """The besturen page as one transaction: who answers, for which besturen, and
    the 'municipalities' answers that mirror them; a failure leaves all as it was."""
    with transaction.atomic():
        result = start_response(
            invitation=invitation,
            respondent_name=respondent_name,
            respondent_email=respondent_email,
            respondent_function=respondent_function,
            is_coordinator=is_coordinator,
            extra_nis_codes=extra_nis_codes,
            now=now,
        )
        if not result.errors and result.response is not None:
            sync_municipality_answers(
                response=result.response, invitation=invitation, now=now
            )
    return result


def _own_or_new_response(
    *, invitation: Invitation, details: dict, now: datetime, result: StartResult
) -> tuple[Response, bool]:
    """The bestuur's own response: created, or joined when a colleague was first."""
    campaign = invitation.campaign
    forwarded_by = invitation.forwarded_by
    if InvitationKind.COORDINATOR in (
        invitation.kind,
        forwarded_by.kind if forwarded_by else None,
    ):
        # A coordinator (or a colleague it forwarded to) speaks for the besturen
        # it serves, never for its employer's bestuur.
        return Response.objects.create(campaign=campaign, **details), False
    municipality = invitation.municipality
    existing = _own_row(campaign_id=campaign.pk, municipality_id=municipality.pk)
    if existing is None:
        try:
            with transaction.atomic():
                response = Response.objects.create(campaign=campaign, **details)
                ResponseMunicipality.objects.create(
                    response=response,
                    campaign=campaign,
                    municipality=municipality,
                    status=ClaimStatus.OWN,
                    claimed_by=invitation,
                )
        except IntegrityError:
            # A colleague of the same bestuur pressed Start at the same moment: the
            # constraint kept one own response; join it (same bestuur = entitled).
            existing = _own_row(
                campaign_id=campaign.pk, municipality_id=municipality.pk
            )
            if existing is None:
                raise
        else:
            record_event(
                campaign_id=campaign.pk,
                municipality_id=municipality.pk,
                kind=CoverageEventKind.OWN,
                response=response,
                invitation=invitation,
                now=now,
            )
            result.taken_back = _take_back(
                municipality=municipality, by=invitation, now=now
            )
            result.added.append(municipality)
            return response, False
    record_event(
        campaign_id=campaign.pk,
        municipality_id=municipality.pk,
        kind=CoverageEventKind.JOIN,
        response=existing.response,
        invitation=invitation,
        now=now,
    )
    return existing.response, True


def _own_row(*, campaign_id: int, municipality_id: int) -> ResponseMunicipality | None:
    return (
        ResponseMunicipality.objects.filter(
            campaign_id=campaign_id,
            municipality_id=municipality_id,
            status=ClaimStatus.OWN,
        )
        .select_related("response")
        .first()
    )


def authorised_municipality_ids(*, response: Response) -> set[int]:
    """Besturen the coordinator contacts behind the response's links declared."""
    contacts = Contact.objects.filter(
        role=ContactRole.COORDINATOR,
        active=True,
        invitations__response=response,
        invitations__kind=InvitationKind.COORDINATOR,
        invitations__revoked_at__isnull=True,
    )
    return set(
        Municipality.objects.filter(
            coordinators__in=contacts, valid_to__isnull=True
        ).values_list("pk", flat=True)
    )


def _set_besturen(
    *,
    response: Response,
    invitation: Invitation,
    wanted: list[Municipality],
    now: datetime,
    result: StartResult,
) -> None:
    """Make the response's extra besturen exactly `wanted` (the form is the truth)."""
    rows = {
        row.municipality_id: row
        for row in ResponseMunicipality.objects.filter(response=response)
        .select_related("municipality")
        .select_for_update(of=("self",))
    }
    new = [m for m in wanted if m.pk not in rows]
    taken = {
        row.municipality_id: row
        for row in ResponseMunicipality.objects.filter(
            campaign=response.campaign, municipality__in=new
        ).exclude(response=response)
    }
    if taken:
        names = ", ".join(m.name for m in new if m.pk in taken)
        raise ClaimRefused(
            f"Voor {names} antwoordt al een ander bestuur of een andere respondent. "
            "Er werd niets gewijzigd. Neem contact op met VVSG als dit niet klopt."
        )
    authorised = authorised_municipality_ids(response=response)
    claims = [m for m in new if m.pk not in authorised]
    pending = sum(1 for r in rows.values() if r.status == ClaimStatus.PENDING)
    limit = settings.COVERAGE_MAX_PENDING_CLAIMS
    if pending + len(claims) > limit:
        raise ClaimRefused(
            f"U kunt voor ten hoogste {limit} besturen tegelijk een aanvraag doen "
            "zonder dat VVSG u als coördinator kent. Er werd niets gewijzigd. "
            f"Vraag VVSG ({contact_email(response.campaign)}) om u te registreren."
        )
    for municipality in new:
        status = (
            ClaimStatus.AUTHORISED
            if municipality.pk in authorised
            else ClaimStatus.PENDING
        )
        try:
            with transaction.atomic():
                ResponseMunicipality.objects.create(
                    response=response,
                    campaign=response.campaign,
                    municipality=municipality,
                    status=status,
                    claimed_by=invitation,
                )
        except IntegrityError:
            raise ClaimRefused(
                f"Voor {municipality.name} antwoordt intussen al iemand anders. "
                "Er werd niets gewijzigd."
            ) from None
        record_event(
            campaign_id=response.campaign_id,
            municipality_id=municipality.pk,
            kind=(
                CoverageEventKind.AUTHORISED
                if status == ClaimStatus.AUTHORISED
                else CoverageEventKind.CLAIM
            ),
            response=response,
            invitation=invitation,
            now=now,
        )
        if status == ClaimStatus.PENDING:
            mail_mayor_about_claim(
                response=response, municipality=municipality, claimant=invitation
            )
            result.claimed.append(municipality)
        else:
            result.added.append(municipality)
    keep = {m.pk for m in wanted}
    for municipality_id, row in rows.items():
        if row.status == ClaimStatus.OWN or municipality_id in keep:
            continue
        row.delete()
        record_event(
            campaign_id=response.campaign_id,
            municipality_id=municipality_id,
            kind=CoverageEventKind.RELEASE,
            response=response,
            invitation=invitation,
            now=now,
        )
        result.removed.append(row.municipality)


# --- decisions on claims ----------------------------------------------------------


def _take_back(*, municipality: Municipality, by: Invitation, now: datetime) -> bool:
    """The bestuur's own response starts: an unsubmitted claimant lets go.

    A claimant that already submitted keeps its row: both answers exist, the
    bestuur's own one counts, and staff see the double coverage.
    """
    row = (
        ResponseMunicipality.objects.select_for_update(of=("self",))
        .filter(campaign=by.campaign, municipality=municipality)
        .exclude(status=ClaimStatus.OWN)
        .select_related("response", "claimed_by")
        .first()
    )
    if row is None or row.response.status == ResponseStatus.SUBMITTED:
        return False
    was_pending = row.status == ClaimStatus.PENDING
    row.delete()
    record_event(
        campaign_id=by.campaign_id,
        municipality_id=municipality.pk,
        kind=CoverageEventKind.REFUSE if was_pending else CoverageEventKind.TAKE_BACK,
        response=row.response,
        invitation=by,
        note="de burgemeester vult zelf in",
        now=now,
    )
    mail_claimant(row=row, template="coverage_taken_back")
    return True


def decide_claim(
    *,
    claim_id: int,
    accept: bool,
    invitation: Invitation | None = None,
    staff_user=None,
    now: datetime | None = None,
) -> ResponseMunicipality:
    """Accept or refuse a pending claim, as the bestuur's link holder or as staff.

    Raises ClaimRefused (nothing changed) for a claim that is gone, already decided,
    of another bestuur, or of a campaign that no longer takes answers.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            ResponseMunicipality.objects.select_for_update(of=("self",))
            .select_related("response", "campaign", "municipality", "claimed_by")
            .filter(pk=claim_id)
            .first()
        )
        if row is None or row.status != ClaimStatus.PENDING:
            raise ClaimRefused(
                "Deze aanvraag is verlopen of werd al behandeld. Er werd niets "
                "gewijzigd."
            )
        if invitation is not None and not _speaks_for_own(invitation, row):
            raise ClaimRefused(
                "Deze aanvraag gaat niet over uw bestuur. Er werd niets gewijzigd."
            )
        if now >= row.campaign.closes_at:
            raise ClaimRefused(
                "Deze aanvraag is verlopen: de bevraging is afgesloten. Er werd niets "
                "gewijzigd."
            )
        if accept:
            row.status = ClaimStatus.ACCEPTED
            row.decided_at = now
            row.save(update_fields=["status", "decided_at"])
        else:
            row.delete()
        record_event(
            campaign_id=row.campaign_id,
            municipality_id=row.municipality_id,
            kind=CoverageEventKind.ACCEPT if accept else CoverageEventKind.REFUSE,
            response=row.response,
            invitation=invitation,
            staff_user=staff_user,
            now=now,
        )
        mail_claimant(
            row=row,
            template="coverage_accepted" if accept else "coverage_refused",
        )
    return row


def _speaks_for_own(invitation: Invitation, row: ResponseMunicipality) -> bool:
    return (
        invitation.kind != InvitationKind.COORDINATOR
        and invitation.campaign_id == row.campaign_id
        and invitation.municipality_id == row.municipality_id
    )


def resolve_double_coverage(
    *, campaign, municipality: Municipality, keep: str, staff_user, now=None
) -> None:
    """Staff choose which of two responses speaks for a bestuur (keep: own|claimant)."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            ResponseMunicipality.objects.select_for_update(of=("self",)).filter(
                campaign=campaign, municipality=municipality
            )
        )
        drop = [
            r for r in rows if (r.status == ClaimStatus.OWN) == (keep == "claimant")
        ]
        if len(rows) != 2 or len(drop) != 1:
            raise ClaimRefused(
                "Dit bestuur heeft geen dubbele dekking meer. Er werd niets gewijzigd."
            )
        drop[0].delete()
        record_event(
            campaign_id=campaign.pk,
            municipality_id=municipality.pk,
            kind=CoverageEventKind.CHOOSE,
            response=drop[0].response,
            staff_user=staff_user,
            note=f"respons {drop[0].response_id} telt niet meer voor dit bestuur",
            now=now,
        )
