"""Progress never goes down when answers are added (real 2026 instrument, hypothesis).

The definition is `branching.progress_at`, documented in docs/instrument.md.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.branching import evaluate, is_answered, next_section, progress_at
from surveys.definition import spec_from_yaml
from tests.factories import instrument_path

SPEC = spec_from_yaml(instrument_path(2026))
UNITS = sum(len(q.rows) if q.type == "matrix" else 1 for q in SPEC.questions)
SECTIONS = st.sampled_from([*SPEC.sections, None])


def _valid(question):
    """A value the respondent's form can save for this question."""
    codes = [o.code for o in question.options]
    if question.type == "single":
        return st.sampled_from(codes)
    if question.type == "multiple":
        return st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True)
    if question.type == "matrix":
        rows = [r.code for r in question.rows]
        return st.dictionaries(st.sampled_from(rows), st.sampled_from(codes))
    if question.type == "municipalities":
        return st.just(["44021"])
    if question.type == "number":
        return st.integers(0, 50)
    return st.text(alphabet="abc ", min_size=1, max_size=10).filter(str.strip)


ANSWERS = st.fixed_dictionaries(
    {},
    optional={q.code: _valid(q) for q in SPEC.questions},
)


def _open_units(answers, section):
    """(question, row) pairs on `section` the respondent can still answer."""
    vis = evaluate(SPEC, answers)
    units = []
    for q in SPEC.in_section(section) if section else ():
        if q.code not in vis.visible:
            continue
        value = answers.get(q.code)
        if q.type == "matrix":
            cells = value if isinstance(value, dict) else {}
            units += [(q, r) for r in vis.rows[q.code] if not is_answered(cells.get(r))]
        elif not is_answered(value):
            units.append((q, None))
    return units


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(answers=ANSWERS, section=SECTIONS, data=st.data())
def test_adding_an_answer_on_the_page_raises_progress(answers, section, data):
    open_units = _open_units(answers, section)
    if not open_units:
        return
    question, row = data.draw(st.sampled_from(open_units))
    added = dict(answers)
    if row is None:
        added[question.code] = data.draw(_valid(question))
    else:
        scale = [o.code for o in question.options]
        added[question.code] = {
            **(answers.get(question.code) or {}),
            row: data.draw(st.sampled_from(scale)),
        }

    before, total = progress_at(SPEC, answers, section)
    after, total_after = progress_at(SPEC, added, section)

    assert total == total_after == UNITS
    assert after > before


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(answers=ANSWERS, section=st.sampled_from(SPEC.sections))
def test_moving_on_never_lowers_progress(answers, section):
    following = next_section(SPEC, answers, section)

    here, _ = progress_at(SPEC, answers, section)
    there, _ = progress_at(SPEC, answers, following)

    assert there >= here


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(answers=ANSWERS, section=SECTIONS)
def test_progress_stays_within_its_fixed_denominator(answers, section):
    done, total = progress_at(SPEC, answers, section)

    assert total == UNITS
    assert 0 <= done <= total


def test_a_complete_walk_through_ends_at_one_hundred_percent():
    answers = {}
    for q in SPEC.questions:  # conditions look backwards: one pass answers all
        vis = evaluate(SPEC, answers)
        if q.code not in vis.visible:
            continue
        if q.type == "matrix":
            answers[q.code] = {r: q.options[0].code for r in vis.rows[q.code]}
        elif q.type in ("single", "multiple"):
            first = q.options[0].code
            answers[q.code] = first if q.type == "single" else [first]
        elif q.type == "number":
            answers[q.code] = 1
        elif q.type == "municipalities":
            answers[q.code] = ["44021"]
        else:
            answers[q.code] = "tekst"

    assert progress_at(SPEC, answers, None) == (UNITS, UNITS)
    assert progress_at(SPEC, {}, SPEC.sections[0]) == (0, UNITS)
