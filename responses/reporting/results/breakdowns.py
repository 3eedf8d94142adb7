"""Further break-downs the report asks of the data (pure, no ORM).

* size classes from the population on 1 January of the wave's year;
* groups for a cross-tab by police zone, by size class or by the answer to
  another (single-choice) question;
* drop-off by section: where the respondents who did not submit stopped,
  from their answers (so it works for imported waves too, which have no
  "current section").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from surveys.types import is_answered, kind

from .tables import Unit, ratio

# Lower bounds (inhabitants). VVSG and Statbel often use these bands for Flemish
# municipalities; the smallest Flemish municipality (Herstappe) has < 100.
SIZE_CLASSES: tuple[tuple[int, str, str], ...] = (
    (0, "lt10k", "< 10.000 inwoners"),
    (10_000, "10k", "10.000–19.999 inwoners"),
    (20_000, "20k", "20.000–49.999 inwoners"),
    (50_000, "50k", "≥ 50.000 inwoners"),
)
NO_ANSWER = "__none__"


def size_class(population: int | None) -> str:
    """The key of the size class of a population ("" when unknown)."""
    if population is None:
        return ""
    key = ""
    for lower, code, _ in SIZE_CLASSES:
        if population >= lower:
            key = code
    return key


def size_groups(units: Sequence[Unit]) -> list[tuple[str, str]]:
    groups = [(code, label) for _, code, label in SIZE_CLASSES]
    if any(not unit.size for unit in units):
        groups.append(("", "Onbekend"))
    return groups


def zone_groups(units: Sequence[Unit]) -> list[tuple[str, str]]:
    """Police zones present among the units, by name; unknown last."""
    names = sorted({unit.police_zone for unit in units if unit.police_zone})
    groups = [(name, name) for name in names]
    if any(not unit.police_zone for unit in units):
        groups.append(("", "Onbekend"))
    return groups


def can_group_by(question) -> bool:
    """A question can be the columns of a cross-tab when each unit gives at most
    one option (single choice), so the columns add up to the total."""
    qkind = kind(question)
    return qkind.results == "frequency" and not qkind.multi_select


def answer_groups(question) -> list[tuple[str, str]]:
    groups = [(o.code, o.label) for o in question.options]
    return [*groups, (NO_ANSWER, "Niet beantwoord of niet gezien")]


def answer_of(question):
    """group_of for a cross-tab by `question`: the unit's option code."""

    def group(unit: Unit) -> str:
        value = unit.answers.get(question.code)
        if not is_answered(value):
            return NO_ANSWER
        chosen = kind(question).chosen(value)
        return next(iter(chosen)) if len(chosen) == 1 else NO_ANSWER

    return group


@dataclass(frozen=True)
class SectionDropOff:
    code: str
    title: str
    reached: int  # respondents with at least one answer in this or a later section
    stopped: int  # not submitted, and this is the last section they answered in
    stopped_share: float | None  # of all not-submitted respondents


def drop_off(records: Sequence, spec, titles: dict[str, str]) -> list[SectionDropOff]:
    """Per section in instrument order: how many respondents got there, and how
    many of those who did not submit stopped there (their last answered section).

    Unit: respondent (one response), all respondents (opened-but-empty excluded).
    """
    order = list(spec.sections)
    section_of = {q.code: q.section for q in spec.questions}
    reached = dict.fromkeys(order, 0)
    stopped = dict.fromkeys(order, 0)
    unsubmitted = 0
    for record in records:
        if not record.is_respondent:
            continue
        positions = [
            order.index(section_of[c]) for c in record.answers if c in section_of
        ]
        last = max(positions, default=-1)
        for i in range(last + 1):
            reached[order[i]] += 1
        if record.status != "submitted":
            unsubmitted += 1
            if last >= 0:
                stopped[order[last]] += 1
    return [
        SectionDropOff(
            code,
            titles.get(code, code),
            reached[code],
            stopped[code],
            ratio(stopped[code], unsubmitted),
        )
        for code in order
    ]
