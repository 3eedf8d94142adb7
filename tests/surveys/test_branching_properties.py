"""Property-based checks of the evaluator over random answers to the real instrument."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.branching import evaluate, progress, validate, visible_answers
from surveys.definition import spec_from_yaml
from tests.factories import instrument_path

SPEC = spec_from_yaml(instrument_path(2024))
NIS = st.sampled_from(["44021", "11002", "71022", "24062", "1234", "abcde"])


# Values of the wrong shape, as a tampered POST or an old draft could hold.
JUNK = st.one_of(
    st.none(),
    st.integers(),
    st.lists(st.one_of(st.integers(), st.dictionaries(st.text(max_size=2), st.none()))),
    st.dictionaries(st.text(max_size=3), st.lists(st.integers(), max_size=2)),
)


def _shaped(question):
    codes = [o.code for o in question.options]
    if question.type == "single":
        return st.one_of(st.sampled_from(codes), st.sampled_from(["", "onbekend"]))
    if question.type == "multiple":
        return st.lists(st.sampled_from(codes + ["onbekend"]), max_size=4)
    if question.type == "matrix":
        rows = [r.code for r in question.rows] + ["xx"]
        return st.dictionaries(st.sampled_from(rows), st.sampled_from(codes + ["?"]))
    if question.type == "municipalities":
        return st.lists(NIS, max_size=3)
    if question.type == "number":
        return st.one_of(st.integers(-5, 100), st.floats(allow_nan=False))
    return st.text(max_size=20)


def _value(question):
    return st.one_of(_shaped(question), _shaped(question), _shaped(question), JUNK)


# Gatekeeping questions are always answered so deep branches get exercised.
GATES = {
    "RAD_SIGNALEN",
    "RAD_VORMEN",
    "POL_SIGNALEN",
    "POL_DOELWIT",
    "DES_SIGNALEN",
    "BEL_SPECIFIEK",
    "LIVC_AANWEZIG",
    "LIVC_PARTNERS_WEIGEREN",
    "LIVC_AKKOORDEN",
}
ANSWERS = st.fixed_dictionaries(
    {q.code: _value(q) for q in SPEC.questions if q.code in GATES},
    optional={q.code: _value(q) for q in SPEC.questions if q.code not in GATES},
)
OTHERS = st.dictionaries(
    st.sampled_from([q.code for q in SPEC.questions]), st.text(max_size=5), max_size=5
)
answer_dicts = st.tuples(ANSWERS, OTHERS)


def _holds(condition, answers, visibility):
    """Independent oracle: the condition over visible answers only."""
    if condition is None:
        return True
    if "all" in condition:
        return all(_holds(c, answers, visibility) for c in condition["all"])
    if "any" in condition:
        return any(_holds(c, answers, visibility) for c in condition["any"])
    if "not" in condition:
        return not _holds(condition["not"], answers, visibility)
    code = condition["q"]
    value = answers.get(code) if code in visibility.visible else None
    if "row" in condition:
        if condition["row"] not in visibility.rows.get(code, ()):
            value = None
        else:
            value = value.get(condition["row"]) if isinstance(value, dict) else None
    if "answered" in condition:
        present = value not in (None, "", [], {})
        return present == condition["answered"]
    if isinstance(value, list):
        return any(v in condition["in"] for v in value)
    return isinstance(value, str) and value in condition["in"]


FAST = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(answer_dicts)
def test_evaluate_never_shows_a_question_whose_condition_is_false(data):
    answers, _ = data

    visibility = evaluate(SPEC, answers)

    for question in SPEC.questions:
        holds = _holds(question.condition, answers, visibility)
        if question.code in visibility.visible:
            assert holds, question.code
        elif question.type != "matrix":
            assert not holds, question.code
        for row in question.rows:
            if row.code in visibility.rows.get(question.code, ()):
                assert _holds(row.condition, answers, visibility), (
                    question.code,
                    row.code,
                )


@FAST
@given(answer_dicts)
def test_visible_answers_only_contain_visible_questions_and_rows(data):
    answers, _ = data

    visibility = evaluate(SPEC, answers)
    exported = visible_answers(SPEC, answers)

    assert set(exported) <= visibility.visible
    for code, value in exported.items():
        if code in visibility.rows:
            assert set(value) <= set(visibility.rows[code])


@FAST
@given(answer_dicts)
def test_hidden_answers_do_not_change_visibility(data):
    answers, _ = data

    assert evaluate(SPEC, visible_answers(SPEC, answers)) == evaluate(SPEC, answers)


@FAST
@given(answer_dicts)
def test_validate_never_reports_hidden_questions(data):
    answers, others = data

    visibility = evaluate(SPEC, answers)

    assert set(validate(SPEC, answers, others)) <= visibility.visible
    assert set(validate(SPEC, answers, others, partial=True)) <= visibility.visible


@FAST
@given(answer_dicts)
def test_progress_counts_at_most_the_visible_questions(data):
    answers, _ = data

    done, total = progress(SPEC, answers)

    assert 0 <= done <= total == len(evaluate(SPEC, answers).visible)
