"""Trends over any number of waves, Tabel 2's share of all units and Tabel 6's
average (issue 18). Pure: tables built from units with the report's counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from responses.models import ResponseStatus
from responses.reporting.results import charts, tables, trends
from responses.reporting.results.report import Options, build_report
from surveys.branching import OptionSpec, QuestionSpec, RowSpec
from surveys.queries import clear_spec_cache
from tests.responses.reporting.results_world import (
    add_response,
    build_world,
    make_campaign,
)
from tests.responses.reporting.test_results_tables import MULTIPLE, SINGLE, unit

BREUKLIJNEN = QuestionSpec(
    code="breuk",
    number=9,
    section="s",
    type="matrix",
    text="Breuklijnen polarisatie",
    required=False,
    condition=None,
    options=(
        OptionSpec("geen", "Geen polarisatie op dit thema"),
        OptionSpec("beperkt", "Polariserend, maar in beperkte mate"),
        OptionSpec("spanning", "Spanningen en sociale onveiligheid"),
        OptionSpec("grootste", "Grootste bezorgdheid"),
    ),
    rows=(RowSpec("etniciteit", "Etniciteit & cultuur"),),
)
VORMEN = QuestionSpec(
    code="vormen",
    number=3,
    section="s",
    type="matrix",
    text="Vormen van radicalisering",
    required=False,
    condition=None,
    options=(
        OptionSpec("toe", "Toegenomen"),
        OptionSpec("stabiel", "Gestabiliseerd"),
        OptionSpec("af", "Afgenomen"),
        OptionSpec("niet_aanwezig", "Niet aanwezig"),
    ),
    rows=(RowSpec("islam", "Islamistisch/ Salafi Jihadi extremisme"),),
    settings={"results_exclude": ["niet_aanwezig"]},
)
NUMBER = QuestionSpec(
    code="n", number=4, section="s", type="number", text="N", required=False,
    condition=None,
)  # fmt: skip


def answered(code, spread):
    """Units answering one matrix row: spread = {scale code: count}."""
    out = []
    for point, count in spread.items():
        out += [unit(f"{point}{i}", **{code: {"etniciteit": point, "islam": point}})
                for i in range(count)]  # fmt: skip
    return out


def test_tabel_6_average_is_the_mean_scale_position():
    # Tabel 6, "Etniciteit & cultuur": n=48; 10% / 44% / 29% / 17%; average 51%.
    units = answered("breuk", {"geen": 5, "beperkt": 21, "spanning": 14, "grootste": 8})

    line = tables.matrix_table(BREUKLIJNEN, units).lines[0]

    assert line.n == 48
    assert [c.text for c in line.cells] == [
        "5 (10%)", "21 (44%)", "14 (29%)", "8 (17%)",
    ]  # fmt: skip
    # (0*5 + 1*21 + 2*14 + 3*8) / (48 * 3) = 73 / 144 = 0.507 -> 51%
    assert line.average == 73 / 144
    assert tables.percent_label(line.average) == "51%"


def test_tabel_2_share_of_all_besturen():
    # Tabel 2, Islamistisch extremisme: 11 / 37 / 14 of 62 besturen with signals,
    # 62 of n=152 besturen (41%); 90 said "niet aanwezig" (excluded from the row n).
    units = answered(
        "vormen", {"toe": 11, "stabiel": 37, "af": 14, "niet_aanwezig": 90}
    )

    line = tables.matrix_table(VORMEN, units).lines[0]

    assert [c.text for c in line.cells[:3]] == ["11 (18%)", "37 (60%)", "14 (23%)"]
    assert (line.n, tables.percent_label(line.share_all)) == (62, "41%")
    # average over the three counted points: (0*11 + 1*37 + 2*14) / (62*2) = 65/124
    assert line.average == 65 / 124


def test_series_over_four_waves_single_with_gap_and_new_option():
    # 2020: 4 ja / 1 nee; 2022: not asked; 2024: 3 ja / 3 nee; 2026: 1 ja / 3 nee
    def wave(ja, nee):
        return [unit(f"j{i}", q="ja") for i in range(ja)] + [
            unit(f"n{i}", q="nee") for i in range(nee)
        ]

    tabs = [tables.frequency(SINGLE, wave(*c)) if c else None
            for c in [(4, 1), None, (3, 3), (1, 3)]]  # fmt: skip

    result = trends.series(tabs, ["2020", "2022", "2024", "2026"])

    assert result.columns == (("2020", 5), ("2022", None), ("2024", 6), ("2026", 4))
    assert result.measure == "respondents"
    ja = result.rows[0]
    assert [(p.count, p.share) if p else None for p in ja.points] == [
        (4, 0.8), None, (3, 0.5), (1, 0.25),
    ]  # fmt: skip
    assert ja.delta_text == "-25"  # 25% in 2026 against 50% in 2024


def test_series_of_multiple_choice_uses_share_of_respondents():
    old = [unit("1", m=["a"]), unit("2", m=["a", "b"])]
    new = [unit("1", m=["b"]), unit("2", m=["b"]), unit("3", m=["a", "b"]), unit("4")]

    result = trends.series(
        [tables.frequency(MULTIPLE, old), tables.frequency(MULTIPLE, new)],
        ["2022", "2024"],
    )

    rows = {r.code: [(p.count, p.share) for p in r.points] for r in result.rows}
    # 2022: a 2 of 2 units, b 1 of 2; 2024: b 3 of 3, a 1 of 3 (unit 4 answered nothing)
    assert rows["a"] == [(2, 1.0), (1, 1 / 3)]
    assert rows["b"] == [(1, 0.5), (3, 1.0)]


def test_series_of_matrix_rows_and_numbers():
    m2022 = answered("vormen", {"toe": 1, "stabiel": 1, "niet_aanwezig": 2})
    m2024 = answered("vormen", {"toe": 3, "niet_aanwezig": 1})
    numbers = [[unit("1", n=2), unit("2", n=4)], [unit("1", n=10), unit("2", n=1),
               unit("3", n=1)]]  # fmt: skip

    matrix = trends.series(
        [tables.matrix_table(VORMEN, m2022), tables.matrix_table(VORMEN, m2024)],
        ["2022", "2024"],
    )
    number = trends.series(
        [tables.number_summary(NUMBER, u) for u in numbers], ["2022", "2024"]
    )

    islam = matrix.rows[0]
    # 2022: 2 of 4 units have the form (50%), average (0+1)/(2*2) = 25%;
    # 2024: 3 of 4 (75%), average 0.
    assert [(p.count, p.share, p.value) for p in islam.points] == [
        (2, 0.5, 0.25), (3, 0.75, 0.0),
    ]  # fmt: skip
    assert (matrix.measure, islam.delta_text) == ("all", "+25")
    by_code = {r.code: [p.value for p in r.points] for r in number.rows}
    assert by_code == {"mean": [3.0, 4.0], "median": [3.0, 1.0]}


def test_trend_chart_places_dots_per_wave():
    tabs = [tables.frequency(SINGLE, [unit("1", q="ja"), unit("2", q="nee")]),
            None,
            tables.frequency(SINGLE, [unit("1", q="ja")])]  # fmt: skip

    chart = charts.trend_chart(trends.series(tabs, ["2020", "2022", "2024"]))

    assert chart.waves == ((5.0, "2020"), (50.0, "2022"), (95.0, "2024"))
    ja = chart.lines[0]
    # 50% -> y = 50 - 45 * 0.5 = 27.5; 100% -> y = 5; the 2022 gap has no dot
    assert [(d.x, d.y, d.text) for d in ja.dots] == [
        (5.0, 27.5, "50%"),
        (95.0, 5.0, "100%"),
    ]
    assert ja.points == "5,27.5 95,5"


# --- three waves through the report and the question page ---------------------------


@pytest.fixture
def three_waves(db):
    clear_spec_cache()
    world = build_world()
    w2022 = make_campaign(world.previous.instrument, "lb-2022", dt.date(2022, 5, 10))
    world.previous.previous = w2022
    world.previous.save(update_fields=["previous"])
    S = ResponseStatus.SUBMITTED
    # Borsbeek (merged into Antwerpen in 2025) counts as today's Antwerpen.
    add_response(w2022, "O1", world, ["Borsbeek"], S, {"signalen": "ja_gelijk"})
    add_response(w2022, "O2", world, ["Mortsel"], S, {"signalen": "neen"})
    add_response(w2022, "O3", world, ["Genk"], S, {"signalen": "neen"})
    return world, w2022


def test_report_lines_up_three_waves_per_bestuur(three_waves):
    world, w2022 = three_waves

    report = build_report(world.current, options=Options(), codes=["signalen"])

    assert report.waves == (w2022, world.previous)
    result = report.questions[0]
    assert result.series.columns == (("2022", 3), ("2024", 3), ("2026", 11))
    rows = {r.code: r for r in result.series.rows}
    # 2022: Antwerpen (from Borsbeek) ja_gelijk, Mortsel and Genk neen -> n=3.
    # 2024: Antwerpen submitted ja_gelijk beats Borsbeek's partial neen (both are
    #       today's Antwerpen); Hasselt neen; Genk ja_daling -> n=3.
    # 2026: 11 besturen; neen = Mortsel, Edegem, Boechout (one coordinator), Bree,
    #       Lommel = 5.
    neen = [(p.count, p.share) for p in rows["neen"].points]
    assert neen == [(2, 2 / 3), (1, 1 / 3), (5, 5 / 11)]
    assert rows["neen"].delta_text == "+12"  # 45.5% - 33.3%
    gelijk = [(p.count, p.share) for p in rows["ja_gelijk"].points]
    assert gelijk == [(1, 1 / 3), (1, 1 / 3), (3, 3 / 11)]
    assert len(result.series_chart.lines) == len(result.series.rows)


def test_report_per_respondent_and_submitted_only(three_waves):
    world, _ = three_waves
    options = Options(unit="respondent", submitted_only=True)

    report = build_report(world.current, options=options, codes=["signalen"])

    series = report.questions[0].series
    # 2024 submitted: P1 ja_gelijk, P3 neen, P4 ja_daling (P2 partial drops out).
    # 2026 submitted respondents: R1, R2, R3, R4, R6, R7, R9 = 7; neen R2, R4, R7.
    assert series.columns == (("2022", 3), ("2024", 3), ("2026", 7))
    neen = next(r for r in series.rows if r.code == "neen")
    assert [p.count for p in neen.points] == [2, 1, 3]


def test_question_page_shows_the_series_table_and_chart(three_waves, client):
    world, _ = three_waves
    user = User.objects.create_user("analist", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_results"))
    client.force_login(user)

    page = client.get(
        reverse("responses:results-question", args=["lb-2026", "signalen"])
    ).content.decode()

    assert "Verloop over de golven" in page
    assert "2022 (n=3)" in page and "2026 (n=11)" in page
    assert '<polyline class="results-line-' in page
