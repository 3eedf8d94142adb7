"""Results of a known data set, cell by cell (see results_world for the answers)."""

from __future__ import annotations

import pytest

from responses.reporting.results.data import load_directory, load_records
from responses.reporting.results.report import Options, build_report
from responses.reporting.results.tables import percent_label
from surveys.queries import clear_spec_cache, instrument_spec
from tests.responses.reporting.results_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    clear_spec_cache()
    return build_world()


def question(report, code):
    return next(q for q in report.questions if q.question.code == code)


def rows(table):
    return [(r.code, r.count, percent_label(r.pct_answers)) for r in table.rows]


def test_single_frequency_per_bestuur_counts_each_covered_municipality(world):
    report = build_report(world.current, options=Options())

    table = question(report, "signalen").table

    # R2 (coordinator, 3 besturen) answered neen; R10 is empty and not counted.
    assert table.n == 11
    assert rows(table) == [
        ("ja_gelijk", 3, "27%"),
        ("ja_stijging", 1, "9%"),
        ("ja_daling", 2, "18%"),
        ("neen", 5, "45%"),
    ]


def test_single_frequency_per_respondent_counts_each_response_once(world):
    report = build_report(world.current, options=Options(unit="respondent"))

    table = question(report, "signalen").table

    assert table.n == 9
    assert rows(table) == [
        ("ja_gelijk", 3, "33%"),
        ("ja_stijging", 1, "11%"),
        ("ja_daling", 2, "22%"),
        ("neen", 3, "33%"),
    ]


def test_multiple_frequency_ignores_hidden_answer_and_sorts_by_count(world):
    report = build_report(world.current, options=Options())

    table = question(report, "zicht").table

    # R2's 'ocad' is hidden (signalen=neen): with it ocad would be 5.
    assert table.n == 6
    assert table.selections == 11
    assert [
        (
            r.code,
            r.count,
            percent_label(r.pct_answers),
            percent_label(r.pct_respondents),
        )
        for r in table.rows
    ] == [
        ("livc", 4, "36%", "67%"),
        ("politie", 3, "27%", "50%"),
        ("ocad", 2, "18%", "33%"),
        ("ander", 1, "9%", "17%"),
        ("niet", 1, "9%", "17%"),
    ]
    assert question(report, "zicht").others == ("Wijkagent",)


def test_matrix_lines_count_visible_rows_only(world):
    report = build_report(world.current, options=Options())

    table = question(report, "vormen").table

    assert table.n == 5
    lines = {line.code: line for line in table.lines}
    assert [c.count for c in lines["islam"].cells] == [2, 1, 1]
    assert [c.text for c in lines["islam"].cells] == ["2 (50%)", "1 (25%)", "1 (25%)"]
    assert lines["islam"].n == 4
    assert percent_label(lines["islam"].share) == "80%"
    assert [c.count for c in lines["rechts"].cells] == [1, 2, 1]
    # R9's 'links' row is hidden (only shown for ja_stijging): only R3 counts.
    assert [c.count for c in lines["links"].cells] == [0, 0, 1]
    assert lines["links"].n == 1


def test_number_summary_and_bins_in_both_units(world):
    per_bestuur = question(
        build_report(world.current, options=Options()), "dossiers"
    ).table
    per_respondent = question(
        build_report(world.current, options=Options(unit="respondent")), "dossiers"
    ).table

    assert (
        per_bestuur.n,
        per_bestuur.median,
        per_bestuur.minimum,
        per_bestuur.maximum,
    ) == (
        9,
        1,
        0,
        12,
    )
    assert per_bestuur.mean == pytest.approx(28 / 9)
    assert [(b.label, b.count) for b in per_bestuur.bins] == [
        ("0", 4),
        ("1–5", 3),
        ("6–10", 1),
        ("≥ 11", 1),
    ]
    assert (per_respondent.n, per_respondent.mean, per_respondent.median) == (7, 4, 3)


def test_text_answers_listed(world):
    report = build_report(world.current, options=Options(unit="respondent"))

    table = question(report, "toelichting").table

    assert table.n == 2
    assert table.answers == ('=HYPERLINK("http://x.test","klik")', "<b>hallo</b>")


def test_crosstab_by_family_per_bestuur_with_suppression(world):
    report = build_report(world.current, options=Options(k=2))

    tab = question(report, "signalen").by_family

    assert [(key, n) for key, _, n in tab.groups] == [
        ("woon", 2),
        ("landelijk", 3),
        ("economisch", 3),
        ("verstedelijkt", 1),
        ("steden", 2),
        ("kust", 0),
    ]
    cells = {row.code: [c.text for c in row.cells] for row in tab.rows}
    assert cells["neen"] == ["2 (100%)", "2 (67%)", "<2", "0", "0", "0"]
    assert cells["ja_gelijk"] == ["0", "0", "<2", "<2", "<2", "0"]
    # Totals are never suppressed.
    assert [row.total.text for row in tab.rows] == [
        "3 (27%)",
        "1 (9%)",
        "2 (18%)",
        "5 (45%)",
    ]
    assert tab.n == 11


def test_crosstab_small_cells_flagged_on_request(world):
    report = build_report(world.current, options=Options(k=2, show_small=True))

    tab = question(report, "signalen").by_family

    neen = next(row for row in tab.rows if row.code == "neen")
    assert [c.text for c in neen.cells] == [
        "2 (100%)",
        "2 (67%)",
        "1* (33%)",
        "0",
        "0",
        "0",
    ]
    assert tab.suppressed == 0


def test_crosstab_default_k5_hides_every_small_cell(world):
    report = build_report(world.current, options=Options())

    tab = question(report, "signalen").by_family

    assert all(c.text in ("0", "<5") for row in tab.rows for c in row.cells)
    assert tab.suppressed == 9


def test_crosstab_per_respondent_places_coordinator_in_primary_family(world):
    report = build_report(world.current, options=Options(unit="respondent", k=1))

    tab = question(report, "signalen").by_family

    # R2 covers Mortsel (woon, most populous), Edegem (woon) and Boechout (landelijk).
    assert [(key, n) for key, _, n in tab.groups][:2] == [("woon", 1), ("landelijk", 2)]
    assert sum(n for _, _, n in tab.groups) == tab.n == 9


def test_crosstab_by_province(world):
    report = build_report(world.current, options=Options(k=1))

    tab = question(report, "signalen").by_province

    assert [(key, n) for key, _, n in tab.groups] == [("Antwerpen", 4), ("Limburg", 7)]
    cells = {row.code: [c.text for c in row.cells] for row in tab.rows}
    assert cells["neen"] == ["3 (75%)", "2 (29%)"]
    assert cells["ja_gelijk"] == ["1 (25%)", "2 (29%)"]


def test_completeness_counts_respondents_and_besturen(world):
    report = build_report(world.current, options=Options())

    c = report.completeness

    assert (c.respondents, c.submitted, c.incomplete, c.empty) == (9, 7, 2, 1)
    assert (c.besturen, c.besturen_submitted, c.coordinators) == (11, 9, 1)
    assert percent_label(c.incomplete_share) == "22%"


def test_representativeness_by_family_cluster_and_province(world):
    report = build_report(world.current, options=Options())

    rep = report.by_cluster
    woon = next(f for f in rep.families if f.key == "woon")

    # Borsbeek no longer exists in 2026: 13 besturen, 11 represented.
    assert (rep.population, rep.sample) == (13, 11)
    assert (woon.population, woon.sample) == (4, 2)
    assert percent_label(woon.population_share) == "31%"
    assert percent_label(woon.sample_share) == "18%"
    assert [(c.code, c.population, c.sample) for c in woon.clusters] == [("V1", 4, 2)]
    assert [(p.name, p.population, p.sample) for p in report.by_province] == [
        ("Antwerpen", 6, 4),
        ("Limburg", 7, 7),
    ]
    assert report.sample_size.population == 13
    assert report.sample_size.yamane == 13


def test_previous_wave_population_is_the_2024_map(world):
    report = build_report(world.previous, options=Options())

    assert report.by_cluster.population == 14
    assert report.sample_size.population == 14


def test_trend_maps_merged_municipalities_onto_successor(world):
    directory = load_directory()
    spec = instrument_spec(world.previous.instrument)

    records = load_records(
        world.previous, directory=directory, spec=spec, map_to_current=True
    )

    borsbeek = next(r for r in records if r.response_id == world.responses["P2"].pk)
    assert [b.name for b in borsbeek.besturen] == ["Antwerpen"]


def test_trend_counts_merged_besturen_once_in_bestuur_mode(world):
    report = build_report(world.current, options=Options())

    trend = question(report, "signalen").trend

    # 2024: Antwerpen (submitted, ja_gelijk) wins over Borsbeek (partial, neen).
    assert (trend.current_n, trend.previous_n) == (11, 3)
    assert [
        (r.code, r.current_count, r.previous_count, percent_label(r.previous_pct))
        for r in trend.rows
    ] == [
        ("ja_gelijk", 3, 1, "33%"),
        ("ja_stijging", 1, 0, "0%"),
        ("ja_daling", 2, 1, "33%"),
        ("neen", 5, 1, "33%"),
    ]
    neen = trend.rows[3]
    assert neen.delta_points == pytest.approx((5 / 11 - 1 / 3) * 100)
    assert [r.delta_text for r in trend.rows] == ["-6", "+9", "-15", "+12"]


def test_trend_per_respondent_keeps_every_response(world):
    report = build_report(world.current, options=Options(unit="respondent"))

    trend = question(report, "signalen").trend

    assert trend.previous_n == 4
    assert [r.previous_count for r in trend.rows] == [1, 0, 1, 2]


def test_trend_matches_options_by_code(world):
    report = build_report(world.current, options=Options())

    trend = question(report, "zicht").trend

    by_code = {r.code: (r.current_count, r.previous_count) for r in trend.rows}
    assert by_code["livc"] == (4, 1)
    assert by_code["niet"] == (1, None)  # new in 2026
    assert by_code["wijk"] == (None, 1)  # dropped since 2024
    assert trend.previous_n == 2


def test_submitted_only_filter(world):
    report = build_report(world.current, options=Options(submitted_only=True))

    table = question(report, "signalen").table

    assert table.n == 9  # R5 (Peer) and R8 (Tongeren) are not submitted
    assert [r.count for r in table.rows] == [2, 1, 1, 5]
