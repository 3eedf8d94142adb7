"""Two-sided properties: the evaluator against an independent reference evaluator.

The reference below is written from the YAML rules and the documented semantics
(surveys/branching.py's module docstring, HELPERS.md) without importing the
evaluator: it resolves each question recursively on demand (instead of one ordered
pass) and reads the raw YAML dicts. On hypothesis-generated answers (well-formed and
junk) both must give the same visible questions, visible matrix rows, required set
and progress. An evaluator that returned nothing, or everything, fails at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.branching import (
    InstrumentSpec,
    OptionSpec,
    QuestionSpec,
    RowSpec,
    evaluate,
    progress,
    visible_answers,
)
from tests.factories import instrument_path

# --- the one adapter to the evaluator under test ---------------------------------
# Keep every call into surveys.branching here, so a change of its API (e.g. an
# evaluation object) means adapting these two functions only.


def real_spec(data: dict) -> InstrumentSpec:
    questions = [
        QuestionSpec(
            code=q["code"],
            number=i,
            section=s["code"],
            type=q["type"],
            text=q["code"],
            required=q.get("required", True),
            condition=q.get("when"),
            options=tuple(
                OptionSpec(code=o["code"], label=o["code"])
                for o in q.get("options") or ()
            ),
            rows=tuple(
                RowSpec(code=r["code"], label=r["code"], condition=r.get("when"))
                for r in q.get("rows") or ()
            ),
        )
        for i, (s, q) in enumerate(_questions(data), start=1)
    ]
    return InstrumentSpec(
        sections=tuple(s["code"] for s in data["sections"]), questions=tuple(questions)
    )


def real(spec: InstrumentSpec, answers: dict) -> dict:
    vis = evaluate(spec, answers)
    return {
        "visible": set(vis.visible),
        "rows": {code: set(rows) for code, rows in vis.rows.items()},
        "required": set(vis.required),
        "progress": progress(spec, answers),
    }


# --- the reference evaluator ------------------------------------------------------


def _questions(data: dict) -> list[tuple[dict, dict]]:
    return [(s, q) for s in data["sections"] for q in s["questions"]]


def answered(value: Any) -> bool:
    """Documented rule: None, blank text and empty collections are no answer."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict | set | frozenset):
        return bool(value)
    return True


class Reference:
    def __init__(self, data: dict, answers: Mapping[str, Any]):
        self.questions = {q["code"]: q for _, q in _questions(data)}
        self.order = [q["code"] for _, q in _questions(data)]
        self.answers = answers
        self.memo: dict[str, frozenset | None] = {}

    def shown_rows(self, code: str) -> frozenset | None:
        """None when the question is hidden, else its visible rows (maybe empty)."""
        if code not in self.memo:
            q = self.questions[code]
            shown = None
            if self.holds(q.get("when")):
                rows = frozenset(
                    r["code"] for r in q.get("rows") or () if self.holds(r.get("when"))
                )
                if q["type"] != "matrix" or rows:
                    shown = rows
            self.memo[code] = shown
        return self.memo[code]

    def seen(self, code: str) -> Any:
        """What a condition sees: nothing for hidden questions; a mapping only
        through the answered cells of visible matrix rows."""
        rows = self.shown_rows(code)
        if rows is None:
            return None
        value = self.answers.get(code)
        if self.questions[code]["type"] == "matrix":
            # A matrix answer is a mapping of cells; anything else is no answer.
            if not isinstance(value, Mapping):
                return None
            return {r: v for r, v in value.items() if r in rows and answered(v)}
        return value

    def holds(self, cond: dict | None) -> bool:
        if cond is None:
            return True
        if "all" in cond:
            return all(self.holds(c) for c in cond["all"])
        if "any" in cond:
            return any(self.holds(c) for c in cond["any"])
        if "not" in cond:
            return not self.holds(cond["not"])
        value = self.seen(cond["q"])
        if "row" in cond:
            value = value.get(cond["row"]) if isinstance(value, dict) else None
        if "answered" in cond:
            return answered(value) is bool(cond["answered"])
        if not answered(value):
            return False
        if "in" in cond:
            values = value if isinstance(value, list | tuple) else [value]
            return any(isinstance(v, str) and v in cond["in"] for v in values)
        number = not isinstance(value, bool) and isinstance(value, int | float)
        return (
            number
            and value >= cond.get("gte", value)
            and value <= cond.get("lte", value)
        )

    def result(self) -> dict:
        visible = {c for c in self.order if self.shown_rows(c) is not None}
        grids = {
            c: set(self.shown_rows(c))
            for c in visible
            if self.questions[c]["type"] == "matrix"
        }
        done = 0
        for code in visible:
            value = self.answers.get(code)
            if code in grids:
                cells = value if isinstance(value, Mapping) else {}
                done += all(answered(cells.get(r)) for r in grids[code])
            else:
                done += answered(value)
        return {
            "visible": visible,
            "rows": grids,
            "required": {c for c in visible if self.questions[c].get("required", True)},
            "progress": (done, len(visible)),
        }


# --- instruments: the real ones plus one using every operator ---------------------

SYNTHETIC = yaml.safe_load(
    """
sections:
  - code: a
    questions:
      - {code: S, type: single, options: [{code: ja}, {code: nee}, {code: wn}]}
      - {code: M, type: multiple, required: false, when: {q: S, in: [ja]},
         options: [{code: x}, {code: y}, {code: z}]}
      - {code: N, type: number, when: {not: {q: S, in: [nee]}}}
      - {code: G, type: matrix, when: {any: [{q: M, in: [x]}, {q: N, gte: 3}]},
         options: [{code: up}, {code: down}],
         rows: [{code: r1}, {code: r2, when: {q: N, lte: 10}},
                {code: r3, when: {q: M, answered: true}}]}
  - code: b
    questions:
      - {code: T, type: text, required: false,
         when: {all: [{q: G, row: r1, in: [up]}, {q: N, gte: 1, lte: 50}]}}
      - {code: U, type: text, when: {q: T, answered: false}}
      - {code: V, type: municipalities, when: {any: [{q: G, row: r3, answered: true},
         {not: {q: U, answered: true}}]}}
      - {code: W, type: single, options: [{code: a}, {code: b}],
         when: {q: G, answered: true}}
"""
)


def _load(year: int) -> dict:
    return yaml.safe_load(instrument_path(year).read_text(encoding="utf-8"))


INSTRUMENTS = {"2024": _load(2024), "2026": _load(2026), "synthetic": SYNTHETIC}

# --- answers: well-formed values plus junk a tampered POST or old draft could hold -

NIS = st.sampled_from(["44021", "11002", "71022", "24062", "1234", "abcde"])
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.lists(st.one_of(st.integers(), st.dictionaries(st.text(max_size=2), st.none()))),
    st.dictionaries(st.text(max_size=3), st.lists(st.integers(), max_size=2)),
)


def _shaped(q: dict):
    codes = [o["code"] for o in q.get("options") or ()]
    kind = q["type"]
    if kind == "single":
        return st.sampled_from([*codes, "", " ", "onbekend"])
    if kind == "multiple":
        return st.lists(st.sampled_from([*codes, "onbekend"]), max_size=4)
    if kind == "matrix":
        rows = [r["code"] for r in q["rows"]] + ["xx"]
        return st.dictionaries(
            st.sampled_from(rows), st.sampled_from([*codes, "?", "", None])
        )
    if kind == "municipalities":
        return st.lists(NIS, max_size=3)
    if kind == "number":
        return st.one_of(st.integers(-5, 100), st.floats(allow_nan=False))
    return st.one_of(st.text(max_size=8), st.just("  "))


def answers_for(data: dict):
    questions = [q for _, q in _questions(data)]
    # Questions others depend on are always present so deep branches are reached.
    gates = {
        c["q"]
        for q in questions
        for c in _leaves([q.get("when"), *(r.get("when") for r in q.get("rows") or ())])
    }
    value = lambda q: st.one_of(_shaped(q), _shaped(q), _shaped(q), JUNK)  # noqa: E731
    return st.fixed_dictionaries(
        {q["code"]: value(q) for q in questions if q["code"] in gates},
        optional={q["code"]: value(q) for q in questions if q["code"] not in gates},
    )


def _leaves(conditions):
    for cond in conditions:
        if cond is None:
            continue
        if "q" in cond:
            yield cond
        for key in ("all", "any"):
            yield from _leaves(cond.get(key, ()))
        if "not" in cond:
            yield from _leaves([cond["not"]])


FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("name", list(INSTRUMENTS))
def test_evaluator_agrees_with_the_reference(name):
    data = INSTRUMENTS[name]
    spec = real_spec(data)

    @FAST
    @given(answers_for(data))
    def check(answers):
        assert real(spec, answers) == Reference(data, answers).result()

    check()


def test_reference_is_not_trivial():
    # Guard the oracle itself: with the gates answered "ja" deep questions show up.
    data = INSTRUMENTS["synthetic"]
    answers = {"S": "ja", "M": ["x"], "N": 5, "G": {"r1": "up", "r2": "down"}}

    result = Reference(data, answers).result()

    assert result["visible"] == {"S", "M", "N", "G", "T", "U", "V", "W"}
    assert result["rows"] == {"G": {"r1", "r2", "r3"}}  # r3: M answered
    assert result["required"] == {"S", "N", "G", "U", "V", "W"}
    assert result["progress"] == (3, 8)  # G lacks r3


@FAST
@given(answers_for(INSTRUMENTS["2024"]))
def test_hidden_answers_do_not_change_visibility(answers):
    spec = real_spec(INSTRUMENTS["2024"])
    shown = visible_answers(spec, answers)

    before, after = real(spec, answers), real(spec, shown)

    assert (after["visible"], after["rows"]) == (before["visible"], before["rows"])
    assert after["progress"] == before["progress"]


def test_junk_matrix_value_counts_as_unanswered_everywhere():
    # Found by the property above on the synthetic instrument: a non-mapping junk
    # value of a matrix (False) counted as answered for {answered: true}
    # conditions while visible_answers() dropped it, so exporting and
    # re-evaluating changed visibility. The matrix type's is_answered rule now
    # decides both.
    spec = real_spec(INSTRUMENTS["synthetic"])
    matrix = spec.question("G")
    for junk in (False, True, 0, 7, "up", ["up"], [{"r1": "up"}], {"r1": None}):
        answers = {"S": "ja", "N": 3, "G": junk}

        result = real(spec, answers)

        assert matrix.kind.is_answered(matrix, junk) is False
        assert "G" in result["visible"]  # the gate N >= 3 shows the matrix
        assert "W" not in result["visible"]  # {q: G, answered: true}
        assert "G" not in visible_answers(spec, answers)
        assert result["progress"] == progress(spec, {"S": "ja", "N": 3})
        assert result == Reference(INSTRUMENTS["synthetic"], answers).result()

    # The other side: one answered cell of a visible row is an answer everywhere.
    answers = {"S": "ja", "N": 3, "G": {"r1": "up", "xx": None}}
    result = real(spec, answers)
    assert matrix.kind.is_answered(matrix, answers["G"]) is True
    assert "W" in result["visible"]
    assert visible_answers(spec, answers)["G"] == {"r1": "up"}
