"""Export columns and round trip against the real 2024 instrument."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from responses.reporting.exports import META_COLUMNS, export_rows, stream_csv
from responses.reporting.imports import import_responses
from surveys.codebook import codebook_entries
from surveys.services import load_instrument
from tests.factories import (
    make_export_campaign,
    make_export_response,
    make_municipality,
)

pytestmark = pytest.mark.django_db

INSTRUMENT = (
    Path(__file__).resolve().parents[3] / "surveys/instruments/ledenbevraging-2024.yaml"
)


@pytest.fixture
def instrument():
    return load_instrument(path=INSTRUMENT)


def expected_columns(entries) -> list[str]:
    """The naming scheme of docs/exports.md, derived from the codebook."""
    names = []
    for e in entries:
        if e["type"] == "multiple":
            names += [f"{e['code']}__{o['code']}" for o in e["options"]]
        elif e["type"] == "matrix":
            names += [f"{e['code']}__{r['code']}" for r in e["rows"]]
        else:
            names.append(e["code"])
        if e["type"] in ("single", "multiple") and any(
            o["other"] for o in e["options"]
        ):
            names.append(f"{e['code']}__other")
    return names


def test_header_matches_the_2024_codebook(instrument):
    campaign = make_export_campaign(instrument=instrument)

    header = next(export_rows(campaign=campaign))

    assert header == META_COLUMNS["response"] + expected_columns(
        codebook_entries(instrument)
    )
    assert len(header) == len(set(header))
    assert len(codebook_entries(instrument)) == 57


def test_real_instrument_round_trip(instrument):
    source = make_export_campaign(instrument=instrument)
    target = make_export_campaign(instrument=instrument)
    entries = codebook_entries(instrument)
    answers = {}
    for e in entries:
        # The first option of every unconditional single/multiple question.
        if e["condition_json"] is None and e["type"] in ("single", "multiple"):
            first = e["options"][0]["code"]
            answers[e["code"]] = first if e["type"] == "single" else [first]
    for _ in range(3):
        make_export_response(
            campaign=source, municipalities=[make_municipality()], answers=answers
        )
    before = list(export_rows(campaign=source))

    result = import_responses(
        campaign=target, source=io.BytesIO(b"".join(stream_csv(iter(before))))
    )

    assert result.ok, result.errors
    after = list(export_rows(campaign=target))
    first_answer = len(META_COLUMNS["response"])
    assert [r[first_answer:] for r in after] == [r[first_answer:] for r in before]
    assert any(cell not in ("", None) for cell in after[1][first_answer:])
