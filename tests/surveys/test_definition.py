"""The real definition files: question count, sources, and wave comparability."""

from __future__ import annotations

import pytest
import yaml

from surveys.definition import (
    InstrumentError,
    parse_definition,
    read_definition,
    spec_from_yaml,
)
from tests.factories import instrument_path


def test_instrument_2024_has_57_questions_numbered_in_order():
    spec = spec_from_yaml(instrument_path(2024))

    assert len(spec.questions) == 57
    assert [q.number for q in spec.questions] == list(range(1, 58))
    assert spec.sections == (
        "profiel",
        "radicalisering",
        "polarisatie",
        "desinformatie",
        "beleid",
        "livc-r",
        "noden",
    )


def test_instrument_2024_counts_per_theme():
    spec = spec_from_yaml(instrument_path(2024))

    counts = {s: len(spec.in_section(s)) for s in spec.sections}

    assert counts == {
        "profiel": 2,
        "radicalisering": 15,
        "polarisatie": 7,
        "desinformatie": 6,
        "beleid": 6,
        "livc-r": 16,
        "noden": 5,
    }


def test_instrument_2024_every_question_names_its_source():
    definition = read_definition(instrument_path(2024))

    sources = {q["code"]: q["source"] for _, q in definition.questions}

    assert all(sources.values())
    assert (
        sources["RAD_ZICHT"]
        == "Tabel 4: Hoe zicht krijgen op signalen van radicalisering"
    )
    assert sources["POL_BREUKLIJNEN"] == "Tabel 6: Breuklijnen polarisatie"


def test_instrument_2024_has_the_report_definitions_and_privacy_text():
    data = read_definition(instrument_path(2024)).data

    terms = [d["term"] for d in data["definitions"]]

    assert terms == ["Radicalisering", "Polarisatie", "Desinformatie"]
    assert data["definitions"][1]["text"].startswith(
        "Polarisatie is op zich een neutraal"
    )
    assert "{deadline}" in data["intro"]
    assert "VVSG" in data["privacy"] and "bewaren" in data["privacy"]


def test_instrument_2024_verbatim_options_from_report_tables():
    spec = spec_from_yaml(instrument_path(2024))

    signals = [o.label for o in spec.question("RAD_SIGNALEN").options]
    threat = [o.label for o in spec.question("RAD_DREIGING").options]
    not_option = spec.question("RAD_ZICHT").option("niet")

    assert signals == ["Ja (gelijk)", "Ja (stijging)", "Ja (daling)", "Neen"]
    assert threat == [
        "Geen bedreiging",
        "Mogelijks een bedreiging",
        "Ja, dit vormt momenteel een bedreiging",
        "Ja, dit vormt de grootste bedreiging",
    ]
    assert not_option.exclusive is True
    assert (
        spec.question("BEL_REDENEN_GEEN").option("andere").label == "Andere, met name:"
    )


def test_instrument_2026_keeps_every_2024_code_with_the_same_meaning():
    old = spec_from_yaml(instrument_path(2024))
    new = spec_from_yaml(instrument_path(2026))

    assert {q.code for q in new.questions} >= {q.code for q in old.questions}
    for question in old.questions:
        successor = new.question(question.code)
        assert successor.type == question.type
        new_options = {o.code: o.label for o in successor.options}
        for option in question.options:
            assert new_options[option.code] == option.label, (
                question.code,
                option.code,
            )
        new_rows = {r.code: r.label for r in successor.rows}
        for row in question.rows:
            assert new_rows[row.code] == row.label, (question.code, row.code)


def test_instrument_2026_documents_its_changes():
    old = yaml.safe_load(instrument_path(2024).read_text(encoding="utf-8"))
    new = yaml.safe_load(instrument_path(2026).read_text(encoding="utf-8"))
    new_spec = spec_from_yaml(instrument_path(2026))

    assert (old["version"], new["version"]) == ("2024", "2026")
    assert new_spec.question("PROF_FUNCTIE").option("intergemeentelijk_coordinator")
    assert new_spec.question("DES_THEMAS").option("ai_deepfakes")
    assert "online_polarisatie" in [
        r.code for r in new_spec.question("POL_BREUKLIJNEN").rows
    ]


def _number_file(settings):
    return yaml.safe_dump(
        {
            "code": "n",
            "version": "1",
            "title": "N",
            "sections": [
                {
                    "code": "s",
                    "title": "S",
                    "questions": [
                        {
                            "code": "Q_AANTAL",
                            "number": 1,
                            "type": "number",
                            "text": "Hoeveel?",
                            "source": "Figuur 12",
                            "settings": settings,
                        }
                    ],
                }
            ],
        }
    )


def test_number_settings_bins_and_bounds():
    good = parse_definition(
        _number_file({"bins": [0, 1, 6, 11], "min": 0, "max": 99}), source="n.yaml"
    )

    with pytest.raises(InstrumentError) as excinfo:
        parse_definition(
            _number_file({"bins": [5, 1], "min": 9, "max": 1}), source="n.yaml"
        )

    assert good.data["sections"][0]["questions"][0]["settings"]["bins"] == [0, 1, 6, 11]
    assert excinfo.value.problems == [
        "vraag Q_AANTAL: instelling 'bins' moet een oplopende lijst van getallen zijn",
        "vraag Q_AANTAL: instelling 'min' is groter dan 'max'",
    ]
