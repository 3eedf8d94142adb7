"""Pure results computations: no database, every cell by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from responses.reporting.results import representativeness as rep
from responses.reporting.results import tables, trends
from responses.reporting.results.units import (
    Bestuur,
    Record,
    bestuur_units,
    completeness,
    primary_bestuur,
    respondent_units,
)
from responses.reporting.results.xlsx import sheet_title
from surveys.branching import OptionSpec, QuestionSpec, RowSpec

SINGLE = QuestionSpec(
    code="q",
    number=1,
    section="s",
    type="single",
    text="Q",
    required=False,
    condition=None,
    options=(OptionSpec("ja", "Ja"), OptionSpec("nee", "Nee")),
)
MULTIPLE = QuestionSpec(
    code="m",
    number=2,
    section="s",
    type="multiple",
    text="M",
    required=False,
    condition=None,
    options=(
        OptionSpec("a", "A"),
        OptionSpec("b", "B"),
        OptionSpec("ander", "Ander", is_other=True),
        OptionSpec("geen", "Geen", exclusive=True),
    ),
)


def unit(key, family="", province="", **answers):
    return tables.Unit(key=key, answers=answers, family=family, province=province)


@pytest.mark.parametrize(
    "fraction,label",
    [
        (2 / 3, "67%"),
        (1 / 8, "13%"),
        (0.125, "13%"),
        (0.5, "50%"),
        (0.005, "1%"),
        (0, "0%"),
        (1, "100%"),
        (None, ""),
    ],
)
def test_percent_label_rounds_half_up(fraction, label):
    assert tables.percent_label(fraction) == label


def test_frequency_single_percent_of_answering_units():
    units = [unit("1", q="ja"), unit("2", q="nee"), unit("3", q="nee"), unit("4")]

    table = tables.frequency(SINGLE, units)

    assert table.n == 3
    assert [
        (r.code, r.count, tables.percent_label(r.pct_answers)) for r in table.rows
    ] == [
        ("ja", 1, "33%"),
        ("nee", 2, "67%"),
    ]
    assert all(r.pct_respondents is None for r in table.rows)


def test_frequency_multiple_sorted_by_count_ties_in_instrument_order():
    units = [
        unit("1", m=["b", "ander"]),
        unit("2", m=["b"]),
        unit("3", m=["geen"]),
        unit("4", m=[]),
    ]

    table = tables.frequency(MULTIPLE, units)

    assert (table.n, table.selections) == (3, 4)
    assert [(r.code, r.count) for r in table.rows] == [
        ("b", 2),
        ("ander", 1),
        ("geen", 1),
        ("a", 0),
    ]
    b = table.rows[0]
    assert (
        tables.percent_label(b.pct_answers),
        tables.percent_label(b.pct_respondents),
    ) == (
        "50%",
        "67%",
    )


def test_frequency_instrument_order_on_request():
    table = tables.frequency(
        MULTIPLE, [unit("1", m=["b"])], order=tables.ORDER_INSTRUMENT
    )

    assert [r.code for r in table.rows] == ["a", "b", "ander", "geen"]


def test_frequency_ignores_unknown_codes():
    table = tables.frequency(SINGLE, [unit("1", q="weg"), unit("2", q="ja")])

    assert table.n == 2
    assert [r.count for r in table.rows] == [1, 0]


def test_matrix_share_and_cells():
    matrix = QuestionSpec(
        code="x",
        number=3,
        section="s",
        type="matrix",
        text="X",
        required=False,
        condition=None,
        options=(OptionSpec("1", "Nooit"), OptionSpec("2", "Vaak")),
        rows=(RowSpec("r1", "Rij 1"), RowSpec("r2", "Rij 2")),
    )
    units = [unit("1", x={"r1": "1", "r2": "2"}), unit("2", x={"r1": "2"}), unit("3")]

    table = tables.matrix_table(matrix, units)

    assert table.n == 2
    assert [c.text for c in table.lines[0].cells] == ["1 (50%)", "1 (50%)"]
    assert [c.text for c in table.lines[1].cells] == ["0", "1 (100%)"]
    assert tables.percent_label(table.lines[1].share) == "50%"


def _number(**settings):
    return QuestionSpec(
        code="n",
        number=4,
        section="s",
        type="number",
        text="N",
        required=False,
        condition=None,
        settings=settings,
    )


def test_number_summary_one_bin_per_value_for_small_ranges():
    units = [unit(str(i), n=v) for i, v in enumerate([2, 3, 3, 5])] + [
        unit("x", n=True)
    ]

    summary = tables.number_summary(_number(), units)

    assert (
        summary.n,
        summary.mean,
        summary.median,
        summary.minimum,
        summary.maximum,
    ) == (
        4,
        3.25,
        3,
        2,
        5,
    )
    assert [(b.label, b.count) for b in summary.bins] == [
        ("2", 1),
        ("3", 2),
        ("4", 0),
        ("5", 1),
    ]


def test_number_summary_equal_widths_for_wide_ranges():
    units = [unit(str(v), n=v) for v in (0, 10, 50, 100)]

    summary = tables.number_summary(_number(), units)

    assert [(b.label, b.count) for b in summary.bins] == [
        ("0–19", 2),
        ("20–39", 0),
        ("40–59", 1),
        ("60–79", 0),
        ("≥ 80", 1),
    ]


def test_number_summary_without_answers():
    assert tables.number_summary(_number(), [unit("1")]).n == 0


def test_crosstab_unknown_group_and_multiple_column_percent():
    units = [
        unit("1", family="woon", m=["a", "b"]),
        unit("2", family="woon", m=["a"]),
        unit("3", family="", m=["b"]),
    ]

    tab = tables.crosstab(
        MULTIPLE,
        units,
        groups=[("woon", "Woon"), ("", "Onbekend")],
        group_of=lambda u: u.family,
        k=1,
    )

    assert [(key, n) for key, _, n in tab.groups] == [("woon", 2), ("", 1)]
    a = tab.rows[0]
    assert [c.text for c in a.cells] == ["2 (100%)", "0"]
    assert a.total.text == "2 (67%)"


def test_small_cell_rule():
    assert tables.small_cell(3, 5, show_small=False)["suppressed"] is True
    assert tables.small_cell(0, 5, show_small=False)["suppressed"] is False
    assert tables.small_cell(5, 5, show_small=False)["suppressed"] is False
    assert tables.small_cell(3, 5, show_small=True)["flagged"] is True


B = {
    name: Bestuur(
        id=i,
        nis_code=f"1100{i}",
        name=name,
        family=fam,
        population=pop,
        province="Antwerpen",
    )
    for i, (name, fam, pop) in enumerate(
        [("Groot", "steden", 500), ("Klein", "woon", 10), ("Midden", "landelijk", 100)]
    )
}


def record(pk, status, besturen, answers, updated=None):
    return Record(
        pk,
        status,
        answers,
        {},
        tuple(B[b] for b in besturen),
        updated or dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
    )


def test_primary_bestuur_is_most_populous():
    assert (
        primary_bestuur(record(1, "submitted", ["Klein", "Midden"], {})).name
        == "Midden"
    )


def test_bestuur_units_prefer_submitted_then_most_complete():
    records = [
        record(1, "partial", ["Groot"], {"q": "ja", "m": ["a"]}),
        record(2, "submitted", ["Groot", "Klein"], {"q": "nee"}),
        record(3, "partial", ["Midden"], {"q": "ja"}),
        record(4, "partial", ["Midden"], {"q": "nee", "m": ["b"]}),
        record(5, "started", ["Klein"], {}),  # empty: not a respondent
    ]

    units = {u.key: u.answers["q"] for u in bestuur_units(records)}

    assert units == {"m:11000": "nee", "m:11001": "nee", "m:11002": "nee"}


def test_bestuur_units_tie_break_most_recent_then_lowest_id():
    early, late = (
        dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 5, 2, tzinfo=dt.UTC),
    )
    records = [
        record(7, "submitted", ["Groot"], {"q": "ja"}, early),
        record(8, "submitted", ["Groot"], {"q": "nee"}, late),
        record(9, "submitted", ["Klein"], {"q": "ja"}, early),
        record(6, "submitted", ["Klein"], {"q": "nee"}, early),
    ]

    units = {u.key: u.answers["q"] for u in bestuur_units(records)}

    assert units == {"m:11000": "nee", "m:11001": "nee"}


def test_respondent_units_and_completeness():
    records = [
        record(1, "submitted", ["Groot", "Klein"], {"q": "ja"}),
        record(2, "partial", ["Midden"], {"q": "nee"}),
        record(3, "started", [], {}),
    ]

    units = respondent_units(records)
    status = completeness(records)

    assert [(u.key, u.family) for u in units] == [
        ("r:1", "steden"),
        ("r:2", "landelijk"),
    ]
    assert (status.respondents, status.submitted, status.incomplete, status.empty) == (
        2,
        1,
        1,
        1,
    )
    assert (status.besturen, status.besturen_submitted, status.coordinators) == (
        3,
        2,
        1,
    )


@pytest.mark.parametrize(
    "population,method,expected",
    [
        (300, rep.YAMANE, 172),  # the report's "vereiste steekproefgrootte van 172"
        (300, rep.COCHRAN, 169),
        (285, rep.YAMANE, 167),
        (285, rep.COCHRAN, 164),
        (0, rep.YAMANE, 0),
    ],
)
def test_required_sample_size(population, method, expected):
    assert rep.required_sample_size(population, method=method) == expected


def test_representation_by_cluster_and_province():
    def b(i, fam, cl, prov):
        return Bestuur(
            id=i,
            nis_code=str(i),
            name=str(i),
            family=fam,
            cluster=cl,
            cluster_number=int(cl[1:]),
            province=prov,
            province_nis=prov[:1],
        )

    population = [
        b(1, "woon", "V1", "A"),
        b(2, "woon", "V2", "A"),
        b(3, "woon", "V2", "L"),
        b(4, "kust", "V16", "L"),
    ]
    sample = [population[1], population[3]]

    result = rep.by_cluster(population, sample, families=[("woon", "W"), ("kust", "K")])
    provinces = rep.by_province(population, sample)

    woon = result.families[0]
    assert (woon.population, woon.sample) == (3, 1)
    assert [
        (c.code, c.population, c.sample, tables.percent_label(c.response_rate))
        for c in woon.clusters
    ] == [("V1", 1, 0, "0%"), ("V2", 2, 1, "50%")]
    assert tables.percent_label(woon.sample_share) == "50%"
    assert [(p.name, p.population, p.sample) for p in provinces] == [
        ("A", 2, 1),
        ("L", 2, 1),
    ]


def test_trend_compare_uses_share_of_respondents_for_multiple():
    now = tables.frequency(MULTIPLE, [unit("1", m=["a", "b"]), unit("2", m=["a"])])
    before = tables.frequency(MULTIPLE, [unit("1", m=["b"]), unit("2", m=["a"])])

    trend = trends.compare(now, before)

    a = next(r for r in trend.rows if r.code == "a")
    assert (a.current_count, a.previous_count) == (2, 1)
    assert a.delta_points == pytest.approx(50.0)


def test_sheet_titles_are_unique_and_valid():
    used: set[str] = set()

    titles = [sheet_title(c, used) for c in ["q1", "Q1", "a/b", "index", "x" * 40]]

    assert titles == ["q1", "Q1_2", "a_b", "index_2", "x" * 31]


# --- the 2024 report's own tables, rebuilt from synthetic units --------------------

TABEL_1 = {  # family: (ja_gelijk, ja_stijging, ja_daling, neen), as printed
    "woon": (11, 2, 8, 26),
    "landelijk": (3, 2, 4, 21),
    "economisch": (17, 5, 11, 12),
    "verstedelijkt": (7, 1, 3, 4),
    "steden": (5, 4, 2, 1),
    "kust": (0, 0, 1, 2),
}
RAD_SIGNALEN = QuestionSpec(
    code="RAD_SIGNALEN",
    number=3,
    section="rad",
    type="single",
    text="Signalen?",
    required=True,
    condition=None,
    options=(
        OptionSpec("ja_gelijk", "Ja (gelijk)"),
        OptionSpec("ja_stijging", "Ja (stijging)"),
        OptionSpec("ja_daling", "Ja (daling)"),
        OptionSpec("neen", "Neen"),
    ),
    settings={
        "results_groups": [
            {
                "code": "ja_totaal",
                "label": "Ja (totaal)",
                "options": ["ja_gelijk", "ja_stijging", "ja_daling"],
            }
        ]
    },
)


def test_crosstab_reproduces_report_tabel_1():
    codes = ("ja_gelijk", "ja_stijging", "ja_daling", "neen")
    units = [
        unit(f"{family}{code}{i}", family=family, RAD_SIGNALEN=code)
        for family, counts in TABEL_1.items()
        for code, count in zip(codes, counts, strict=True)
        for i in range(count)
    ]

    tab = tables.crosstab(
        RAD_SIGNALEN,
        units,
        groups=[(f, f) for f in TABEL_1],
        group_of=lambda u: u.family,
        k=1,
    )

    assert [n for _, _, n in tab.groups] == [47, 30, 45, 15, 12, 3]
    assert tab.n == 152
    rows = {row.code: row for row in tab.rows}
    assert [r.code for r in tab.rows] == [
        "ja_gelijk",
        "ja_stijging",
        "ja_daling",
        "ja_totaal",
        "neen",
    ]
    assert [c.text for c in rows["ja_totaal"].cells] == [
        "21 (45%)",
        "9 (30%)",
        "33 (73%)",
        "11 (73%)",
        "11 (92%)",
        "1 (33%)",
    ]
    assert rows["ja_totaal"].total.text == "86 (57%)"
    assert [r.total.text for r in tab.rows[:3]] == ["43 (28%)", "14 (9%)", "29 (19%)"]
    # The report prints Neen as 65 (43%) and kust as 2 (77%): its own columns give
    # 66 and 67%, the figures below.
    assert rows["neen"].total.text == "66 (43%)"
    assert [c.text for c in rows["neen"].cells] == [
        "26 (55%)",
        "21 (70%)",
        "12 (27%)",
        "4 (27%)",
        "1 (8%)",
        "2 (67%)",
    ]


TABEL_4 = [  # (code, printed count, printed % of respondents), N = 63
    ("livc", 57, "90%"),
    ("politie", 40, "63%"),
    ("ocad", 25, "40%"),
    ("sociale_media", 24, "38%"),
    ("scholen", 20, "32%"),
    ("eerstelijn", 15, "24%"),
    ("parket", 11, "17%"),
    ("wijkanalyse", 9, "14%"),
    ("burgers", 8, "13%"),
    ("meldpunt", 4, "6%"),
    ("ander", 4, "6%"),
    ("weet_niet", 2, "3%"),
    ("niet", 0, "0%"),
]


def test_frequency_reproduces_report_tabel_4():
    question = QuestionSpec(
        code="RAD_ZICHT",
        number=7,
        section="rad",
        type="multiple",
        text="Zicht?",
        required=True,
        condition=None,
        options=tuple(OptionSpec(code, code) for code, _, _ in reversed(TABEL_4[:-3]))
        + tuple(OptionSpec(code, code) for code, _, _ in TABEL_4[-3:]),
    )
    # Deal the printed counts round-robin so each of the 63 units chose something.
    chosen: list[list[str]] = [[] for _ in range(63)]
    start = 0
    for code, count, _ in TABEL_4:
        for i in range(start, start + count):
            chosen[i % 63].append(code)
        start += count
    units = [unit(str(i), RAD_ZICHT=codes) for i, codes in enumerate(chosen)]

    table = tables.frequency(question, units)

    assert table.n == 63
    assert [
        (r.code, r.count, tables.percent_label(r.pct_respondents)) for r in table.rows
    ] == TABEL_4


def test_results_group_in_frequency_multiple_has_no_share_of_selections():
    question = QuestionSpec(
        code="m",
        number=2,
        section="s",
        type="multiple",
        text="M",
        required=False,
        condition=None,
        options=MULTIPLE.options,
        settings={
            "results_groups": [{"code": "ab", "label": "A of B", "options": ["a", "b"]}]
        },
    )

    table = tables.frequency(question, [unit("1", m=["a", "b"]), unit("2", m=["geen"])])

    assert table.rows[-1].code == "ab"
    assert (table.rows[-1].count, table.rows[-1].pct_answers) == (1, None)
    assert tables.percent_label(table.rows[-1].pct_respondents) == "50%"
    assert table.selections == 3


def test_matrix_excluded_scale_point_stays_out_of_row_n():
    matrix = QuestionSpec(
        code="v",
        number=4,
        section="s",
        type="matrix",
        text="V",
        required=False,
        condition=None,
        options=(
            OptionSpec("toe", "Toegenomen"),
            OptionSpec("af", "Afgenomen"),
            OptionSpec("niet", "Niet aanwezig"),
        ),
        rows=(RowSpec("islam", "Islamistisch"),),
        settings={"results_exclude": ["niet"]},
    )
    units = [
        unit("1", v={"islam": "toe"}),
        unit("2", v={"islam": "af"}),
        unit("3", v={"islam": "toe"}),
        unit("4", v={"islam": "niet"}),
    ]

    line = tables.matrix_table(matrix, units).lines[0]

    assert [c.text for c in line.cells] == ["2 (67%)", "1 (33%)", "1"]
    assert (line.n, tables.percent_label(line.share)) == (3, "75%")


def test_text_answers_listed_once_per_response_but_counted_per_unit():
    text = QuestionSpec(
        code="t",
        number=5,
        section="s",
        type="text",
        text="T",
        required=False,
        condition=None,
    )
    units = [
        tables.Unit("m:1", {"t": "Samen"}, source="r:1"),
        tables.Unit("m:2", {"t": "Samen"}, source="r:1"),
        tables.Unit("m:3", {"t": "  "}, source="r:2"),
        tables.Unit("m:4", {"t": "Alleen"}, source="r:3"),
    ]

    result = tables.text_answers(text, units)

    assert (result.n, result.answers) == (3, ("Samen", "Alleen"))
