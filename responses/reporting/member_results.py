"""The report as members may see it: no open answers, no single bestuur's value.

Built by the one results entry point (build_report), so the member page and its
XLSX show the numbers of the staff report, minus what could point at a bestuur:

* open answers and "other, specify" texts are left out (they may name people or
  places; only answers staff mark quotable may ever be shown, issue 17);
* cross-tabs only by cluster type, with cells below k always suppressed (the
  province table has groups small enough to single besturen out);
* a number question keeps n, mean, median and bins, not its minimum and maximum,
  which are one bestuur's own figure.
"""

from __future__ import annotations

from dataclasses import replace

from responses.models import Campaign

from .results import tables
from .results.report import Options, Report, build_report
from .results.units import UNIT_BESTUUR


def member_report(campaign: Campaign, *, k: int) -> Report:
    report = build_report(
        campaign, options=Options(unit=UNIT_BESTUUR, k=k, show_small=False)
    )
    for section in report.sections:
        kept = []
        for result in section.questions:
            if isinstance(result.table, tables.TextAnswers):
                continue
            result.others = ()
            result.by_province = None
            if isinstance(result.table, tables.NumberSummary):
                result.table = replace(result.table, minimum=None, maximum=None)
            kept.append(result)
        section.questions = kept
    report.sections = [s for s in report.sections if s.questions]
    return report
