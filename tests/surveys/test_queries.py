"""instrument_spec: the ORM copy builds the same spec as the file, with few queries."""

from __future__ import annotations

import pytest

from surveys.definition import spec_from_yaml
from surveys.queries import clear_spec_cache, instrument_spec, instrument_texts
from tests.factories import instrument_path, make_real_instrument

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    clear_spec_cache()
    yield
    clear_spec_cache()


def test_instrument_spec_equals_spec_from_yaml():
    instrument = make_real_instrument(2024)

    assert instrument_spec(instrument) == spec_from_yaml(instrument_path(2024))


def test_instrument_spec_uses_one_query_per_table_then_cache(django_assert_num_queries):
    instrument = make_real_instrument(2024)

    with django_assert_num_queries(4):  # sections, questions+section, options, rows
        first = instrument_spec(instrument)
    with django_assert_num_queries(0):
        second = instrument_spec(instrument)

    assert second is first


def test_instrument_spec_cache_follows_source_hash(tmp_path):
    from surveys.services import load_instrument

    source = instrument_path(2024).read_text(encoding="utf-8")
    path = tmp_path / "ledenbevraging-2024.yaml"
    path.write_text(source, encoding="utf-8")
    instrument = load_instrument(path=path)
    before = instrument_spec(instrument)
    path.write_text(
        source.replace('text: "Wat is uw functie?"', 'text: "Welke functie heeft u?"'),
        encoding="utf-8",
    )

    instrument = load_instrument(path=path, replace=True)
    after = instrument_spec(instrument)

    assert before.question("PROF_FUNCTIE").text == "Wat is uw functie?"
    assert after.question("PROF_FUNCTIE").text == "Welke functie heeft u?"


def test_instrument_spec_without_source_hash_is_not_cached(django_assert_num_queries):
    instrument = make_real_instrument(2024)
    instrument.source_sha256 = ""

    instrument_spec(instrument)
    with django_assert_num_queries(4):
        instrument_spec(instrument)


def test_instrument_texts_come_with_the_cached_spec(django_assert_num_queries):
    instrument = make_real_instrument(2024)
    instrument_spec(instrument)

    with django_assert_num_queries(0):
        texts = instrument_texts(instrument)

    assert texts.titles["profiel"] == instrument.sections.get(code="profiel").title
    assert texts.help_texts == dict(
        instrument.questions.values_list("code", "help_text")
    )


def test_instrument_texts_without_source_hash_are_read_each_time(
    django_assert_num_queries,
):
    instrument = make_real_instrument(2024)
    instrument.source_sha256 = ""

    with django_assert_num_queries(2):  # sections, questions
        texts = instrument_texts(instrument)

    assert set(texts.intros) == set(instrument.sections.values_list("code", flat=True))
