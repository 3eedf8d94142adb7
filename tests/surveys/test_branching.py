"""Branching rules of the real 2024 instrument, evaluated without a database."""

from __future__ import annotations

import pytest

from surveys.branching import (
    InstrumentSpec,
    OptionSpec,
    QuestionSpec,
    RowSpec,
    describe,
    evaluate,
    next_section,
    previous_section,
    progress,
    validate,
    validate_value,
    visible_answers,
)
from surveys.definition import spec_from_yaml
from tests.factories import instrument_path

SPEC = spec_from_yaml(instrument_path(2024))
Q = SPEC.question
RAD_YES = ["ja_gelijk", "ja_stijging", "ja_daling"]
POL_YES = ["ja_onveiligheid", "ja_geen_onveiligheid"]
LIVC_YES = ["ja_gemeente", "ja_zone"]
LIVC_NO = ["neen_opstart", "neen_geen_plannen", "weet_niet"]
FORMS = [r.code for r in Q("RAD_VORMEN").rows]
CASUS = {
    "islam": "RAD_CASUS_ISLAM",
    "rechts": "RAD_CASUS_RECHTS",
    "anti_overheid": "RAD_CASUS_ANTI_OVERHEID",
    "motorbendes": "RAD_CASUS_MOTORBENDES",
    "links": "RAD_CASUS_LINKS",
    "milieu_klimaat": "RAD_CASUS_MILIEU_KLIMAAT",
    "ultranationalisme": "RAD_CASUS_ULTRANATIONALISME",
    "dierenrechten": "RAD_CASUS_DIERENRECHTEN",
    "sekten": "RAD_CASUS_SEKTEN",
}
ALWAYS = {
    "PROF_FUNCTIE",
    "PROF_BESTUREN",
    "RAD_SIGNALEN",
    "RAD_ZICHT",
    "POL_SIGNALEN",
    "DES_SIGNALEN",
    "BEL_SPECIFIEK",
    "BEL_CONTACTPERSOON",
    "LIVC_AANWEZIG",
    "LIVC_PLATFORMEN",
    "NOD_OBSTAKELS",
    "NOD_VORMING",
    "NOD_ONDERSTEUNING",
    "NOD_CONTACT",
    "NOD_OPMERKINGEN",
}


def forms(present=(), absent_value="niet_aanwezig", value="toegenomen"):
    return {f: (value if f in present else absent_value) for f in FORMS}


def _cases():
    """(question, answers where it is shown, answers where it is hidden)."""
    cases = []
    for code in ("RAD_VORMEN", "RAD_LEVERANCIERS", "RAD_ANDERE_VORMEN"):
        for yes in RAD_YES:
            cases.append((code, {"RAD_SIGNALEN": yes}, {"RAD_SIGNALEN": "neen"}))
        cases.append((code, {"RAD_SIGNALEN": "ja_daling"}, {}))
    for form, code in CASUS.items():
        for value in ("toegenomen", "gestabiliseerd", "afgenomen"):
            shown = {
                "RAD_SIGNALEN": "ja_gelijk",
                "RAD_VORMEN": forms([form], value=value),
            }
            hidden = {"RAD_SIGNALEN": "ja_gelijk", "RAD_VORMEN": forms([])}
            cases.append((code, shown, hidden))
        # A stale forms answer (signals now "Neen") counts as absent.
        stale = {"RAD_SIGNALEN": "neen", "RAD_VORMEN": forms([form])}
        cases.append((code, {"RAD_SIGNALEN": "ja_gelijk", **forms_answer(form)}, stale))
    cases.append(
        (
            "RAD_DREIGING",
            {"RAD_SIGNALEN": "ja_stijging", "RAD_VORMEN": forms(["links"])},
            {"RAD_SIGNALEN": "ja_stijging", "RAD_VORMEN": forms([])},
        )
    )
    for code in (
        "POL_BREUKLIJNEN",
        "POL_ANDERE_THEMAS",
        "POL_CASUS",
        "POL_PLAATSEN",
        "POL_DOELWIT",
    ):
        for yes in POL_YES:
            cases.append((code, {"POL_SIGNALEN": yes}, {"POL_SIGNALEN": "neen"}))
    cases.append(
        (
            "POL_DOELWIT_HOE",
            {"POL_SIGNALEN": "ja_onveiligheid", "POL_DOELWIT": "ja"},
            {"POL_SIGNALEN": "ja_onveiligheid", "POL_DOELWIT": "neen"},
        )
    )
    cases.append(
        (
            "POL_DOELWIT_HOE",
            {"POL_SIGNALEN": "ja_geen_onveiligheid", "POL_DOELWIT": "ja"},
            {"POL_SIGNALEN": "neen", "POL_DOELWIT": "ja"},
        )
    )
    for code in (
        "DES_THEMAS",
        "DES_KANALEN",
        "DES_DOELGROEPEN",
        "DES_AANPAK",
        "DES_CASUS",
    ):
        cases.append((code, {"DES_SIGNALEN": "ja"}, {"DES_SIGNALEN": "neen"}))
    cases.append(
        ("BEL_REDENEN_GEEN", {"BEL_SPECIFIEK": "nee"}, {"BEL_SPECIFIEK": "ja"})
    )
    for code in ("BEL_FOCUS", "BEL_MOTIEF", "BEL_MOEILIJKHEDEN"):
        cases.append((code, {"BEL_SPECIFIEK": "ja"}, {"BEL_SPECIFIEK": "nee"}))
    for no in ("neen_opstart", "neen_geen_plannen"):
        for other in (*LIVC_YES, "weet_niet"):
            cases.append(
                ("LIVC_REDEN_AFWEZIG", {"LIVC_AANWEZIG": no}, {"LIVC_AANWEZIG": other})
            )
    for code in (
        "LIVC_OVERLEGTAFELS",
        "LIVC_FREQUENTIE",
        "LIVC_AFSPRAKENKADER",
        "LIVC_SAMENSTELLING",
        "LIVC_PARTNERS_WEIGEREN",
        "LIVC_PARTNERS_BUITEN",
        "LIVC_AKKOORDEN",
        "LIVC_DOSSIERS",
        "LIVC_MOEILIJKHEDEN",
        "LIVC_VERSTERKEN",
    ):
        for yes in LIVC_YES:
            for no in LIVC_NO:
                cases.append((code, {"LIVC_AANWEZIG": yes}, {"LIVC_AANWEZIG": no}))
    for code, parent in (
        ("LIVC_PARTNERS_WEIGEREN_WIE", "LIVC_PARTNERS_WEIGEREN"),
        ("LIVC_AKKOORDEN_WELKE", "LIVC_AKKOORDEN"),
    ):
        cases.append(
            (
                code,
                {"LIVC_AANWEZIG": "ja_zone", parent: "ja"},
                {"LIVC_AANWEZIG": "ja_zone", parent: "neen"},
            )
        )
        cases.append(
            (
                code,
                {"LIVC_AANWEZIG": "ja_gemeente", parent: "ja"},
                {"LIVC_AANWEZIG": "neen_opstart", parent: "ja"},
            )
        )
    for yes in ("ja_gemeente", "ja_zone", "neen_opstart"):
        for no in ("neen_geen_plannen", "weet_niet"):
            cases.append(
                ("LIVC_ONDERSTEUNING", {"LIVC_AANWEZIG": yes}, {"LIVC_AANWEZIG": no})
            )
    return cases


def forms_answer(form):
    return {"RAD_VORMEN": forms([form])}


@pytest.mark.parametrize(("code", "shown", "hidden"), _cases())
def test_branching_rule_shows_and_hides(code, shown, hidden):
    assert code in evaluate(SPEC, shown).visible
    assert code not in evaluate(SPEC, hidden).visible


def test_branching_every_conditional_question_has_a_rule_test():
    tested = {case[0] for case in _cases()}
    conditional = {q.code for q in SPEC.questions if q.condition is not None}

    assert conditional - tested == set()
    assert {q.code for q in SPEC.questions} - conditional == ALWAYS


def test_evaluate_without_answers_shows_only_unconditional_questions():
    visibility = evaluate(SPEC, {})

    assert visibility.visible == ALWAYS
    assert visibility.required == ALWAYS - {"NOD_ONDERSTEUNING", "NOD_OPMERKINGEN"}
    assert visibility.rows == {}


@pytest.mark.parametrize("form", FORMS)
def test_threat_matrix_rows_only_for_present_forms(form):
    answers = {"RAD_SIGNALEN": "ja_gelijk", "RAD_VORMEN": forms([form])}

    visibility = evaluate(SPEC, answers)

    assert visibility.rows["RAD_DREIGING"] == (form,)
    assert visibility.rows["RAD_VORMEN"] == tuple(FORMS)


def test_threat_matrix_hidden_when_no_form_is_present():
    answers = {"RAD_SIGNALEN": "ja_gelijk", "RAD_VORMEN": forms([])}

    assert "RAD_DREIGING" not in evaluate(SPEC, answers).visible


def test_threat_matrix_rows_follow_every_present_form():
    present = ["islam", "rechts", "sekten"]
    answers = {"RAD_SIGNALEN": "ja_gelijk", "RAD_VORMEN": forms(present)}

    assert evaluate(SPEC, answers).rows["RAD_DREIGING"] == tuple(present)


# --- exclusive and other options -----------------------------------------------


@pytest.mark.parametrize(
    ("code", "exclusive"),
    [
        ("RAD_ZICHT", "niet"),
        ("RAD_ZICHT", "niet_weet_niet_hoe"),
        ("POL_PLAATSEN", "niet_op_te_merken"),
        ("LIVC_PARTNERS_BUITEN", "geen"),
        ("LIVC_MOEILIJKHEDEN", "geen"),
        ("LIVC_PLATFORMEN", "geen"),
        ("NOD_OBSTAKELS", "geen"),
        ("NOD_VORMING", "geen"),
        ("DES_AANPAK", "geen_aanpak"),
    ],
)
def test_exclusive_option_cannot_be_combined(code, exclusive):
    question = Q(code)
    other = next(o.code for o in question.options if not o.exclusive and not o.is_other)
    label = question.option(exclusive).label

    assert validate_value(question, [exclusive]) == []
    assert validate_value(question, [exclusive, other]) == [
        f"'{label}' kan niet samen met een ander antwoord gekozen worden."
    ]


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("PROF_FUNCTIE", "ander", "Gelieve 'Ander' te specificeren."),
        ("RAD_ZICHT", ["livc_r", "ander"], "Gelieve 'Ander' te specificeren."),
        ("BEL_REDENEN_GEEN", ["andere"], "Gelieve 'Andere' te specificeren."),
        ("LIVC_SAMENSTELLING", ["andere"], "Gelieve 'Andere' te specificeren."),
    ],
)
def test_other_option_requires_other_text(code, value, message):
    question = Q(code)

    assert validate_value(question, value, "") == [message]
    assert validate_value(question, value, "   ") == [message]
    assert validate_value(question, value, "kabinetsmedewerker") == []


def test_other_text_without_other_option_is_ignored():
    assert validate_value(Q("PROF_FUNCTIE"), "burgemeester", "oude tekst") == []


def test_validate_reports_missing_other_text_through_others_mapping():
    answers = {"PROF_FUNCTIE": "ander"}

    errors = validate(SPEC, answers, {}, sections=["profiel"], partial=True)
    fixed = validate(SPEC, answers, {"PROF_FUNCTIE": "secretaris"}, partial=True)

    assert errors == {"PROF_FUNCTIE": ["Gelieve 'Ander' te specificeren."]}
    assert fixed == {}


# --- value shapes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "messages"),
    [
        ("RAD_SIGNALEN", "misschien", ["Onbekende antwoordoptie: misschien."]),
        ("RAD_SIGNALEN", ["neen"], ["Gelieve één antwoord te kiezen."]),
        (
            "RAD_ZICHT",
            "livc_r",
            ["Ongeldig antwoord: verwacht een lijst van antwoordopties."],
        ),
        ("RAD_ZICHT", ["livc_r", "xx"], ["Onbekende antwoordoptie: xx."]),
        (
            "RAD_ZICHT",
            ["livc_r", "livc_r"],
            ["Een antwoordoptie is meer dan eens gekozen."],
        ),
        ("RAD_VORMEN", ["islam"], ["Ongeldig antwoord voor een tabelvraag."]),
        ("RAD_VORMEN", {"jihad": "toegenomen"}, ["Onbekende rij: jihad."]),
        (
            "RAD_VORMEN",
            {"islam": "veel"},
            ["Onbekend antwoord voor 'Islamistisch/Salafi Jihadi extremisme': veel."],
        ),
        ("POL_CASUS", 12, ["Ongeldig antwoord: verwacht tekst."]),
        (
            "PROF_BESTUREN",
            "44021",
            ["Ongeldig antwoord: verwacht een lijst van gemeenten."],
        ),
        (
            "PROF_BESTUREN",
            ["4402", "44021"],
            ["Ongeldige NIS-code: 4402 (verwacht 5 cijfers)."],
        ),
        ("PROF_BESTUREN", [44021], ["Ongeldige NIS-code: 44021 (verwacht 5 cijfers)."]),
        (
            "PROF_BESTUREN",
            ["44021", "44021"],
            ["Een gemeente is meer dan eens gekozen."],
        ),
    ],
)
def test_validate_value_rejects_bad_shapes(code, value, messages):
    assert validate_value(Q(code), value) == messages


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("RAD_SIGNALEN", "ja_gelijk"),
        ("RAD_ZICHT", ["livc_r", "lokale_politie"]),
        ("RAD_VORMEN", {"islam": "toegenomen", "rechts": "niet_aanwezig"}),
        ("POL_CASUS", "Spanningen aan het station."),
        ("PROF_BESTUREN", ["44021", "11002"]),
    ],
)
def test_validate_value_accepts_good_shapes(code, value):
    assert validate_value(Q(code), value) == []


def test_text_max_length_default_and_setting():
    default = Q("POL_CASUS")
    short = QuestionSpec(
        "T", 1, "s", "text", "T?", False, None, settings={"max_length": 10}
    )

    assert validate_value(default, "x" * 5000) == []
    assert validate_value(default, "x" * 5001) == [
        "Het antwoord mag hoogstens 5000 tekens bevatten (5001)."
    ]
    assert validate_value(short, "x" * 11) == [
        "Het antwoord mag hoogstens 10 tekens bevatten (11)."
    ]


NUMBER = QuestionSpec(
    "N", 1, "s", "number", "Hoeveel?", True, None, settings={"min": 0, "max": 50}
)


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        (3, []),
        (3.0, []),
        (0, []),
        (50, []),
        (2.5, ["Gelieve een geheel getal in te vullen."]),
        (-1, ["Het getal moet minstens 0 zijn."]),
        (51, ["Het getal mag hoogstens 50 zijn."]),
        ("3", ["Gelieve een getal in te vullen."]),
        (True, ["Gelieve een getal in te vullen."]),
        (float("nan"), ["Gelieve een geldig getal in te vullen."]),
    ],
)
def test_number_bounds_and_integerness(value, messages):
    assert validate_value(NUMBER, value) == messages


def test_max_choices_for_multiple_and_municipalities():
    options = (OptionSpec("a", "A"), OptionSpec("b", "B"), OptionSpec("c", "C"))
    multiple = QuestionSpec(
        "M", 1, "s", "multiple", "?", True, None, options, settings={"max_choices": 2}
    )
    picker = QuestionSpec(
        "G", 2, "s", "municipalities", "?", True, None, settings={"max_choices": 1}
    )

    assert validate_value(multiple, ["a", "b"]) == []
    assert validate_value(multiple, ["a", "b", "c"]) == [
        "Kies hoogstens 2 antwoorden (u koos er 3)."
    ]
    assert validate_value(picker, ["44021", "11002"]) == [
        "Kies hoogstens 1 bestuur (u koos er 2)."
    ]


def test_number_allows_decimals_when_integer_is_false():
    question = QuestionSpec(
        "N", 1, "s", "number", "?", True, None, settings={"integer": False}
    )

    assert validate_value(question, 2.5) == []


# --- hidden answers -----------------------------------------------------------------


def test_hidden_answers_are_kept_but_not_validated_or_exported():
    answers = {
        "RAD_SIGNALEN": "neen",
        "RAD_VORMEN": {"jihad": "bad"},  # stale and invalid, but hidden
        "RAD_CASUS_ISLAM": "x" * 9000,
        "POL_SIGNALEN": "neen",
        "POL_DOELWIT": "ja",
    }
    before = dict(answers)

    errors = validate(SPEC, answers, {}, partial=True)
    exported = visible_answers(SPEC, answers)

    assert errors == {}
    assert exported == {"RAD_SIGNALEN": "neen", "POL_SIGNALEN": "neen"}
    assert answers == before


def test_hidden_matrix_rows_are_dropped_and_not_validated():
    answers = {
        "RAD_SIGNALEN": "ja_gelijk",
        "RAD_VORMEN": forms(["islam"]),
        "RAD_DREIGING": {"islam": "mogelijk", "rechts": "onzin"},
    }

    errors = validate(SPEC, answers, {}, sections=["radicalisering"], partial=True)
    exported = visible_answers(SPEC, answers)

    assert errors == {}
    assert exported["RAD_DREIGING"] == {"islam": "mogelijk"}


def test_validate_requires_every_visible_matrix_row():
    answers = {
        "RAD_SIGNALEN": "ja_gelijk",
        "RAD_VORMEN": forms(["islam", "rechts"]),
        "RAD_DREIGING": {"islam": "mogelijk"},
    }

    errors = validate(SPEC, answers, {}, sections=["radicalisering"])

    assert errors["RAD_DREIGING"] == [
        "Gelieve elke rij te beantwoorden (ontbreekt: Rechts-extremisme)."
    ]
    assert "RAD_VORMEN" not in errors


def test_validate_full_instrument_reports_required_visible_questions():
    errors = validate(SPEC, {}, {})

    assert set(errors) == ALWAYS - {"NOD_ONDERSTEUNING", "NOD_OPMERKINGEN"}
    assert errors["PROF_FUNCTIE"] == ["Gelieve een antwoord te kiezen."]
    assert errors["PROF_BESTUREN"] == ["Gelieve minstens één bestuur te kiezen."]


def test_validate_partial_skips_required_but_checks_shapes():
    errors = validate(SPEC, {"RAD_SIGNALEN": "xx"}, {}, partial=True)

    assert errors == {"RAD_SIGNALEN": ["Onbekende antwoordoptie: xx."]}


def test_validate_limits_to_sections():
    errors = validate(SPEC, {}, {}, sections=["desinformatie"])

    assert errors == {"DES_SIGNALEN": ["Gelieve een antwoord te kiezen."]}


# --- navigation and progress --------------------------------------------------------

SMALL = InstrumentSpec(
    sections=("a", "b", "c"),
    questions=(
        QuestionSpec(
            "A1",
            1,
            "a",
            "single",
            "?",
            True,
            None,
            (OptionSpec("ja", "Ja"), OptionSpec("nee", "Nee")),
        ),
        QuestionSpec("B1", 2, "b", "text", "?", True, {"q": "A1", "in": ["ja"]}),
        QuestionSpec("C1", 3, "c", "number", "?", False, None),
        QuestionSpec("C2", 4, "c", "text", "?", False, {"q": "C1", "gte": 10}),
        QuestionSpec(
            "C3",
            5,
            "c",
            "text",
            "?",
            False,
            {"all": [{"q": "C1", "lte": 5}, {"not": {"q": "A1", "in": ["nee"]}}]},
        ),
        QuestionSpec(
            "C4",
            6,
            "c",
            "matrix",
            "?",
            False,
            None,
            (OptionSpec("x", "X"),),
            (RowSpec("r1", "R1", {"q": "A1", "answered": True}), RowSpec("r2", "R2")),
        ),
    ),
)


def test_next_section_skips_sections_without_visible_questions():
    assert next_section(SMALL, {}, None) == "a"
    assert next_section(SMALL, {"A1": "nee"}, "a") == "c"
    assert next_section(SMALL, {"A1": "ja"}, "a") == "b"
    assert next_section(SMALL, {"A1": "ja"}, "c") is None


def test_previous_section_skips_sections_without_visible_questions():
    assert previous_section(SMALL, {"A1": "nee"}, "c") == "a"
    assert previous_section(SMALL, {"A1": "ja"}, "c") == "b"
    assert previous_section(SMALL, {}, "a") is None


def test_next_section_walks_the_real_instrument_in_order():
    order, current = [], None
    while (current := next_section(SPEC, {}, current)) is not None:
        order.append(current)

    assert tuple(order) == SPEC.sections


def test_number_conditions_gte_lte_and_not():
    assert "C2" in evaluate(SMALL, {"C1": 10}).visible
    assert "C2" not in evaluate(SMALL, {"C1": 9.5}).visible
    assert "C3" in evaluate(SMALL, {"C1": 5}).visible
    assert "C3" not in evaluate(SMALL, {"C1": 5, "A1": "nee"}).visible
    assert "C3" not in evaluate(SMALL, {"C1": "5"}).visible


def test_answered_condition_on_matrix_row():
    assert evaluate(SMALL, {}).rows["C4"] == ("r2",)
    assert evaluate(SMALL, {"A1": "nee"}).rows["C4"] == ("r1", "r2")


def test_progress_counts_visible_answered_questions():
    assert progress(SPEC, {}) == (0, len(ALWAYS))
    answers = {"PROF_FUNCTIE": "burgemeester", "RAD_SIGNALEN": "ja_gelijk"}
    # RAD_SIGNALEN "Ja" adds RAD_VORMEN, RAD_LEVERANCIERS, RAD_ANDERE_VORMEN;
    # RAD_DREIGING stays hidden until a form is marked present.
    assert progress(SPEC, answers) == (2, len(ALWAYS) + 3)
    answers["RAD_VORMEN"] = {"islam": "toegenomen"}  # incomplete matrix
    assert progress(SPEC, answers) == (2, len(ALWAYS) + 5)
    answers["RAD_VORMEN"] = forms(["islam"])
    assert progress(SPEC, answers) == (3, len(ALWAYS) + 5)


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (None, ""),
        ({"q": "A", "in": ["x", "y"]}, "A in (x, y)"),
        ({"q": "M", "row": "r", "in": ["x"]}, "M[r] in (x)"),
        ({"q": "A", "answered": True}, "A beantwoord"),
        ({"q": "A", "answered": False}, "A niet beantwoord"),
        ({"q": "N", "gte": 3, "lte": 5}, "N >= 3 EN N <= 5"),
        (
            {
                "all": [
                    {"q": "A", "in": ["x"]},
                    {"any": [{"q": "B", "in": ["y"]}, {"q": "C", "answered": True}]},
                ]
            },
            "A in (x) EN (B in (y) OF C beantwoord)",
        ),
        ({"not": {"q": "A", "in": ["x"]}}, "NIET A in (x)"),
    ],
)
def test_describe_condition(condition, text):
    assert describe(condition) == text


@pytest.mark.parametrize("module", ["branching", "definition", "validation"])
def test_pure_modules_do_not_import_django(module):
    import ast
    import importlib
    import inspect

    source = inspect.getsource(importlib.import_module(f"surveys.{module}"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }

    assert not any(name.startswith("django") for name in imported)
