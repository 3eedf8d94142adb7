"""What one export row is made of: the columns, and a response's answer cells.

Shared by the row generator (`exports.export_rows`) and the stored rows of the COPY
export (`export_store`), so both paths build every answer cell with the same code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from surveys import branching
from surveys.types import Column, kind

LAYOUTS = ("response", "bestuur")
BOM = "\ufeff"

_COMMON_HEAD = ["response_id", "campaign", "status", "respondent_function"]
_TIMES = ["started_at", "submitted_at", "completion_pct"]
META_COLUMNS = {
    "response": [
        *_COMMON_HEAD,
        "is_coordinator",
        "nis_codes",
        "municipalities",
        "provinces",
        "clusters",
        "cluster_types",
        "police_zones",
        *_TIMES,
    ],
    "bestuur": [
        *_COMMON_HEAD,
        "is_coordinator",
        "nis_code",
        "municipality",
        "province",
        "cluster",
        "cluster_type",
        "police_zone",
        "represented_count",
        *_TIMES,
    ],
}


def answer_columns(spec) -> list[Column]:
    """The answer columns of an instrument, in codebook (instrument) order."""
    return [c for q in spec.questions for c in kind(q).export_columns(q)]


def header(spec, layout: str = "response") -> list[str]:
    return META_COLUMNS[layout] + [c.name for c in answer_columns(spec)]


def collect_answers(
    rows: Iterable[tuple[int, Any, str]], codes: dict[int, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """({code: value}, {code: other text}) from `answers_for` tuples."""
    answers: dict[str, Any] = {}
    others: dict[str, str] = {}
    for question_id, value, other_text in rows:
        code = codes.get(question_id)
        if code is not None and value is not None:
            answers[code] = value
            if other_text:
                others[code] = other_text
    return answers, others


class RowBuilder:
    """Turns one response into answer cells, each question's by its type."""

    def __init__(self, spec, *, labels: bool):
        self.spec = spec
        self.labels = labels
        self.questions = [(q, kind(q)) for q in spec.questions]

    def cells(self, evaluation: branching.Evaluation, others: dict[str, str]) -> list:
        """Cells of one response from its single branching evaluation."""
        visible = evaluation.visible_answers
        out: list = []
        for q, qkind in self.questions:
            value = visible.get(q.code)
            out += qkind.export_cells(
                q, value, others.get(q.code, ""), labels=self.labels
            )
        return out

    def completion(self, evaluation: branching.Evaluation) -> int:
        answered, total = evaluation.progress
        return round(100 * answered / total) if total else 100
