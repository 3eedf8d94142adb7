"""A known data set for the results tests.

Two waves of a small instrument, 13 current municipalities in two provinces plus
Borsbeek (merged into Antwerpen on 1 Jan 2025). Expected numbers are worked out
in the test modules next to each assertion.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.utils import timezone

from municipalities.models import Cluster, ClusterType, Municipality
from responses.models import (
    Answer,
    Campaign,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)
from surveys.models import Instrument, Question, Section
from tests.factories import (
    add_question,
    make_contact,
    make_invitation,
    make_province,
)

SIGNALEN = [
    ("ja_gelijk", "Ja (gelijk)"),
    ("ja_stijging", "Ja (stijging)"),
    ("ja_daling", "Ja (daling)"),
    ("neen", "Neen"),
]
JA = ["ja_gelijk", "ja_stijging", "ja_daling"]
ZICHT_2026 = [
    ("livc", "Bespreking op LIVC R"),
    ("politie", "Rapportage door de lokale politie"),
    ("ocad", "Informatie door veiligheidsdiensten"),
    ("ander", "Ander, gelieve te specificeren"),
    ("niet", "Niet, we weten niet hoe"),
]
ZICHT_2024 = [
    ("livc", "Bespreking op LIVC R"),
    ("politie", "Rapportage door de lokale politie"),
    ("wijk", "Wijkanalyse"),
]


def build_instrument(version: str, zicht) -> Instrument:
    instrument = Instrument.objects.create(
        code="ledenbevraging",
        version=version,
        title=f"Ledenbevraging {version}",
        source_sha256=uuid.uuid4().hex,
    )
    s1 = Section.objects.create(
        instrument=instrument,
        code="radicalisering",
        order=1,
        title="Gewelddadige radicalisering",
    )
    s2 = Section.objects.create(
        instrument=instrument, code="beleid", order=2, title="Beleid"
    )
    questions = [
        (s1, "signalen", "single", None, {}, SIGNALEN),
        (
            s1,
            "vormen",
            "matrix",
            {"q": "signalen", "in": JA},
            {},
            [("toe", "Toegenomen"), ("stab", "Gestabiliseerd"), ("af", "Afgenomen")],
        ),
        (s1, "zicht", "multiple", {"q": "signalen", "in": JA}, {}, zicht),
        (s1, "dossiers", "number", None, {"bins": [0, 1, 6, 11]}, []),
        (s1, "toelichting", "text", None, {}, []),
        (s2, "beleid", "single", None, {}, [("ja", "Ja"), ("nee", "Nee")]),
        (s2, "gemeenten", "municipalities", None, {}, []),
    ]
    rows = (
        ("islam", "Islamistisch", None),
        ("rechts", "Rechts", None),
        ("links", "Links", {"q": "signalen", "in": ["ja_stijging"]}),
    )
    for order, (section, code, qtype, condition, settings, options) in enumerate(
        questions, 1
    ):
        add_question(
            instrument=instrument,
            section=section,
            code=code,
            order=order,
            type=qtype,
            text=f"Vraag over {code}",
            condition=condition,
            settings=settings,
            options=options,
            exclusive="niet",
            rows=rows if qtype == "matrix" else (),
        )
    return instrument


def cluster(number: int, family: str) -> Cluster:
    obj, _ = Cluster.objects.get_or_create(
        number=number,
        defaults={"code": f"V{number}", "label": f"Cluster V{number}", "type": family},
    )
    return obj


@dataclass
class World:
    current: Campaign
    previous: Campaign
    m: dict[str, Municipality] = field(default_factory=dict)
    responses: dict[str, Response] = field(default_factory=dict)


def add_response(campaign, key, world, places, status, answers, others=None):
    response = Response.objects.create(
        campaign=campaign,
        status=status,
        is_coordinator=len(places) > 1,
        submitted_at=timezone.now() if status == ResponseStatus.SUBMITTED else None,
    )
    for place in places:
        ResponseMunicipality.objects.create(
            response=response, campaign=campaign, municipality=world.m[place]
        )
    questions = {
        q.code: q for q in Question.objects.filter(instrument=campaign.instrument)
    }
    for code, value in answers.items():
        Answer.objects.create(
            response=response,
            question=questions[code],
            value=value,
            other_text=(others or {}).get(code, ""),
        )
    world.responses[key] = response
    return response


def make_campaign(instrument, slug, opens: dt.date, previous=None) -> Campaign:
    start = timezone.make_aware(dt.datetime.combine(opens, dt.time(9)))
    return Campaign.objects.create(
        instrument=instrument,
        name=f"Ledenbevraging {slug}",
        slug=slug,
        opens_at=start,
        closes_at=start + dt.timedelta(days=40),
        previous=previous,
    )


def build_world() -> World:
    ant = make_province(nis_code="10000", name="Antwerpen")
    lim = make_province(nis_code="70000", name="Limburg")
    woon, land = cluster(1, ClusterType.WOON), cluster(6, ClusterType.LANDELIJK)
    eco, verst = (
        cluster(12, ClusterType.ECONOMISCH),
        cluster(13, ClusterType.VERSTEDELIJKT),
    )
    steden = cluster(15, ClusterType.STEDEN)
    rows = [
        ("Antwerpen", "11002", ant, steden, 530000),
        ("Mortsel", "11029", ant, woon, 26000),
        ("Edegem", "11013", ant, woon, 22000),
        ("Boechout", "11004", ant, land, 13000),
        ("Kontich", "11024", ant, woon, 21000),
        ("Zoersel", "11055", ant, woon, 22000),
        ("Hasselt", "71072", lim, steden, 80000),
        ("Bree", "72004", lim, land, 16000),
        ("Peer", "72030", lim, land, 17000),
        ("Genk", "71016", lim, eco, 66000),
        ("Lommel", "72020", lim, eco, 35000),
        ("Tongeren", "73083", lim, verst, 31000),
        ("Maasmechelen", "73107", lim, eco, 38000),
    ]
    m = {
        name: Municipality.objects.create(
            name=name, nis_code=nis, province=prov, cluster=cl, population=pop
        )
        for name, nis, prov, cl, pop in rows
    }
    m["Borsbeek"] = Municipality.objects.create(
        name="Borsbeek",
        nis_code="11007",
        province=ant,
        cluster=woon,
        population=11000,
        valid_to=dt.date(2025, 1, 1),
        successor=m["Antwerpen"],
    )
    old = make_campaign(
        build_instrument("2024", ZICHT_2024), "lb-2024", dt.date(2024, 5, 21)
    )
    new = make_campaign(
        build_instrument("2026", ZICHT_2026), "lb-2026", dt.date(2026, 5, 4), old
    )
    world = World(new, old, m)
    S, P, ST = ResponseStatus.SUBMITTED, ResponseStatus.PARTIAL, ResponseStatus.STARTED
    add_response(
        new,
        "R1",
        world,
        ["Antwerpen"],
        S,
        {
            "signalen": "ja_gelijk",
            "vormen": {"islam": "toe", "rechts": "stab"},
            "zicht": ["livc", "politie"],
            "dossiers": 12,
            "toelichting": '=HYPERLINK("http://x.test","klik")',
            "beleid": "ja",
        },
    )
    # Coordinator for three besturen; its stale 'zicht' is hidden (signalen=neen).
    add_response(
        new,
        "R2",
        world,
        ["Mortsel", "Edegem", "Boechout"],
        S,
        {"signalen": "neen", "zicht": ["ocad"], "dossiers": 0, "beleid": "nee"},
    )
    add_response(
        new,
        "R3",
        world,
        ["Hasselt"],
        S,
        {
            "signalen": "ja_stijging",
            "vormen": {"islam": "stab", "rechts": "toe", "links": "af"},
            "zicht": ["livc", "ocad", "ander"],
            "dossiers": 3,
            "beleid": "ja",
        },
        others={"zicht": "Wijkagent"},
    )
    add_response(
        new,
        "R4",
        world,
        ["Bree"],
        S,
        {"signalen": "neen", "dossiers": 0, "beleid": "nee"},
    )
    add_response(
        new,
        "R5",
        world,
        ["Peer"],
        P,
        {"signalen": "ja_daling", "zicht": ["politie"], "vormen": {"rechts": "stab"}},
    )
    add_response(
        new,
        "R6",
        world,
        ["Genk"],
        S,
        {
            "signalen": "ja_gelijk",
            "zicht": ["livc", "politie", "ocad"],
            "vormen": {"islam": "toe"},
            "dossiers": 5,
            "beleid": "ja",
        },
    )
    add_response(
        new,
        "R7",
        world,
        ["Lommel"],
        S,
        {"signalen": "neen", "beleid": "ja", "dossiers": 1},
    )
    add_response(
        new, "R8", world, ["Tongeren"], ST, {"signalen": "ja_gelijk", "zicht": ["niet"]}
    )
    add_response(
        new,
        "R9",
        world,
        ["Maasmechelen"],
        S,
        {
            "signalen": "ja_daling",
            "zicht": ["livc"],
            "vormen": {"islam": "af", "rechts": "af", "links": "toe"},  # links hidden
            "dossiers": 7,
            "beleid": "nee",
            "toelichting": "<b>hallo</b>",
        },
    )
    add_response(new, "R10", world, ["Kontich"], ST, {})  # opened, nothing saved
    # 2024: Borsbeek and Antwerpen both map onto today's Antwerpen.
    add_response(
        old, "P1", world, ["Antwerpen"], S, {"signalen": "ja_gelijk", "zicht": ["livc"]}
    )
    add_response(old, "P2", world, ["Borsbeek"], P, {"signalen": "neen"})
    add_response(old, "P3", world, ["Hasselt"], S, {"signalen": "neen"})
    add_response(
        old,
        "P4",
        world,
        ["Genk"],
        S,
        {"signalen": "ja_daling", "zicht": ["wijk", "politie"]},
    )
    return world


def invite(world, place, **kw):
    """An invitation of the current campaign for the contact of `place`."""
    contact = make_contact(municipality=world.m[place])
    return make_invitation(campaign=world.current, contact=contact, **kw)
