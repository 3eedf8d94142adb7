"""The COPY export (PostgreSQL) writes the generator's bytes, from stored rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import unicodedata
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from municipalities.models import ClusterType, MunicipalityFacts
from responses.models import BestuurAnswer, Response, ResponseExportRow
from responses.reporting.export_copy import copy_csv
from responses.reporting.export_queries import ExportFilters
from responses.reporting.export_store import refresh_export_rows
from responses.reporting.exports import export_rows, stream_csv
from surveys.queries import instrument_spec
from surveys.services import load_instrument
from tests.factories import (
    make_cluster,
    make_export_campaign,
    make_export_response,
    make_municipality,
    make_province,
)
from vvsg_survey import sanitise

pytestmark = [pytest.mark.django_db, pytest.mark.services]

INSTRUMENT = (
    Path(__file__).resolve().parents[3] / "surveys/instruments/ledenbevraging-2024.yaml"
)
HOSTILE = [
    "=1+1",
    "+1",
    "-1+2",
    "@SUM(1)",
    "\t=1+1",
    " =1+1",
    '"=1+1',
    "\uff1d1+1",
    "\u200b=1+1",
    "\ufeff=1+1",
    "'=1+1",
    "regel 1\nregel 2",
    "a\r\nb",
    'zei "hallo"; echt',
    "a,b;c\td",
    "Ünïcödé ✓ 😀 İ",
    "\\.",
    "\x1e=rs\x1fus\x1e",
    "gewoon antwoord",
]


@pytest.fixture(autouse=True)
def _needs_postgresql(postgres):
    """Every test here is about the COPY path (conftest: fails under CI, else skips)."""


def generator_bytes(campaign, **kw) -> bytes:
    delimiter = kw.pop("delimiter", ";")
    return b"".join(
        stream_csv(export_rows(campaign=campaign, **kw), delimiter=delimiter)
    )


def copy_bytes(campaign, **kw) -> bytes:
    return b"".join(copy_csv(campaign=campaign, **kw))


def value_for(question, rng: random.Random, nis: list[str]):
    codes = [o.code for o in question.options]
    if question.type == "single":
        return rng.choice(codes)
    if question.type == "multiple":
        return rng.sample(codes, k=rng.randint(1, min(3, len(codes))))
    if question.type == "matrix":
        scale = [o.code for o in question.options] or ["1", "2"]
        return {r.code: rng.choice(scale) for r in question.rows}
    if question.type == "number":
        return rng.choice([0, 7, 12.5, 40])
    if question.type == "municipalities":
        return rng.sample(nis, k=2)
    return rng.choice(HOSTILE)


@pytest.fixture
def wave():
    """The 2024 instrument, hostile reference data, many answer shapes."""
    instrument = load_instrument(path=INSTRUMENT)
    campaign = make_export_campaign(
        instrument=instrument,
        slug="-golf-2024",
        opens_at=timezone.make_aware(dt.datetime(2024, 5, 6, 9)),
    )
    province = make_province(nis_code="40000", name="Oost-Vlaanderen")
    v7 = make_cluster(number=7, code="V7", type=ClusterType.LANDELIJK)
    v3 = make_cluster(number=3, code="V3", type=ClusterType.WOON)
    towns = [
        make_municipality(
            nis_code="45068", name="Kruisem", province=province, cluster=v3
        ),
        make_municipality(
            nis_code="44021",
            name='=Gent; "stad"',
            province=province,
            police_zone_name="PZ\nGent",
        ),
        make_municipality(nis_code="44083", name="Ærtselaar", province=province),
        make_municipality(nis_code="11002", name="antwerpen", province=province),
    ]
    towns += [make_municipality(province=province) for _ in range(30)]
    MunicipalityFacts.objects.create(
        municipality=towns[0],
        valid_to=dt.date(2025, 1, 1),
        province=province,
        cluster=v7,
        police_zone_name="+PZ Vlaamse Ardennen",
        source="t",
    )
    spec = instrument_spec(instrument)
    nis = [t.nis_code for t in towns[:4]]
    rng = random.Random(14)
    responses = []
    for i in range(24):
        answers = {q.code: value_for(q, rng, nis) for q in spec.questions}
        others = {
            q.code: rng.choice(HOSTILE)
            for q in spec.questions
            if any(o.is_other for o in q.options)
        }
        covered = [towns.pop(0) for _ in range(1 + (i % 3 == 0))]
        responses.append(
            make_export_response(
                campaign=campaign,
                municipalities=covered,
                answers=answers,
                others=others,
                respondent_function=rng.choice(HOSTILE + [""]),
                status=rng.choice(["started", "partial", "submitted"]),
                submitted_at=timezone.make_aware(dt.datetime(2024, 5, 7, 23, 30, 5)),
            )
        )
    make_export_response(campaign=campaign)  # no besturen, no answers
    coordinator = next(r for r in responses if r.represented.count() == 2)
    own_town = coordinator.represented.first().municipality
    for q in spec.questions[:12]:
        if q.type in ("single", "text"):
            BestuurAnswer.objects.create(
                response=coordinator,
                question=instrument.questions.get(code=q.code),
                municipality=own_town,
                value=value_for(q, rng, nis),
                other_text="",
            )
    return campaign


@pytest.mark.parametrize("layout", ["response", "bestuur"])
@pytest.mark.parametrize("labels", [False, True])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_copy_export_matches_generator_bytes(wave, layout, labels, delimiter):
    kw = {"layout": layout, "labels": labels, "delimiter": delimiter}

    copied = copy_bytes(wave, **kw)

    assert copied == generator_bytes(wave, **kw)
    assert copied.count(b"\r\n") > 25


@pytest.mark.parametrize(
    "filters",
    [
        ExportFilters(statuses=("submitted",)),
        ExportFilters(provinces=("Oost-Vlaanderen",), clusters=("V7",)),
        ExportFilters(cluster_types=("woon",)),
    ],
)
@pytest.mark.parametrize("layout", ["response", "bestuur"])
def test_copy_export_matches_generator_with_filters(wave, filters, layout):
    copied = copy_bytes(wave, layout=layout, filters=filters)

    assert copied == generator_bytes(wave, layout=layout, filters=filters)


def test_copy_export_selection_matches_generator(wave):
    ids = tuple(Response.objects.filter(campaign=wave).values_list("pk", flat=True))
    filters = ExportFilters(response_ids=ids[3:9])

    assert copy_bytes(wave, filters=filters) == generator_bytes(wave, filters=filters)


def test_copy_export_neutralises_formulas(wave):
    text = copy_bytes(wave).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))

    cells = [cell for row in rows[1:] for cell in row]
    assert cells  # the fixture's hostile texts are there
    # Each cell a spreadsheet could read as a formula carries the apostrophe.
    assert not [c for c in cells if sanitise.starts_formula(c) and c[0] != "'"]
    assert "'=1+1" in cells
    assert any(c.startswith("'=Gent") for c in cells)  # a list cell, in SQL
    assert "'-golf-2024" in cells  # the campaign slug


def test_copy_export_sees_a_saved_answer(wave):
    response = Response.objects.filter(campaign=wave).order_by("pk").first()
    copy_bytes(wave)  # builds every row
    answer = response.answers.filter(question__type="text").first()
    answer.value = '=HYPERLINK("http://x")'
    answer.save()
    Response.objects.filter(pk=response.pk).update(revision=F("revision") + 1)

    copied = copy_bytes(wave)

    assert copied == generator_bytes(wave)
    assert b"'=HYPERLINK" in copied


def test_refresh_builds_only_stale_rows(wave):
    assert refresh_export_rows(campaign=wave) == 25
    assert refresh_export_rows(campaign=wave) == 0
    first = Response.objects.filter(campaign=wave).order_by("pk")[1]  # one bestuur
    Response.objects.filter(pk=first.pk).update(revision=F("revision") + 1)
    BestuurAnswer.objects.filter(response__campaign=wave).delete()

    rebuilt = refresh_export_rows(campaign=wave)

    assert rebuilt == 2  # the saved response and the coordinator
    assert ResponseExportRow.objects.get(pk=first.pk).revision == first.revision + 1
    assert refresh_export_rows(campaign=wave, rebuild=True) == 25


def test_rebuild_command_builds_every_row_again(wave):
    out = io.StringIO()
    call_command("rebuild_export_rows", stdout=out)  # every campaign: this one
    call_command("rebuild_export_rows", "--stale", "--", wave.slug, stdout=out)

    assert out.getvalue().splitlines() == [
        f"{wave.slug}: 25 rows built",
        f"{wave.slug}: 0 rows built",
    ]
    assert ResponseExportRow.objects.filter(response__campaign=wave).count() == 25


def test_formula_pattern_is_starts_formula():
    skipped = [
        cp
        for cp in range(1, 0x110000)
        if not 0xD800 <= cp <= 0xDFFF
        and chr(cp) not in sanitise.TRIGGERS
        and (
            chr(cp).isspace()
            or chr(cp) in sanitise.QUOTES
            or unicodedata.category(chr(cp)) == "Cf"
        )
    ]
    triggers = sorted(ord(c) for c in sanitise.TRIGGERS)

    regenerated = f"^[{_bracket(skipped)}]*[{_bracket(triggers)}]"
    assert regenerated == sanitise.FORMULA_PATTERN


def _bracket(codepoints: list[int]) -> str:
    def escape(cp: int) -> str:
        return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"

    parts, start = [], None
    for i, cp in enumerate(codepoints):
        start = cp if start is None else start
        if i + 1 == len(codepoints) or codepoints[i + 1] != cp + 1:
            parts.append(escape(start) + (f"-{escape(cp)}" if cp != start else ""))
            start = None
    return "".join(parts)
