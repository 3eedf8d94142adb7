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


# --- municipalities (helper H1) -------------------------------------------------------


def make_province(**kw) -> Province:
    """A province; reuses an existing row with the same NIS code."""
    n = _next()
    nis_code = kw.pop("nis_code", f"9{n:04d}"[-5:])
    defaults = {"name": f"Provincie {n}", **kw}
    province, _ = Province.objects.get_or_create(nis_code=nis_code, defaults=defaults)
    return province


def make_cluster(**kw) -> Cluster:
    """A Belfius cluster; number defaults to a free value above the real V1..V16."""
    number = kw.pop("number", None)
    if number is None:
        number = 100 + _next()
    defaults = {
        "code": f"V{number}",
        "label": f"Cluster {number}",
        "type": ClusterType.WOON,
    }
    defaults.update(kw)
    cluster, _ = Cluster.objects.get_or_create(number=number, defaults=defaults)
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


# --- exports and imports (helper H5) --------------------------------------------------


def make_export_instrument(**kw):
    """A small instrument with every question type, 'other' options and branching.

    q2 (multiple) and matrix row q3.r2 are shown only when q1 == "ja".
    """
    from surveys.models import Instrument, MatrixRow, Option, Question, Section

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
    for order, (section, code, qtype, condition, settings, options) in enumerate(
        specs, 1
    ):
        question = Question.objects.create(
            instrument=instrument,
            section=section,
            code=code,
            number=order,
            order=order,
            type=qtype,
            text=f"Vraag {code}",
            required=False,
            condition=condition,
            settings=settings,
        )
        for i, (ocode, label) in enumerate(options, 1):
            Option.objects.create(
                question=question,
                code=ocode,
                label=label,
                order=i,
                is_other=ocode == "ander",
                exclusive=ocode == "geen",
            )
        if qtype == "matrix":
            MatrixRow.objects.create(
                question=question, code="r1", label="Rij 1", order=1
            )
            MatrixRow.objects.create(
                question=question,
                code="r2",
                label="Rij 2",
                order=2,
                condition={"q": "q1", "in": ["ja"]},
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


# --- campaigns, invitations, deliveries (helper H4) ----------------------------------


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
    from responses.models import Invitation, InvitationKind
    from responses.services.tokens import issue_token

    if "campaign" not in kw:
        kw["campaign"] = make_campaign()
    if "contact" not in kw:
        kw["contact"] = make_contact(municipality=kw.get("municipality") or make_municipality())
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
    """A Response speaking for `municipalities` (default: submitted, not coordinator)."""
    from responses.models import Response, ResponseMunicipality, ResponseStatus

    kw.setdefault("status", ResponseStatus.SUBMITTED)
    response = Response.objects.create(campaign=campaign, **kw)
    for municipality in municipalities:
        ResponseMunicipality.objects.create(
            response=response, campaign=campaign, municipality=municipality
        )
    return response
