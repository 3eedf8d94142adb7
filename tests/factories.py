"""Small builder functions shared by all test modules.

Each builder creates one row with sensible defaults; pass keyword overrides for
anything the test cares about. Related rows are built on demand.
"""

from __future__ import annotations

import itertools

from municipalities.models import (
    Cluster,
    ClusterType,
    Contact,
    ContactRole,
    Municipality,
    Province,
)

_seq = itertools.count(1)


def _next() -> int:
    return next(_seq)


# --- municipalities ------------------------------------------------------------------


def make_province(**kw) -> Province:
    """A province; reuses an existing row with the same NIS code."""
    n = _next()
    nis_code = kw.pop("nis_code", f"9{n:04d}"[-5:])
    defaults = {"name": f"Provincie {n}", **kw}
    province, _ = Province.objects.get_or_create(nis_code=nis_code, defaults=defaults)
    return province


def make_cluster(**kw) -> Cluster:
    """A Belfius cluster, reused when one with the same code exists.

    The code field holds at most 3 characters, so defaults stay within V1..V16.
    """
    number = kw.pop("number", None)
    code = kw.pop("code", None)
    if number is None:
        number = int(code[1:]) if code else 1 + _next() % 16
    code = code or f"V{number}"
    defaults = {
        "number": number,
        "label": f"Cluster {number}",
        "type": ClusterType.WOON,
        **kw,
    }
    cluster, _ = Cluster.objects.get_or_create(code=code, defaults=defaults)
    return cluster


def make_municipality(**kw) -> Municipality:
    """A current municipality (valid_to None) with a fresh 5-digit NIS code."""
    n = _next()
    if "province" not in kw:
        kw["province"] = make_province()
    kw.setdefault("nis_code", f"{80000 + n % 20000:05d}")
    kw.setdefault("name", f"Gemeente {n}")
    return Municipality.objects.create(**kw)


def make_contact(**kw) -> Contact:
    """An active contact (default: the mayor) of a new or given municipality."""
    n = _next()
    if "municipality" not in kw:
        kw["municipality"] = make_municipality()
    kw.setdefault("role", ContactRole.MAYOR)
    kw.setdefault("name", f"Contact {n}")
    kw.setdefault("email", f"contact{n}@example.test")
    return Contact.objects.create(**kw)


# --- exports and imports -------------------------------------------------------------


def add_question(
    *,
    instrument,
    section,
    code: str,
    order: int,
    type: str,  # noqa: A002 - mirrors Question.type
    text: str = "",
    required: bool = False,
    condition=None,
    settings=None,
    options=(),
    exclusive: str = "geen",
    rows=(),
):
    """One question with its options ('ander' is the other option) and matrix rows.

    rows: (code, label, condition) tuples.
    """
    from surveys.models import MatrixRow, Option, Question

    question = Question.objects.create(
        instrument=instrument,
        section=section,
        code=code,
        number=order,
        order=order,
        type=type,
        text=text or f"Vraag {code}",
        required=required,
        condition=condition,
        settings=settings or {},
    )
    Option.objects.bulk_create(
        Option(
            question=question,
            code=ocode,
            label=label,
            order=i,
            is_other=ocode == "ander",
            exclusive=ocode == exclusive,
        )
        for i, (ocode, label) in enumerate(options, 1)
    )
    MatrixRow.objects.bulk_create(
        MatrixRow(question=question, code=rcode, label=label, order=i, condition=cond)
        for i, (rcode, label, cond) in enumerate(rows, 1)
    )
    return question


def make_export_instrument(**kw):
    """A small instrument with every question type, 'other' options and branching.

    q2 (multiple) and matrix row q3.r2 are shown only when q1 == "ja".
    """
    from surveys.models import Instrument, Section

    n = _next()
    kw.setdefault("code", f"klein-{n}")
    kw.setdefault("version", "1")
    kw.setdefault("title", f"Kleine vragenlijst {n}")
    kw.setdefault("source_sha256", f"{n:064d}")
    instrument = Instrument.objects.create(**kw)
    a = Section.objects.create(instrument=instrument, code="a", order=1, title="A")
    b = Section.objects.create(instrument=instrument, code="b", order=2, title="B")
    specs = [
        (a, "q1", "single", None, {}, [("ja", "Ja"), ("nee", "Nee")]),
        (
            a,
            "q2",
            "multiple",
            {"q": "q1", "in": ["ja"]},
            {},
            [
                ("pol", "Polarisering"),
                ("rad", "Radicalisering"),
                ("ander", "Ander, namelijk"),
                ("geen", "Geen"),
            ],
        ),
        (a, "q3", "matrix", None, {}, [("1", "Nooit"), ("2", "Soms"), ("3", "Vaak")]),
        (b, "q4", "text", None, {"max_length": 50}, []),
        (b, "q5", "number", None, {"min": 0}, []),
        (b, "q6", "municipalities", None, {}, []),
        (b, "q7", "single", None, {}, [("a", "A"), ("ander", "Andere:")]),
    ]
    rows = (("r1", "Rij 1", None), ("r2", "Rij 2", {"q": "q1", "in": ["ja"]}))
    for order, (section, code, qtype, condition, settings, options) in enumerate(
        specs, 1
    ):
        add_question(
            instrument=instrument,
            section=section,
            code=code,
            order=order,
            type=qtype,
            condition=condition,
            settings=settings,
            options=options,
            rows=rows if qtype == "matrix" else (),
        )
    return instrument


def make_export_campaign(**kw):
    """A campaign (of a new small instrument unless one is given)."""
    from datetime import timedelta

    from django.utils import timezone

    from responses.models import Campaign

    n = _next()
    if "instrument" not in kw:
        kw["instrument"] = make_export_instrument()
    opens = kw.pop("opens_at", timezone.now() - timedelta(days=10))
    kw.setdefault("name", f"Bevraging {n}")
    kw.setdefault("slug", f"bevraging-{n}")
    return Campaign.objects.create(
        opens_at=opens, closes_at=kw.pop("closes_at", opens + timedelta(days=60)), **kw
    )


def make_export_response(
    *, campaign, municipalities=(), answers=None, others=None, **kw
):
    """A response covering `municipalities`, with answers keyed by question code."""
    from responses.models import Answer, Response, ResponseMunicipality, ResponseStatus
    from surveys.models import Question

    kw.setdefault("status", ResponseStatus.SUBMITTED)
    kw.setdefault("is_coordinator", len(municipalities) > 1)
    response = Response.objects.create(campaign=campaign, **kw)
    for municipality in municipalities:
        ResponseMunicipality.objects.create(
            response=response, campaign=campaign, municipality=municipality
        )
    questions = {
        q.code: q for q in Question.objects.filter(instrument_id=campaign.instrument_id)
    }
    others = others or {}
    for code, value in (answers or {}).items():
        Answer.objects.create(
            response=response,
            question=questions[code],
            value=value,
            other_text=others.get(code, ""),
        )
    return response


# --- campaigns, invitations, deliveries -----------------------------------------------


def make_campaign(**kw):
    """An OPEN campaign on a bare instrument (no questions), closing in 40 days."""
    from datetime import timedelta

    from django.utils import timezone

    from responses.models import Campaign, CampaignStatus
    from surveys.models import Instrument

    n = _next()
    if "instrument" not in kw:
        kw["instrument"] = Instrument.objects.create(
            code=f"mail-{n}", version="1", title=f"Vragenlijst {n}"
        )
    now = timezone.now()
    kw.setdefault("opens_at", now - timedelta(days=1))
    kw.setdefault("closes_at", now + timedelta(days=40))
    kw.setdefault("name", f"Ledenbevraging {n}")
    kw.setdefault("slug", f"ledenbevraging-{n}")
    kw.setdefault("status", CampaignStatus.OPEN)
    return Campaign.objects.create(**kw)


def make_invitation(**kw):
    """A mayor invitation (derived token) for a new or given campaign/contact."""
    from responses.mailing.tokens import issue_token
    from responses.models import Invitation, InvitationKind

    if "campaign" not in kw:
        kw["campaign"] = make_campaign()
    if "contact" not in kw:
        municipality = kw.get("municipality") or make_municipality()
        kw["contact"] = make_contact(municipality=municipality)
    contact = kw["contact"]
    kw.setdefault("municipality", contact.municipality)
    kw.setdefault("kind", InvitationKind.MAYOR)
    kw.setdefault("name", contact.name)
    kw.setdefault("email", contact.email)
    return Invitation.objects.create(**issue_token(), **kw)


def make_reminder_rule(**kw):
    """A not-started reminder rule: first after 7 days, max 3, 5 days apart."""
    from responses.models import ReminderRule, ReminderStream

    if "campaign" not in kw:
        kw["campaign"] = make_campaign()
    kw.setdefault("stream", ReminderStream.NOT_STARTED)
    return ReminderRule.objects.create(**kw)


def make_covering_response(*, campaign, municipalities, **kw):
    """A Response speaking for `municipalities` (default: submitted)."""
    from responses.models import Response, ResponseMunicipality, ResponseStatus

    kw.setdefault("status", ResponseStatus.SUBMITTED)
    response = Response.objects.create(campaign=campaign, **kw)
    for municipality in municipalities:
        ResponseMunicipality.objects.create(
            response=response, campaign=campaign, municipality=municipality
        )
    return response


# --- instruments ---------------------------------------------------------------------


def instrument_path(year: int = 2024):
    """Path of a real instrument definition file (surveys/instruments/)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    return root / "surveys" / "instruments" / f"ledenbevraging-{year}.yaml"


def make_real_instrument(year: int = 2024):
    """The real Ledenbevraging instrument of `year`, loaded through the service."""
    from surveys.services import load_instrument

    return load_instrument(path=instrument_path(year))


# --- respondent flow -----------------------------------------------------------------


def make_survey_instrument(**kw):
    """A three-section instrument shaped like the real one, with required questions.

    radicalisering: rad_signalen (single) -> rad_vormen (multiple, 'ander' + exclusive
    'weet_niet') and rad_dreiging (matrix; row 'religieus' only when that form is
    chosen) are shown only for a 'ja_*' answer. polarisatie: pol_signalen (single),
    pol_toelichting (text, max 200, optional). beleid: bel_fte (number 0..100),
    bel_opmerkingen (text, optional).
    """
    from surveys.models import Instrument, Section

    n = _next()
    kw.setdefault("code", f"respons-{n}")
    kw.setdefault("version", "1")
    kw.setdefault("title", "Ledenbevraging radicalisering en polarisatie")
    kw.setdefault("intro", "Deze bevraging peilt naar signalen van radicalisering.")
    kw.setdefault("privacy", "VVSG verwerkt uw antwoorden enkel voor dit onderzoek.")
    kw.setdefault(
        "definitions",
        [{"term": "Polarisatie", "text": "Een doorgedreven wij-zij denken."}],
    )
    kw.setdefault("source_sha256", f"h3{n:062d}")
    instrument = Instrument.objects.create(**kw)
    sections = {
        code: Section.objects.create(
            instrument=instrument, code=code, order=i, title=title
        )
        for i, (code, title) in enumerate(
            [
                ("radicalisering", "Gewelddadige radicalisering"),
                ("polarisatie", "Polarisatie"),
                ("beleid", "Beleid"),
            ],
            1,
        )
    }
    ja = {"q": "rad_signalen", "in": ["ja_gelijk", "ja_stijging", "ja_daling"]}
    specs = [
        (
            "radicalisering",
            "rad_signalen",
            "single",
            "Ontvangt uw bestuur signalen van gewelddadige radicalisering?",
            True,
            None,
            {},
            [
                ("ja_gelijk", "Ja (gelijk)"),
                ("ja_stijging", "Ja (stijging)"),
                ("ja_daling", "Ja (daling)"),
                ("neen", "Neen"),
            ],
        ),
        (
            "radicalisering",
            "rad_vormen",
            "multiple",
            "Welke vormen van radicalisering stelt u vast?",
            True,
            ja,
            {},
            [
                ("extreemrechts", "Extreemrechts"),
                ("extreemlinks", "Extreemlinks"),
                ("religieus", "Religieus geïnspireerd"),
                ("ander", "Ander, namelijk"),
                ("weet_niet", "Weet niet"),
            ],
        ),
        (
            "radicalisering",
            "rad_dreiging",
            "matrix",
            "Hoe groot schat u de dreiging per vorm in?",
            True,
            ja,
            {},
            [("laag", "Laag"), ("gemiddeld", "Gemiddeld"), ("hoog", "Hoog")],
        ),
        (
            "polarisatie",
            "pol_signalen",
            "single",
            "Merkt u signalen van schadelijke polarisatie?",
            True,
            None,
            {},
            [("ja", "Ja"), ("neen", "Neen")],
        ),
        (
            "polarisatie",
            "pol_toelichting",
            "text",
            "Licht toe (optioneel).",
            False,
            None,
            {"max_length": 200},
            [],
        ),
        (
            "beleid",
            "bel_fte",
            "number",
            "Hoeveel VTE zet uw bestuur in op dit thema?",
            True,
            None,
            {"min": 0, "max": 100},
            [],
        ),
        ("beleid", "bel_opmerkingen", "text", "Opmerkingen", False, None, {}, []),
    ]
    rows = (
        ("extreemrechts", "Extreemrechts", None),
        ("extreemlinks", "Extreemlinks", None),
        (
            "religieus",
            "Religieus geïnspireerd",
            {"q": "rad_vormen", "in": ["religieus"]},
        ),
    )
    for order, (
        section,
        code,
        qtype,
        text,
        required,
        condition,
        settings,
        options,
    ) in enumerate(specs, 1):
        add_question(
            instrument=instrument,
            section=sections[section],
            code=code,
            order=order,
            type=qtype,
            text=text,
            required=required,
            condition=condition,
            settings=settings,
            options=options,
            exclusive="weet_niet",
            rows=rows if qtype == "matrix" else (),
        )
    return instrument


def make_survey_campaign(**kw):
    """An open campaign on make_survey_instrument()."""
    kw.setdefault("instrument", make_survey_instrument())
    kw.setdefault("sender_email", "radicalisering@vvsg.be")
    return make_campaign(**kw)


def make_respondent(**kw):
    """(invitation, raw token) of a mayor invitation on a survey campaign."""
    from responses.mailing.tokens import raw_token_for

    kw.setdefault("campaign", make_survey_campaign())
    invitation = make_invitation(**kw)
    return invitation, raw_token_for(invitation)


def make_started_response(**kw):
    """(invitation, raw token) whose response was started through the service."""
    from responses.answering.claims import start_response

    invitation, token = make_respondent(**kw)
    start_response(
        invitation=invitation,
        respondent_name=invitation.name,
        respondent_email=invitation.email,
        respondent_function="Burgemeester",
        is_coordinator=False,
        extra_nis_codes=[],
    )
    invitation.refresh_from_db()
    return invitation, token
