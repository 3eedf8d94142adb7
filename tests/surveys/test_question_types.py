"""The question-type registry: each type in one place, and a seventh type
defined here works end to end through the registry API only."""

from __future__ import annotations

import io
import re
from collections.abc import Container, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from django import forms

from responses.answering.forms import SectionForm
from responses.answering.queries import display_value
from responses.models import Answer
from responses.reporting.exports import answer_columns, export_rows, write_csv
from responses.reporting.imports import import_responses
from surveys import branching, types
from surveys.definition import parse_definition, spec_from_definition
from surveys.queries import instrument_spec
from surveys.services import load_instrument
from surveys.types import (
    OTHER_MAX_LENGTH,
    CellError,
    Column,
    QuestionLike,
    QuestionType,
    kind,
)
from tests.factories import (
    make_export_campaign,
    make_export_response,
    make_municipality,
)

ROOT = Path(__file__).resolve().parents[2]
TYPE_CODES = ("single", "multiple", "matrix", "text", "number", "municipalities")


def Q(type_code: str, **kw: Any) -> branching.QuestionSpec:
    options = kw.pop(
        "options",
        (
            branching.OptionSpec("a", "A"),
            branching.OptionSpec("ander", "Ander, namelijk", is_other=True),
        ),
    )
    return branching.QuestionSpec(
        code="Q",
        number=1,
        section="s",
        type=type_code,
        text="Vraag",
        required=True,
        condition=None,
        options=options,
        **kw,
    )


# --- the six registered types -----------------------------------------------------


def test_registry_holds_the_six_types_in_one_place():
    assert set(TYPE_CODES) <= set(types.type_codes())
    assert dict(types.type_choices())["matrix"] == "Matrix (rijen × schaal)"


@pytest.mark.parametrize("type_code", TYPE_CODES)
def test_is_answered_whitespace_only_text_is_not_an_answer(type_code):
    question = Q(type_code)

    assert kind(question).is_answered(question, "  \t\n") is False
    assert types.is_answered("  ") is False
    assert branching.is_answered("  ") is False
    assert kind(question).is_answered(question, None) is False
    assert kind(question).is_answered(question, []) is False


def test_other_limit_lives_in_one_place_for_form_validation_and_template():
    question = Q("single")

    field = kind(question).form_fields(question)["other"]
    too_long = "x" * (OTHER_MAX_LENGTH + 1)

    assert isinstance(field, forms.CharField)
    assert field.max_length == OTHER_MAX_LENGTH
    assert branching.validate_value(question, "ander", too_long) == [
        f"De toelichting mag hoogstens {OTHER_MAX_LENGTH} tekens bevatten "
        f"({OTHER_MAX_LENGTH + 1})."
    ]
    assert branching.validate_value(question, "ander", "x" * OTHER_MAX_LENGTH) == []
    template = (ROOT / "templates" / kind(question).template).read_text()
    assert 'maxlength="{{ b.other_max_length }}"' in template
    assert "500" not in template


def test_display_lines_come_from_the_type():
    single, matrix = (
        Q("single"),
        Q(
            "matrix",
            options=(
                branching.OptionSpec("1", "Nooit"),
                branching.OptionSpec("2", "Soms"),
            ),
            rows=(branching.RowSpec("r1", "Rij 1"), branching.RowSpec("r2", "Rij 2")),
        ),
    )

    assert kind(single).display(single, "ander", "buurtwerk") == [
        "Ander, namelijk: buurtwerk"
    ]
    # Rows in instrument order, whatever the stored mapping's key order (jsonb).
    assert kind(matrix).display(matrix, {"r2": "1", "r1": "2"}) == [
        "Rij 1: Soms",
        "Rij 2: Nooit",
    ]
    assert kind(Q("number")).display(Q("number"), 0) == ["0"]
    assert kind(Q("municipalities")).display(
        Q("municipalities"), ["44021"], names={"44021": "Gent"}
    ) == ["Gent"]


def test_export_columns_and_cells_come_from_the_type():
    multiple = Q("multiple")

    columns = kind(multiple).export_columns(multiple)
    cells = kind(multiple).export_cells(multiple, ["ander"], "iets", labels=False)

    assert [c.name for c in columns] == ["Q__a", "Q__ander", "Q__other"]
    assert cells == [0, 1, "iets"]
    assert kind(multiple).export_cells(multiple, None, "iets", labels=False) == [
        "",
        "",
        "",
    ]


def test_parse_cell_reports_a_dutch_error_for_an_unknown_option():
    single = Q("single")
    column = kind(single).export_columns(single)[0]

    with pytest.raises(CellError) as error:
        kind(single).parse_cell(single, column, "zz", "zz", None)

    assert str(error.value) == "onbekende optiecode 'zz' (toegelaten: a, ander)"


def test_no_type_switches_outside_the_registry():
    """A comparison with a type code literal anywhere but surveys/types is a switch
    (`name == "municipalities"` is the besturen form field, not a type), and so
    is a type code given to a question built elsewhere (`type="single"`)."""
    codes = "|".join(TYPE_CODES)
    switch = re.compile(
        rf"""(?<!name )(==|!=)\s*["']({codes})["']|\bin\s*\(\s*["']({codes})["']|"""
        rf"""type\s*==\s*["']?({codes})"""
    )
    # A question of a given type built outside the registry is a switch too.
    literal = re.compile(rf"""\btype\s*=\s*["']({codes})["']""")
    found = []
    for folder, pattern in (
        ("responses", "*.py"),
        ("surveys", "*.py"),
        ("municipalities", "*.py"),
        ("templates", "*.html"),
    ):
        for path in (ROOT / folder).rglob(pattern):
            if "types" in path.parts or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                # Python only: in a template type="text" is an <input>'s type.
                made = pattern == "*.py" and literal.search(line)
                if switch.search(line) or made:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")

    assert found == []


# --- a seventh type, defined only here ----------------------------------------------


class Ranking(QuestionType):
    """Options put in order of importance; the answer is the ordered codes."""

    code = "ranking"
    label = "Rangschikking"
    has_options = True
    condition_operators = frozenset({"answered", "in"})
    results = "frequency"
    template = "responses/questions/choice.html"

    def validate(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        rows: Iterable[str] | None = None,
    ) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return ["Ongeldige rangschikking."]
        known = {o.code for o in question.options}
        if unknown := [v for v in value if v not in known]:
            return ["Onbekende antwoordoptie: " + ", ".join(unknown) + "."]
        if len(set(value)) != len(value):
            return ["Elke optie krijgt één plaats."]
        return []

    def form_fields(
        self, question: QuestionLike, *, choices: Sequence[tuple[str, str]] = ()
    ) -> dict[str, forms.Field]:
        options = [("", "—")] + [(o.code, o.label) for o in question.options]
        return {
            f"rank-{i}": forms.ChoiceField(choices=options, required=False)
            for i in range(1, len(question.options) + 1)
        }

    def initial(self, question: QuestionLike, value: Any) -> dict[str, Any]:
        return {f"rank-{i}": code for i, code in enumerate(value or [], 1)}

    def from_form(
        self, question: QuestionLike, cleaned: Mapping[str, Any], posted: Container[str]
    ) -> Any:
        ranks = range(1, len(question.options) + 1)
        return [cleaned[f"rank-{i}"] for i in ranks if cleaned.get(f"rank-{i}")]

    def display(
        self,
        question: QuestionLike,
        value: Any,
        other_text: str = "",
        *,
        names: Mapping[str, str] | None = None,
    ) -> list[str]:
        labels = {o.code: o.label for o in question.options}
        return [f"{i}. {labels[c]}" for i, c in enumerate(value or [], 1)]

    def export_cells(
        self, question: QuestionLike, value: Any, other_text: str, *, labels: bool
    ) -> list[Any]:
        return [">".join(value) if value else ""]

    def parse_cell(
        self,
        question: QuestionLike,
        column: Column,
        text: str,
        raw: Any,
        answer: Any,
        *,
        known_municipalities: Container[str] = (),
    ) -> Any:
        return [part.strip() for part in text.split(">") if part.strip()]

    def chosen(self, value: Any) -> set[str]:
        return set(value or [])


RANKING_DEFINITION = {
    "code": "rang",
    "version": "1",
    "title": "Rangschikking",
    "sections": [
        {
            "code": "a",
            "title": "A",
            "questions": [
                {
                    "code": "Q_PRIO",
                    "number": 1,
                    "type": "ranking",
                    "text": "Wat is het belangrijkst?",
                    "source": "test",
                    "options": [
                        {"code": "preventie", "label": "Preventie"},
                        {"code": "handhaving", "label": "Handhaving"},
                        {"code": "zorg", "label": "Zorg"},
                    ],
                },
                {
                    "code": "Q_WAAROM",
                    "number": 2,
                    "type": "text",
                    "text": "Waarom preventie?",
                    "source": "test",
                    "when": {"q": "Q_PRIO", "in": ["preventie"]},
                },
            ],
        }
    ],
}


@pytest.fixture
def ranking():
    types.register(Ranking())
    yield
    types.unregister("ranking")


def test_seventh_type_is_refused_by_the_loader_until_registered():
    with pytest.raises(Exception, match="onbekend type 'ranking'"):
        parse_definition(yaml.safe_dump(RANKING_DEFINITION), source="rang.yaml")


def test_seventh_type_validates_branches_and_builds_its_form(ranking):
    definition = parse_definition(yaml.safe_dump(RANKING_DEFINITION), source="x")
    spec = spec_from_definition(definition)
    question = spec.question("Q_PRIO")

    form = SectionForm(
        {"q-Q_PRIO-rank-1": "zorg", "q-Q_PRIO-rank-2": "preventie"},
        questions=(question,),
    )
    form.is_valid()
    submitted = form.submitted()["Q_PRIO"].value
    evaluation = branching.evaluate(spec, {"Q_PRIO": submitted})

    assert submitted == ["zorg", "preventie"]
    assert branching.validate_value(question, submitted) == []
    assert branching.validate_value(question, ["zorg", "zorg"]) == [
        "Elke optie krijgt één plaats."
    ]
    assert evaluation.visible == {"Q_PRIO", "Q_WAAROM"}
    assert evaluation.validate({}) == {"Q_WAAROM": ["Deze vraag is verplicht."]}
    assert display_value(question, submitted) == ["1. Zorg", "2. Preventie"]


@pytest.mark.django_db
def test_seventh_type_exports_and_imports_through_the_registry(ranking, tmp_path):
    path = tmp_path / "rang.yaml"
    path.write_text(yaml.safe_dump(RANKING_DEFINITION), encoding="utf-8")
    instrument = load_instrument(path=path)
    source = make_export_campaign(instrument=instrument)
    target = make_export_campaign(instrument=instrument)
    gent = make_municipality(name="Gent")
    make_export_response(
        campaign=source,
        municipalities=[gent],
        answers={"Q_PRIO": ["handhaving", "zorg"]},
    )

    rows = list(export_rows(campaign=source))
    out = io.BytesIO()
    write_csv(rows, out)
    out.seek(0)
    out.name = "export.csv"
    result = import_responses(campaign=target, source=out)

    spec = instrument_spec(instrument)
    assert [c.name for c in answer_columns(spec)] == ["Q_PRIO", "Q_WAAROM"]
    assert rows[1][rows[0].index("Q_PRIO")] == "handhaving>zorg"
    assert result.errors == [] and result.responses == 1
    assert list(
        Answer.objects.filter(response__campaign=target).values_list(
            "question__code", "value"
        )
    ) == [("Q_PRIO", ["handhaving", "zorg"])]
