"""Results on the real instruments (2024 -> 2026) and the real municipality map."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from openpyxl import load_workbook

from municipalities.models import Municipality
from municipalities.services import load_reference_data
from responses.models import ResponseStatus
from responses.reporting.results.report import Options, build_report
from surveys.queries import clear_spec_cache, instrument_spec
from surveys.services import load_instrument
from tests.responses.reporting.results_world import World, add_response, make_campaign

pytestmark = pytest.mark.django_db
INSTRUMENTS = Path(__file__).resolve().parents[3] / "surveys" / "instruments"


def first_answers(spec, *, signal: str) -> dict:
    """A plausible answer to every question: first option / first scale point."""
    answers = {}
    for q in spec.questions:
        if q.type == "single":
            answers[q.code] = q.options[0].code
        elif q.type == "multiple":
            answers[q.code] = [q.options[0].code]
        elif q.type == "matrix":
            answers[q.code] = {row.code: q.options[0].code for row in q.rows}
        elif q.type == "number":
            answers[q.code] = 2
        elif q.type == "text":
            answers[q.code] = "Toelichting"
    answers["RAD_SIGNALEN"] = signal
    return answers


@pytest.fixture
def waves():
    clear_spec_cache()
    load_reference_data()
    old = make_campaign(
        load_instrument(path=INSTRUMENTS / "ledenbevraging-2024.yaml"),
        "ledenbevraging-2024",
        dt.date(2024, 5, 21),
    )
    new = make_campaign(
        load_instrument(path=INSTRUMENTS / "ledenbevraging-2026.yaml"),
        "ledenbevraging-2026",
        dt.date(2026, 5, 4),
        previous=old,
    )
    world = World(new, old, {m.name: m for m in Municipality.objects.all()})
    old_spec, new_spec = (
        instrument_spec(old.instrument),
        instrument_spec(new.instrument),
    )
    S = ResponseStatus.SUBMITTED
    add_response(
        old, "P1", world, ["Antwerpen"], S, first_answers(old_spec, signal="neen")
    )
    add_response(
        old, "P2", world, ["Borsbeek"], S, first_answers(old_spec, signal="ja_gelijk")
    )
    add_response(
        new, "R1", world, ["Antwerpen"], S, first_answers(new_spec, signal="ja_daling")
    )
    add_response(
        new,
        "R2",
        world,
        ["Hasselt", "Genk", "Bree"],
        ResponseStatus.PARTIAL,
        first_answers(new_spec, signal="neen"),
    )
    return world


def test_real_population_and_required_sample_size(waves):
    current = build_report(waves.current, options=Options())
    previous = build_report(waves.previous, options=Options())

    assert (current.by_cluster.population, current.sample_size.yamane) == (285, 167)
    assert (previous.by_cluster.population, previous.sample_size.yamane) == (300, 172)
    assert sum(p.population for p in previous.by_province) == 300
    assert sum(f.population for f in previous.by_cluster.families) == 300
    assert current.completeness.besturen == 4


def test_real_trend_counts_merged_antwerpen_once(waves):
    report = build_report(waves.current, options=Options())

    result = next(q for q in report.questions if q.question.code == "RAD_SIGNALEN")

    # 2024: Antwerpen (neen) and Borsbeek (ja_gelijk) are both today's Antwerpen;
    # both submitted, Borsbeek saw and answered more questions, so it wins.
    previous = {r.code: r.previous_count for r in result.trend.rows}
    assert result.trend.previous_n == 1
    assert (previous["ja_gelijk"], previous["neen"]) == (1, 0)
    assert result.table.n == 4


def test_real_instrument_pages_and_workbook_render(waves, client):
    user = User.objects.create_user("analist", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_results"))
    client.force_login(user)
    spec = instrument_spec(waves.current.instrument)

    overview = client.get(
        reverse("responses:results-overview", args=[waves.current.slug])
    )
    workbook = client.get(reverse("responses:results-xlsx", args=[waves.current.slug]))
    pages = [
        client.get(
            reverse("responses:results-question", args=[waves.current.slug, q.code])
        )
        for q in spec.questions
        if q.type != "municipalities"
    ]

    assert overview.status_code == 200
    assert "vertegenwoordigen 4 lokale besturen" in overview.content.decode()
    assert all(page.status_code == 200 for page in pages)
    sheets = load_workbook(BytesIO(workbook.content)).sheetnames
    expected = [q.code[:31] for q in spec.questions if q.type != "municipalities"]
    assert sheets[2:] == expected
