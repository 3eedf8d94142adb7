"""Demo data: a closed 2024 wave with synthetic answers and an open 2026 campaign.

Everything is fake and deterministic (seeded): contacts live under @demo.vvsg.invalid
and answers are drawn at random through the branching evaluator, so every synthetic
response is one a real respondent could have given.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from municipalities.models import Contact, ContactRole, Municipality
from municipalities.queries import municipalities_on
from municipalities.services import create_demo_contacts, load_reference_data
from responses.answering.claims import choose_besturen
from responses.mailing.campaigns import (
    open_campaign,
    send_invitations,
)
from responses.mailing.reminders import add_default_reminder_rules
from responses.mailing.tokens import link_for
from responses.models import (
    Answer,
    Campaign,
    CampaignStatus,
    Invitation,
    InvitationKind,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)
from surveys import branching
from surveys.models import Question
from surveys.queries import instrument_spec
from surveys.services import load_instrument

INSTRUMENTS_DIR = Path(settings.BASE_DIR) / "surveys" / "instruments"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-vvsg-2026"  # noqa: S105 - documented demo login, local only
# Two intergemeentelijk coördinatoren: (organisation, name, e-mail, home NIS, served).
DEMO_COORDINATORS = [
    (
        "IGS Kempen",
        "Kaat Kempen",
        "kaat.kempen@igs-kempen.demo.vvsg.invalid",
        "13008",
        ["13003", "13006", "13025"],
    ),
    (
        "Westhoek Samen",
        "Wout Westhoek",
        "wout.westhoek@westhoek.demo.vvsg.invalid",
        "33021",
        ["33041", "38002"],
    ),
]
# Laakdal's mayor asks to answer for Meerhout too: a pending claim.
DEMO_CLAIM = ("13053", "13021")


@dataclass
class DemoSummary:
    campaign_2024: str
    campaign_2026: str
    responses_2024: int
    responses_2026: int
    invitations: int
    links: list[tuple[str, str]]


def random_answers(
    spec: branching.InstrumentSpec,
    rng: random.Random,
    *,
    municipalities: Sequence[str],
    stop_after: int | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A plausible answer set: questions are answered in order, only while visible."""
    answers: dict[str, Any] = {}
    others: dict[str, str] = {}
    for index, question in enumerate(spec.questions):
        if stop_after is not None and index >= stop_after:
            break
        visibility = branching.evaluate(spec, answers)
        if question.code not in visibility.visible:
            continue
        if not question.required and rng.random() < 0.2:
            continue
        value = _random_value(question, rng, visibility, municipalities)
        if value is None:
            continue
        answers[question.code] = value
        chosen = value if isinstance(value, list) else [value]
        other = next((o for o in question.options if o.is_other), None)
        if other is not None and other.code in chosen:
            others[question.code] = rng.choice(
                ["Lokale politiek", "Zwerfvuil", "Verkiezingen"]
            )
    return answers, others


def _random_value(question, rng, visibility, municipalities):
    return question.kind.example_value(
        question,
        rng,
        rows=visibility.rows.get(question.code, question.row_codes),
        municipalities=municipalities,
    )


def ensure_demo_user():
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=DEMO_USERNAME,
        defaults={
            "is_staff": True,
            "is_superuser": True,
            "email": "demo@demo.vvsg.invalid",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def load_demo(
    *, now: datetime | None = None, seed: int = 2026, links_path: Path | None = None
) -> DemoSummary:
    """Load reference data, both instruments, fake contacts and two campaigns.

    Idempotent: a second run creates nothing new.
    """
    now = now or timezone.now()
    rng = random.Random(seed)
    load_reference_data()
    instrument_2024 = load_instrument(path=INSTRUMENTS_DIR / "ledenbevraging-2024.yaml")
    instrument_2026 = load_instrument(path=INSTRUMENTS_DIR / "ledenbevraging-2026.yaml")
    create_demo_contacts(seed=seed)
    _demo_coordinators()
    ensure_demo_user()

    with transaction.atomic():
        wave_2024, created_2024 = Campaign.objects.get_or_create(
            slug="ledenbevraging-2024",
            defaults={
                "instrument": instrument_2024,
                "name": "Ledenbevraging 2024",
                "status": CampaignStatus.CLOSED,
                "opens_at": datetime(
                    2024, 5, 21, 9, tzinfo=timezone.get_current_timezone()
                ),
                "closes_at": datetime(
                    2024, 6, 28, 23, 59, tzinfo=timezone.get_current_timezone()
                ),
            },
        )
        if created_2024:
            _synthetic_wave(wave_2024, instrument_spec(instrument_2024), rng, year=2024)
        wave_2026, created_2026 = Campaign.objects.get_or_create(
            slug="ledenbevraging-2026",
            defaults={
                "instrument": instrument_2026,
                "name": "Ledenbevraging 2026",
                "opens_at": now - timedelta(days=1),
                "closes_at": now + timedelta(days=38),
                "previous": wave_2024,
            },
        )
    if created_2026:
        open_campaign(campaign=wave_2026, now=now)
    add_default_reminder_rules(campaign=wave_2026)
    # Creates missing invitations and mails each once (a rerun sends nothing twice);
    # the outbox (var/outbox/ under scripts/run) then shows the real invitations.
    send_invitations(campaign=wave_2026)
    if created_2026:
        reserved = {
            *(nis for *_, served in DEMO_COORDINATORS for nis in served),
            *DEMO_CLAIM,
        }
        _synthetic_wave(
            wave_2026,
            instrument_spec(instrument_2026),
            rng,
            year=2026,
            share=0.25,
            exclude=reserved,
            groups=False,
        )
        _demo_claims(wave_2026, now=now)

    invitations = list(
        wave_2026.invitations.filter(revoked_at__isnull=True)
        .select_related("municipality")
        .order_by("municipality__name")
    )
    links = [(inv.municipality.name, link_for(inv)) for inv in invitations]
    if links_path is not None:
        links_path.parent.mkdir(parents=True, exist_ok=True)
        links_path.write_text(
            "".join(f"{name}\t{url}\n" for name, url in links), encoding="utf-8"
        )
    return DemoSummary(
        campaign_2024=wave_2024.slug,
        campaign_2026=wave_2026.slug,
        responses_2024=wave_2024.responses.count(),
        responses_2026=wave_2026.responses.count(),
        invitations=len(invitations),
        links=links,
    )


def _demo_coordinators() -> None:
    for organisation, name, email, home, served in DEMO_COORDINATORS:
        contact, _ = Contact.objects.get_or_create(
            municipality=Municipality.objects.get(nis_code=home),
            email=email,
            defaults={
                "role": ContactRole.COORDINATOR,
                "name": name,
                "organisation": organisation,
                "function": "Intergemeentelijk LIVC R-coördinator",
            },
        )
        contact.serves.set(Municipality.objects.filter(nis_code__in=served))


def _demo_claims(campaign, *, now: datetime) -> None:
    """IGS Kempen has started (in progress, so not covered); one claim waits."""
    kempen = Invitation.objects.get(
        campaign=campaign,
        kind=InvitationKind.COORDINATOR,
        email=DEMO_COORDINATORS[0][2],
    )
    choose_besturen(
        invitation=kempen,
        respondent_name=kempen.name,
        respondent_email=kempen.email,
        respondent_function=kempen.function,
        is_coordinator=True,
        extra_nis_codes=DEMO_COORDINATORS[0][4],
        now=now,
    )
    claimant = Invitation.objects.filter(
        campaign=campaign,
        kind=InvitationKind.MAYOR,
        municipality__nis_code=DEMO_CLAIM[0],
    ).first()
    if claimant is not None:
        choose_besturen(
            invitation=claimant,
            respondent_name=claimant.name,
            respondent_email=claimant.email,
            respondent_function="Burgemeester",
            is_coordinator=True,
            extra_nis_codes=[DEMO_CLAIM[1]],
            now=now,
        )


def _synthetic_wave(
    campaign,
    spec,
    rng: random.Random,
    *,
    year: int,
    share: float = 0.5,
    exclude: frozenset[str] | set[str] = frozenset(),
    groups: bool = True,
) -> None:
    """Responses for a share of the municipalities valid in `year`.

    About one in twelve is a coordinator answering for three besturen.
    """
    pool = list(
        municipalities_on(date(year, 6, 1))
        .exclude(nis_code__in=exclude)
        .order_by("nis_code")
    )
    rng.shuffle(pool)
    chosen = pool[: int(len(pool) * share)]
    questions = {
        q.code: q for q in Question.objects.filter(instrument=campaign.instrument)
    }
    moment = campaign.opens_at
    while chosen:
        # Groups only in the closed wave: live coordinators are the demo contacts.
        size = 3 if rng.random() < 0.08 and len(chosen) >= 3 and groups else 1
        group, chosen = chosen[:size], chosen[size:]
        partial = rng.random() < 0.17
        answers, others = random_answers(
            spec,
            rng,
            municipalities=[m.nis_code for m in group],
            stop_after=rng.randint(5, 30) if partial else None,
        )
        moment += timedelta(minutes=rng.randint(5, 300))
        response = Response.objects.create(
            campaign=campaign,
            status=ResponseStatus.PARTIAL if partial else ResponseStatus.SUBMITTED,
            respondent_name=f"Demo respondent {group[0].name}",
            respondent_function="Coördinator"
            if size > 1
            else rng.choice(["Burgemeester", "Preventiedienst"]),
            is_coordinator=size > 1,
            submitted_at=None if partial else moment,
        )
        # The first bestuur's mayor link opens this response, as if the mayor
        # had answered it.
        Invitation.objects.filter(
            campaign=campaign,
            municipality=group[0],
            revoked_at__isnull=True,
            response__isnull=True,
        ).update(response=response)
        ResponseMunicipality.objects.bulk_create(
            [
                ResponseMunicipality(
                    response=response, campaign=campaign, municipality=m
                )
                for m in group
            ]
        )
        Answer.objects.bulk_create(
            [
                Answer(
                    response=response,
                    question=questions[code],
                    value=value,
                    other_text=others.get(code, ""),
                )
                for code, value in answers.items()
                if code in questions
            ]
        )
