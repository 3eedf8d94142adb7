"""The report as members may see it: no open answers, no single bestuur's value.

Built by the one results entry point (build_report), so the member page and its
XLSX show the numbers of the staff report, minus what could point at a bestuur:

* open answers and "other, specify" texts are left out (they may name people or
  places); the page and its workbook get, per open question, the counts of the
  codes staff assigned (a count below k shown as "<k") and the answers staff
  marked quotable without personal data (responses.reporting.open_answers),
  never with the bestuur's name;
* cross-tabs only by cluster type, with cells below k always suppressed (the
  province table has groups small enough to single besturen out); a cluster
  type with fewer than k answering besturen is left out, and when the left-out
  types together hold fewer than k besturen (Totaal minus the shown columns
  would give their answers) the smallest shown types go too;
* a number question keeps n, mean, median and bins, not its minimum and maximum,
  which are one bestuur's own figure.
"""

from __future__ import annotations

from dataclasses import replace

from responses.models import Campaign

from .open_answers import answers_by_question, counts_of, is_open_question
from .results import tables
from .results.report import Options, Report, build_report
from .results.units import UNIT_BESTUUR


def member_report(campaign: Campaign, *, k: int) -> Report:
    report = build_report(
        campaign, options=Options(unit=UNIT_BESTUUR, k=k, show_small=False)
    )
    found = answers_by_question(
        campaign,
        [r.question for r in report.questions if is_open_question(r.question)],
        wave=report.wave,
    )
    for section in report.sections:
        kept = []
        for result in section.questions:
            if result.question.code in found:
                answers = found[result.question.code]
                result.codes = counts_of(answers, k=k, show_small=False)
                result.quotes = tuple(a.text for a in answers if a.quotable)
                if not result.codes.rows:
                    result.codes = None
            if isinstance(result.table, tables.TextAnswers):
                if result.codes is not None or result.quotes:
                    result.table = result.chart = None
                    kept.append(result)
                continue
            result.others = ()
            result.by_province = None
            if result.by_family is not None:
                result.by_family = without_small_groups(result.by_family, k=k)
            # Read by the template: numbers get their own partial without min/max.
            result.is_number = isinstance(result.table, tables.NumberSummary)
            if result.is_number:
                result.table = replace(result.table, minimum=None, maximum=None)
            kept.append(result)
        section.questions = kept
    report.sections = [s for s in report.sections if s.questions]
    return report


def without_small_groups(tab: tables.CrossTab, *, k: int) -> tables.CrossTab | None:
    """The cross-tab without groups of fewer than k units (rule in the docstring)."""
    hidden = {i for i, (_, _, n) in enumerate(tab.groups) if n < k}
    by_size = sorted(
        (n, i) for i, (_, _, n) in enumerate(tab.groups) if i not in hidden
    )
    while 0 < sum(tab.groups[i][2] for i in hidden) < k and by_size:
        hidden.add(by_size.pop(0)[1])
    keep = [i for i in range(len(tab.groups)) if i not in hidden]
    if not keep:
        return None
    rows = tuple(
        replace(row, cells=tuple(row.cells[i] for i in keep)) for row in tab.rows
    )
    return replace(
        tab,
        groups=tuple(tab.groups[i] for i in keep),
        rows=rows,
        suppressed=sum(cell.suppressed for row in rows for cell in row.cells),
    )
