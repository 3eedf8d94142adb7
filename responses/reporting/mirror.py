"""The local mirror ("lokale spiegel"): one bestuur's answers beside its peers.

For every counted choice question of a published campaign a bestuur sees its own
answer, the share of *other* besturen of its Belfius cluster type, of its province
and of Flanders that gave each answer, and its own answer in the previous wave
(mapped through the 2025 merger crosswalk by the results' Directory, which uses
municipalities.queries.follow_successors).

Small-cell protection, per question (the answering besturen differ per question):

* Groups never include the viewing bestuur itself, so "subtract my own answer"
  is not needed and not possible.
* A group is shown only when at least k other besturen answered (a cluster type of
  k besturen including the viewer has k-1 others: hidden; k+1: shown).
* Two shown groups where one contains the other and they differ by fewer than k
  besturen would reveal those few besturen's answers by subtraction (e.g. a
  province whose other besturen are the cluster-type group plus one): the smaller
  group is hidden. Flanders, the largest, is shown whenever it reaches k.

Pure apart from loading: `build_mirror` loads the waves through the results
package (the same records, branching and counting units as the report), the rest
works on plain units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from municipalities.models import ClusterType
from responses.models import Campaign
from surveys.models import Section
from surveys.types import is_answered, kind

from .results import tables
from .results.data import load_directory
from .results.report import Options, load_wave
from .results.units import UNIT_BESTUUR, Bestuur

GROUP_FAMILY = "family"
GROUP_PROVINCE = "province"
GROUP_FLANDERS = "flanders"
DIFFERENCE_REASON = (
    "zou via het verschil met een andere groep antwoorden van enkele besturen tonen"
)


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    n: int  # other besturen in the group that answered the question
    shown: bool
    reason: str = ""  # why it is hidden, in plain Dutch


@dataclass(frozen=True)
class MirrorRow:
    code: str
    label: str
    own: bool  # this bestuur chose it (now)
    previous: bool  # this bestuur chose it in the previous wave
    shares: tuple[str, ...]  # one per shown group, e.g. "43%"
    widths: tuple[float, ...]  # 0..100 per shown group, for the SVG chart
    derived: bool = False

    @property
    def bars(self) -> tuple[tuple[int, float, int], ...]:
        """(y, width, series) per shown group: one thin bar each, 4 units apart."""
        return tuple((i * 4, width, i) for i, width in enumerate(self.widths))

    @property
    def cells(self) -> tuple[tuple[str, float, int], ...]:
        """(share, width, series) per shown group: the PDF's table with bars."""
        return tuple(
            zip(self.shares, self.widths, range(len(self.widths)), strict=True)
        )

    @property
    def chart_height(self) -> int:
        return max(len(self.widths) * 4 - 1, 1)


@dataclass
class MirrorQuestion:
    code: str
    number: int
    text: str
    multiple: bool
    groups: tuple[Group, ...]
    rows: tuple[MirrorRow, ...]
    own_answered: bool
    own_labels: tuple[str, ...] = ()
    previous_labels: tuple[str, ...] | None = None  # None: not asked/not answered

    @property
    def shown_groups(self) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if g.shown)


@dataclass
class MirrorTheme:
    code: str
    title: str
    questions: list[MirrorQuestion] = field(default_factory=list)


@dataclass
class Mirror:
    campaign: Campaign
    bestuur: Bestuur | None
    participated: bool
    k: int
    themes: list[MirrorTheme]
    previous: Campaign | None = None
    previous_participated: bool = False
    besturen: int = 0  # participating besturen in Flanders


def _key(bestuur: Bestuur) -> str:
    # units.bestuur_units keys a bestuur unit by its NIS code.
    return f"m:{bestuur.nis_code}"


def family_label(family: str) -> str:
    return dict(ClusterType.choices).get(family, "")


def comparison_groups(
    answered: Sequence[tables.Unit],
    bestuur: Bestuur | None,
    *,
    participated: bool,
) -> list[tuple[str, str, list[tables.Unit]]]:
    """(key, label, other answering units) per comparison group, largest last."""
    own = _key(bestuur) if bestuur else None
    others = [u for u in answered if u.key != own]
    groups = []
    if participated and bestuur is not None:
        if bestuur.family:
            label = f"Andere {family_label(bestuur.family).lower()}"
            groups.append(
                (
                    GROUP_FAMILY,
                    label,
                    [u for u in others if u.family == bestuur.family],
                )
            )
        if bestuur.province:
            groups.append(
                (
                    GROUP_PROVINCE,
                    f"Andere besturen in provincie {bestuur.province}",
                    [u for u in others if u.province == bestuur.province],
                )
            )
    label = "Andere Vlaamse besturen" if participated else "Vlaamse besturen"
    groups.append((GROUP_FLANDERS, label, others))
    return groups


def protect(
    groups: Sequence[tuple[str, str, list[tables.Unit]]], *, k: int
) -> list[Group]:
    """Which groups may be shown (rules in the module docstring)."""
    members = {key: {u.key for u in units} for key, _, units in groups}
    hidden: dict[str, str] = {}
    for key, _, units in groups:
        if len(units) < k:
            hidden[key] = f"minder dan {k} andere besturen"
    for small, _, _ in groups:
        for large, _, _ in groups:
            if small == large or small in hidden or large in hidden:
                continue
            a, b = members[small], members[large]
            if a < b and len(b - a) < k:
                hidden[small] = DIFFERENCE_REASON
    return [
        Group(key, label, len(units), key not in hidden, hidden.get(key, ""))
        for key, label, units in groups
    ]


def _share(row: tables.FrequencyRow, multiple: bool) -> float | None:
    return row.pct_respondents if multiple else row.pct_answers


def mirror_question(
    question,
    units: Sequence[tables.Unit],
    bestuur: Bestuur | None,
    *,
    k: int,
    participated: bool,
    previous_question=None,
    previous_unit: tables.Unit | None = None,
) -> MirrorQuestion:
    qkind = kind(question)
    multiple = qkind.multi_select
    answered = [u for u in units if is_answered(u.answers.get(question.code))]
    raw = comparison_groups(answered, bestuur, participated=participated)
    groups = protect(raw, k=k)
    shown = {g.key for g in groups if g.shown}
    order = tables.ORDER_INSTRUMENT  # the bestuur reads its own options in order
    per_group = {
        key: tables.frequency(question, group_units, order=order)
        for key, _, group_units in raw
        if key in shown
    }
    own_unit = next((u for u in units if bestuur and u.key == _key(bestuur)), None)
    own_value = own_unit.answers.get(question.code) if own_unit else None
    own_codes = qkind.chosen(own_value) if is_answered(own_value) else frozenset()
    previous_codes: frozenset[str] | set[str] = frozenset()
    previous_labels = None
    if previous_question is not None and previous_unit is not None:
        old = previous_unit.answers.get(question.code)
        if is_answered(old):
            previous_codes = kind(previous_question).chosen(old)
            previous_labels = tuple(
                o.label for o in previous_question.options if o.code in previous_codes
            )
    rows = []
    for index, line in enumerate(tables.report_lines(question)):
        shares, widths = [], []
        for group in groups:
            if group.key not in per_group:
                continue
            share = _share(per_group[group.key].rows[index], multiple)
            shares.append(tables.percent_label(share) or "0%")
            widths.append(round((share or 0) * 100, 2))
        rows.append(
            MirrorRow(
                code=line.code,
                label=line.label,
                own=bool(own_codes & line.members),
                previous=bool(previous_codes & line.members),
                shares=tuple(shares),
                widths=tuple(widths),
                derived=line.derived,
            )
        )
    return MirrorQuestion(
        code=question.code,
        number=question.number,
        text=question.text,
        multiple=multiple,
        groups=tuple(groups),
        rows=tuple(rows),
        own_answered=bool(own_codes),
        own_labels=tuple(o.label for o in question.options if o.code in own_codes),
        previous_labels=previous_labels,
    )


def row_units(
    units: Sequence[tables.Unit], question, row, code: str
) -> list[tables.Unit]:
    """Units whose answer to `code` is their scale point on one matrix row."""
    result = []
    for unit in units:
        value = unit.answers.get(question.code)
        point = value.get(row.code) if isinstance(value, Mapping) else None
        result.append(replace(unit, answers={code: point} if point else {}))
    return result


def _row_unit(unit: tables.Unit | None, question, row, code: str):
    return row_units([unit], question, row, code)[0] if unit is not None else None


def _unit_of(units: Sequence[tables.Unit], bestuur: Bestuur | None):
    if bestuur is None:
        return None
    return next((u for u in units if u.key == _key(bestuur)), None)


def build_mirror(campaign: Campaign, *, municipality_id: int | None, k: int) -> Mirror:
    """The mirror of one bestuur (None: only the Flanders picture)."""
    directory = load_directory()
    options = Options(unit=UNIT_BESTUUR, k=k)
    wave = load_wave(campaign, directory=directory, options=options)
    bestuur = directory.by_id.get(municipality_id) if municipality_id else None
    participated = _unit_of(wave.units, bestuur) is not None
    previous = previous_unit = None
    if campaign.previous is not None:
        previous = load_wave(
            campaign.previous, directory=directory, options=options, map_to_current=True
        )
        previous_unit = _unit_of(previous.units, bestuur)
    titles = dict(
        Section.objects.filter(instrument_id=campaign.instrument_id).values_list(
            "code", "title"
        )
    )
    themes = {
        code: MirrorTheme(code, titles.get(code, code)) for code in wave.spec.sections
    }
    for question in wave.spec.questions:
        if kind(question).has_rows and tables.is_counted(question):
            theme = themes.setdefault(
                question.section, MirrorTheme(question.section, question.section)
            )
            old_matrix = None
            if previous is not None:
                try:
                    old_matrix = previous.spec.question(question.code)
                except KeyError:
                    old_matrix = None
                if old_matrix is not None and old_matrix.kind is not question.kind:
                    old_matrix = None
            # Row by row: the besturen that answered differ per row, so each row
            # gets its own groups and small-cell protection.
            for row in question.rows:
                sub = kind(question).row_question(question, row)
                old_sub = old_row = None
                if old_matrix is not None:
                    old_row = next(
                        (r for r in old_matrix.rows if r.code == row.code), None
                    )
                    if old_row is not None:
                        old_sub = kind(old_matrix).row_question(old_matrix, old_row)
                theme.questions.append(
                    mirror_question(
                        sub,
                        row_units(wave.units, question, row, sub.code),
                        bestuur,
                        k=k,
                        participated=participated,
                        previous_question=old_sub,
                        previous_unit=_row_unit(
                            previous_unit, old_matrix, old_row, sub.code
                        )
                        if old_sub is not None
                        else None,
                    )
                )
            continue
        if not tables.has_options_table(question):
            continue
        old_question = None
        if previous is not None:
            try:
                candidate = previous.spec.question(question.code)
            except KeyError:
                candidate = None
            if candidate is not None and candidate.kind is question.kind:
                old_question = candidate
        theme = themes.setdefault(
            question.section, MirrorTheme(question.section, question.section)
        )
        theme.questions.append(
            mirror_question(
                question,
                wave.units,
                bestuur,
                k=k,
                participated=participated,
                previous_question=old_question,
                previous_unit=previous_unit,
            )
        )
    return Mirror(
        campaign=campaign,
        bestuur=bestuur,
        participated=participated,
        k=k,
        themes=[t for t in themes.values() if t.questions],
        previous=campaign.previous if previous is not None else None,
        previous_participated=previous_unit is not None,
        besturen=len(wave.units),
    )
