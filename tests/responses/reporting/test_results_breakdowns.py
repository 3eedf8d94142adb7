"""Cross-tabs by another question, police zone and size class; drop-off by section;
the population import (issue 18). Numbers worked out by hand next to each assert."""

from __future__ import annotations

import io

import pytest

from municipalities.models import Municipality, PopulationFigure
from municipalities.population import import_population
from responses.reporting.results import breakdowns, tables
from responses.reporting.results.report import Options, build_report
from responses.reporting.results.units import Record
from surveys.queries import clear_spec_cache
from tests.responses.reporting.results_world import build_world
from tests.responses.reporting.test_results_tables import MULTIPLE, SINGLE, unit

BELEID = SINGLE.__class__(**{**SINGLE.__dict__, "code": "beleid", "text": "Beleid"})


def test_crosstab_of_a_question_by_another():
    # q (signals) x beleid (policy): 3 ja/ja, 1 ja/nee, 2 nee/nee, 1 nee/unanswered
    units = (
        [unit(f"a{i}", q="ja", beleid="ja") for i in range(3)]
        + [unit("b", q="ja", beleid="nee")]
        + [unit(f"c{i}", q="nee", beleid="nee") for i in range(2)]
        + [unit("d", q="nee")]
    )

    tab = tables.crosstab(
        SINGLE,
        units,
        groups=breakdowns.answer_groups(BELEID),
        group_of=breakdowns.answer_of(BELEID),
        show_small=True,
    )

    # columns: beleid=ja n=3, beleid=nee n=3, not answered n=1; total 7
    assert [n for _, _, n in tab.groups] == [3, 3, 1]
    ja, nee = tab.rows[0], tab.rows[1]
    assert [c.count for c in ja.cells] == [3, 1, 0]
    assert [c.count for c in nee.cells] == [0, 2, 1]
    assert [round(c.pct, 4) for c in ja.cells[:2]] == [1.0, round(1 / 3, 4)]
    assert (ja.total.count, nee.total.count) == (4, 3)


def test_only_single_choice_questions_can_be_the_columns():
    matrix_like = SINGLE.__class__(**{**SINGLE.__dict__, "type": "matrix"})
    assert breakdowns.can_group_by(SINGLE)
    assert not breakdowns.can_group_by(MULTIPLE)
    assert not breakdowns.can_group_by(matrix_like)


@pytest.mark.parametrize(
    "population,key",
    [(None, ""), (0, "lt10k"), (9_999, "lt10k"), (10_000, "10k"), (49_999, "20k"),
     (50_000, "50k"), (530_000, "50k")],
)  # fmt: skip
def test_size_classes(population, key):
    assert breakdowns.size_class(population) == key


def test_drop_off_by_section_from_answers():
    spec = type(
        "Spec",
        (),
        {
            "sections": ("a", "b", "c"),
            "questions": [
                type("Q", (), {"code": code, "section": section})()
                for code, section in [("q1", "a"), ("q2", "b"), ("q3", "c")]
            ],
        },
    )()
    records = [
        Record(1, "submitted", {"q1": 1, "q2": 1, "q3": 1}),
        Record(2, "partial", {"q1": 1}),  # stopped in a
        Record(3, "partial", {"q1": 1, "q2": 1}),  # stopped in b
        Record(4, "started", {"q2": 1}),  # skipped a, stopped in b
        Record(5, "started", {}),  # opened, no answer: not a respondent
    ]

    rows = breakdowns.drop_off(records, spec, {"a": "Signalen"})

    # reached: a = all 4 respondents (record 4 got past a), b = 1, 3, 4; c = 1
    assert [(r.code, r.title, r.reached, r.stopped) for r in rows] == [
        ("a", "Signalen", 4, 1),
        ("b", "b", 3, 2),
        ("c", "c", 1, 0),
    ]
    assert [r.stopped_share for r in rows] == [1 / 3, 2 / 3, 0.0]


# --- through the report (database) ---------------------------------------------------


@pytest.fixture
def world(db):
    clear_spec_cache()
    return build_world()


def test_report_crosstab_by_police_zone_and_size_class(world):
    zones = {"Antwerpen": "PZ Antwerpen", "Mortsel": "PZ Minos",
             "Edegem": "PZ Minos", "Boechout": "PZ Minos",
             "Hasselt": "PZ Limburg Regio Hoofdstad"}  # fmt: skip
    for name, zone in zones.items():
        Municipality.objects.filter(name=name).update(police_zone_name=zone)
    report = build_report(world.current, options=Options(show_small=True),
                          codes=["signalen"])  # fmt: skip

    result = report.questions[0]
    by_zone = {key: n for key, _, n in result.by_zone.groups}
    # per bestuur: Antwerpen 1; Mortsel, Edegem, Boechout (one coordinator) 3;
    # Hasselt 1; the other 6 answering besturen have no zone.
    assert by_zone == {"PZ Antwerpen": 1, "PZ Limburg Regio Hoofdstad": 1,
                       "PZ Minos": 3, "": 6}  # fmt: skip
    neen = next(r for r in result.by_zone.rows if r.code == "neen")
    assert [c.count for c in neen.cells] == [0, 0, 3, 2]  # + Bree, Lommel
    # The world's populations: Antwerpen 530000 and Hasselt 80000 are >= 50k;
    # Mortsel 26000, Edegem 22000, Genk 66000 ... (11 besturen, all known).
    by_size = {key: n for key, _, n in result.by_size.groups}
    assert by_size == {"lt10k": 0, "10k": 3, "20k": 5, "50k": 3}


def test_report_crosstab_by_another_question_and_drop_off(world):
    report = build_report(world.current, options=Options(by="beleid", show_small=True),
                          codes=["signalen"])  # fmt: skip

    tab = report.questions[0].by_question
    # beleid: ja = Antwerpen, Hasselt, Genk, Lommel; nee = Mortsel, Edegem, Boechout
    # (coordinator R2), Bree, Maasmechelen; not answered = Peer, Tongeren.
    assert [(key, n) for key, _, n in tab.groups] == [
        ("ja", 4), ("nee", 5), (breakdowns.NO_ANSWER, 2),
    ]  # fmt: skip
    neen = next(r for r in tab.rows if r.code == "neen")
    assert [c.count for c in neen.cells] == [1, 4, 0]  # Lommel; R2 x3 + Bree
    assert report.by_question.code == "beleid"
    # drop-off (per respondent): R5 (partial) and R8 (started) did not submit;
    # both answered only in the first section.
    first = report.drop_off[0]
    assert (first.stopped, first.stopped_share) == (2, 1.0)


def test_unknown_by_question_is_ignored(world):
    report = build_report(world.current, options=Options(by="bestaat_niet"),
                          codes=["signalen"])  # fmt: skip

    assert report.by_question is None
    assert report.questions[0].by_question is None


# --- population import ------------------------------------------------------------


def csv_bytes(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def test_population_import_sets_figures_and_latest_population(world):
    data = "nis_code;year;population\n11002;2024;530504\n11002;2026;536079\n" \
           "11029;2026;26517\n"  # fmt: skip

    result = import_population(source=csv_bytes(data), label="Statbel")

    assert (result.errors, result.created) == ([], 3)
    antwerpen = Municipality.objects.get(nis_code="11002")
    assert antwerpen.population == 536079  # the latest year
    assert PopulationFigure.objects.get(municipality=antwerpen, year=2024).population \
        == 530504  # fmt: skip


def test_population_import_reports_every_bad_row_and_writes_nothing(world):
    data = (
        "nis_code;year;population\n"
        "99999;2026;100\n"
        "11002;twintig;530000\n"
        "11029;2026;-5\n"
        "11002;2026;1\n"
        "11002;2026;2\n"
    )

    result = import_population(source=csv_bytes(data))

    assert [str(e) for e in result.errors] == [
        "rij 2, kolom nis_code: onbekende NIS-code '99999'",
        "rij 3, kolom year: geen jaartal: 'twintig'",
        "rij 4, kolom population: geen geheel aantal inwoners: '-5'",
        "rij 6, kolom nis_code: 11002 2026 staat ook in rij 5",
    ]
    assert PopulationFigure.objects.count() == 0


def test_results_use_the_population_of_the_waves_year(world):
    # Mortsel: 26000 in the world; a 2026 figure of 9000 puts it in < 10.000.
    import_population(source=csv_bytes("nis_code;year;population\n11029;2026;9000\n"))
    report = build_report(world.current, options=Options(), codes=["signalen"])

    by_size = {key: n for key, _, n in report.questions[0].by_size.groups}
    assert (by_size["lt10k"], by_size["20k"]) == (1, 4)
