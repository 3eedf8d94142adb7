"""Edges of surveys/branching.py that mutation testing showed unguarded."""

from __future__ import annotations

from surveys.branching import describe, validate, validate_value, visible_answers
from tests.surveys.test_branching_properties import SYNTHETIC, real_spec

SPEC = real_spec(SYNTHETIC)


def test_visible_answers_go_on_after_a_junk_matrix_value():
    answers = {"S": "ja", "N": 5, "G": ["junk"], "U": "tekst"}

    assert visible_answers(SPEC, answers) == {"S": "ja", "N": 5, "U": "tekst"}


def test_spec_lookups():
    assert SPEC.question("G").type == "matrix"
    assert [q.code for q in SPEC.in_section("b")] == ["T", "U", "V", "W"]
    assert SPEC.question("S").option("nee").code == "nee"
    assert SPEC.question("S").option("bestaat-niet") is None


def test_describe_groups_nested_conditions_in_parentheses():
    condition = {
        "all": [
            {"any": [{"q": "A", "in": ["x"]}, {"q": "B", "answered": True}]},
            {"not": {"q": "C", "gte": 2}},
        ]
    }

    assert describe(condition) == "(A in (x) OF B beantwoord) EN NIET C >= 2"


def test_describe_groups_an_all_inside_an_any():
    condition = {"any": [{"all": [{"q": "A", "in": ["x"]}, {"q": "B", "lte": 3}]}]}

    assert describe(condition) == "(A in (x) EN B <= 3)"


def test_matrix_check_goes_on_after_an_empty_cell():
    errors = validate_value(SPEC.question("G"), {"r1": "", "r2": "zijwaarts"})

    assert errors == ["Onbekend antwoord voor 'r2': zijwaarts."]


def test_complete_valid_answers_have_no_errors_and_missing_ones_are_named():
    answers = {
        "S": "ja",
        "N": 5,
        "G": {"r1": "down", "r2": "up"},
        "U": "tekst",
        "V": ["44021"],
        "W": "a",
    }

    assert validate(SPEC, answers, {}) == {}
    assert validate(SPEC, {"S": "ja", "N": 5}, {}) == {
        "G": ["Gelieve elke rij te beantwoorden (ontbreekt: r1; r2)."],
        "U": ["Deze vraag is verplicht."],
        "V": ["Gelieve minstens één bestuur te kiezen."],
    }
