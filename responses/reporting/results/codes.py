"""Code counts of an open question (pure): the one table of coded open answers.

Staff assign codes to open and "other, specify" answers in the workbench
(responses.reporting.open_answers); the staff results pages, the staff workbook,
the member page and its workbook all show this table, built by `count_codes`.

* n: open answers given (one per response);
* coded: answers whose current review carries at least one code; an answer may
  carry several codes, so the counts can add up to more than `coded`;
* share: a code's count / coded;
* to_code: answers nobody has reviewed yet (or that changed after review), plus
  those marked "nog te coderen";
* small: a count below k. Member pages show it as "<k" (`show_small=False`);
  staff see it, flagged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CodedAnswer:
    codes: Collection[str]  # labels of the codes of its current review
    to_code: bool


@dataclass(frozen=True)
class CodeCount:
    label: str
    count: int
    share: float | None  # of the coded answers
    small: bool  # 0 < count < k
    hidden: bool  # small, and this table is for members


@dataclass(frozen=True)
class CodeCounts:
    n: int
    coded: int
    to_code: int
    k: int
    show_small: bool
    rows: tuple[CodeCount, ...]  # most first, ties by label

    @property
    def has_small(self) -> bool:
        return any(row.small for row in self.rows)


def count_codes(
    answers: Iterable[CodedAnswer], *, k: int, show_small: bool
) -> CodeCounts:
    answers = list(answers)
    counts: Counter[str] = Counter()
    coded = 0
    for answer in answers:
        if answer.codes:
            coded += 1
            counts.update(set(answer.codes))
    rows = tuple(
        CodeCount(
            label=label,
            count=count,
            share=count / coded if coded else None,
            small=count < k,
            hidden=count < k and not show_small,
        )
        for label, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    return CodeCounts(
        n=len(answers),
        coded=coded,
        to_code=sum(answer.to_code for answer in answers),
        k=k,
        show_small=show_small,
        rows=rows,
    )
