"""All tables of a campaign as one workbook (openpyxl).

Sheets: "Index" (question list with links), "Respons" (completeness, sample
size, Bijlage 1 and 2), then one sheet per question named by its code: its
table, the cross-tabs the question page shows (cluster type, province, police
zone, size class, ?by= question), the counts of its coded open answers and
its series over all waves. Every
string is a typed string cell (vvsg_survey.sanitise.put_text), so text
from respondents is shown unchanged and never evaluated as a formula.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from vvsg_survey.sanitise import put_text

from . import tables, trends
from .codes import CodeCounts
from .report import Report

BOLD = Font(bold=True)
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _put(ws, row: int, col: int, value: Any, *, bold: bool = False):
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        put_text(cell, value)
    else:
        cell.value = value
    if bold:
        cell.font = BOLD
    return cell


class _Sheet:
    """Appends rows; numbers stay numbers, percentages as 0..1 with a % format."""

    def __init__(self, ws):
        self.ws, self.row = ws, 1

    def line(self, *values, bold: bool = False) -> None:
        for col, value in enumerate(values, start=1):
            if isinstance(value, Pct):
                cell = _put(self.ws, self.row, col, value.value, bold=bold)
                cell.number_format = "0%"
            elif value is not None:
                _put(self.ws, self.row, col, value, bold=bold)
        self.row += 1

    def blank(self) -> None:
        self.row += 1


class Pct:
    def __init__(self, value: float | None):
        self.value = value


def _pct(value: float | None):
    return Pct(value) if value is not None else None


def sheet_title(code: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", code)[:31] or "vraag"
    title, i = base, 2
    while title.lower() in used or title.lower() in ("index", "respons"):
        title = f"{base[:28]}_{i}"
        i += 1
    used.add(title.lower())
    return title


def _crosstab(sheet: _Sheet, title: str, tab: tables.CrossTab) -> None:
    sheet.blank()
    sheet.line(title, bold=True)
    sheet.line(
        "",
        *[f"{label} (n={n})" for _, label, n in tab.groups],
        f"Totaal (n={tab.n})",
        bold=True,
    )
    for row in tab.rows:
        sheet.line(row.label, *[cell.text for cell in row.cells], row.total.text)
    if tab.suppressed:
        sheet.line(f"<{tab.k}: cel met minder dan {tab.k} eenheden, niet getoond")


def _question_sheet(sheet: _Sheet, result, unit_label: str, by=None) -> None:
    q, table = result.question, result.table
    sheet.line(f"{q.number}. {q.text}", bold=True)
    sheet.line(f"Eenheid: {unit_label}")
    if isinstance(table, tables.FrequencyTable):
        multiple = table.multiple
        header = ["Antwoord", "Aantal", "% van de antwoorden"] + (
            ["%"] if multiple else []
        )
        sheet.line(*header, bold=True)
        for row in table.rows:
            extra = [_pct(row.pct_respondents)] if multiple else []
            sheet.line(row.label, row.count, _pct(row.pct_answers), *extra)
        sheet.line("N", table.n, bold=True)
        if result.by_family:
            _crosstab(sheet, "Per Belfius-clustertype", result.by_family)
        if result.by_province:
            _crosstab(sheet, "Per provincie", result.by_province)
        if result.by_zone:
            _crosstab(
                sheet,
                "Per politiezone (op de openingsdag van de bevraging)",
                result.by_zone,
            )
        if result.by_size:
            _crosstab(
                sheet,
                "Per grootteklasse (inwoners op 1 januari van het jaar van de "
                "bevraging)",
                result.by_size,
            )
        if result.by_question and by is not None:
            _crosstab(sheet, f"Per antwoord op {by.code}", result.by_question)
        if result.trend:
            sheet.blank()
            sheet.line("Vergelijking met de vorige bevraging", bold=True)
            sheet.line(
                "Antwoord",
                "Aantal",
                "%",
                "Vorige: aantal",
                "Vorige: %",
                "Verschil (procentpunten)",
                bold=True,
            )
            for row in result.trend.rows:
                delta = row.delta_points
                sheet.line(
                    row.label,
                    row.current_count,
                    _pct(row.current_pct),
                    row.previous_count,
                    _pct(row.previous_pct),
                    round(delta, 1) if delta is not None else None,
                )
            sheet.line(
                "N", result.trend.current_n, None, result.trend.previous_n, bold=True
            )
        if result.others:
            sheet.blank()
            sheet.line("Andere, namelijk", bold=True)
            for text in result.others:
                sheet.line(text)
    elif isinstance(table, tables.MatrixTable):
        sheet.line("", *[label for _, label in table.columns], "Totaal", bold=True)
        for line in table.lines:
            sheet.line(line.label, *[cell.text for cell in line.cells], line.n)
        sheet.line("N", table.n, bold=True)
    elif isinstance(table, tables.NumberSummary):
        for label, value in (
            ("N", table.n),
            ("Gemiddelde", table.mean),
            ("Mediaan", table.median),
            ("Minimum", table.minimum),
            ("Maximum", table.maximum),
        ):
            sheet.line(label, value)
        sheet.blank()
        sheet.line("Klasse", "Aantal", "%", bold=True)
        for b in table.bins:
            sheet.line(b.label, b.count, _pct(b.pct))
    elif isinstance(table, tables.TextAnswers):
        sheet.line("N", table.n, bold=True)
        for text in table.answers:
            sheet.line(text)
    if result.codes:
        _codes(sheet, result.codes)
    if result.series:
        _series(sheet, result.series)


def _codes(sheet: _Sheet, counts: CodeCounts) -> None:
    """The coded open answers, as the page shows them (members: "<k")."""
    sheet.blank()
    sheet.line("Gecodeerde open antwoorden", bold=True)
    sheet.line("Open antwoorden", counts.n)
    sheet.line("Gecodeerd", counts.coded)
    sheet.line("Nog te coderen", counts.to_code)
    sheet.line("Code", "Aantal", "% van de gecodeerde antwoorden", bold=True)
    for row in counts.rows:
        if row.hidden:
            sheet.line(row.label, f"<{counts.k}")
        else:
            sheet.line(row.label, row.count, _pct(row.share))
    if counts.has_small and counts.show_small:
        sheet.line(
            f"Aantallen onder {counts.k} zijn getoond (voor medewerkers); "
            f"de ledenpagina toont <{counts.k}."
        )
    elif counts.has_small:
        sheet.line(f"<{counts.k}: minder dan {counts.k} antwoorden, niet getoond")


SERIES_NOTE = {
    "respondents": "Per golf: aantal en % van n.",
    "all": (
        "Per golf: aantal met deze rij beantwoord, % van alle eenheden van die golf "
        "en gemiddelde positie op de schaal (0% = eerste, 100% = laatste punt)."
    ),
    "mean": "Per golf: gemiddelde en mediaan.",
}


def _series(sheet: _Sheet, series: trends.WaveSeries) -> None:
    """The question over all waves, oldest first: the page's series table, with
    counts, shares and averages in separate columns so they stay numbers."""
    sheet.blank()
    sheet.line("Verloop over de golven", bold=True)
    sheet.line(
        SERIES_NOTE[series.measure] + " Besturen herleid naar de huidige gemeenten."
    )
    heads: list[str] = []
    for wave, n in series.columns:
        name = f"{wave} (n={n})" if n is not None else wave
        if series.measure == "mean":
            heads.append(name)
            continue
        heads += [f"{name}: aantal", f"{wave}: %"]
        if series.measure == "all":
            heads.append(f"{wave}: gem. positie")
    if series.measure != "mean":
        heads.append("Verschil met vorige golf (procentpunten)")
    sheet.line("Antwoord", *heads, bold=True)
    for row in series.rows:
        cells: list[Any] = []
        for point in row.points:
            if series.measure == "mean":
                cells.append(point.value if point is not None else None)
                continue
            cells += [
                point.count if point else None,
                _pct(point.share) if point else None,
            ]
            if series.measure == "all":
                cells.append(_pct(point.value) if point else None)
        if series.measure != "mean":
            cells.append(int(row.delta_text) if row.delta_text else None)
        sheet.line(row.label, *cells)


def _response_sheet(sheet: _Sheet, report: Report) -> None:
    c, s = report.completeness, report.sample_size
    sheet.line(str(report.campaign), bold=True)
    for label, value in (
        ("Respondenten", c.respondents),
        ("Ingediend", c.submitted),
        ("Niet alle vragen doorlopen", c.incomplete),
        ("Vertegenwoordigde besturen", c.besturen),
        ("Populatie (besturen)", s.population),
        ("Vereiste steekproef 95%, 5% (Yamane, zoals het rapport)", s.yamane),
        (
            "Vereiste steekproef 95%, 5% (Cochran met eindige-populatiecorrectie)",
            s.cochran,
        ),
    ):
        sheet.line(label, value)
    sheet.blank()
    sheet.line("Representatie naar Belfius-cluster", bold=True)
    sheet.line(
        "Type",
        "Cluster",
        "Toelichting",
        "Aantal gemeenten",
        "Proportie gemeenten",
        "Aantal in steekproef",
        "Proportie per cluster",
        f"Proportie type in steekproef (n={report.by_cluster.sample})",
        bold=True,
    )
    for fam in report.by_cluster.families:
        for i, cl in enumerate(fam.clusters):
            first = i == 0
            sheet.line(
                fam.label if first else "",
                cl.code,
                cl.label,
                cl.population,
                _pct(fam.population_share) if first else None,
                cl.sample,
                _pct(cl.response_rate),
                _pct(fam.sample_share) if first else None,
            )
    sheet.line(
        "Totaal",
        "",
        "",
        report.by_cluster.population,
        Pct(1.0),
        report.by_cluster.sample,
        _pct(report.by_cluster.response_rate),
        Pct(1.0),
        bold=True,
    )
    sheet.blank()
    sheet.line("Representatie naar provincie", bold=True)
    sheet.line(
        "Provincie",
        "Aantal gemeenten",
        "% gemeenten",
        "Aantal in steekproef",
        "% steekproef",
        "Responsgraad",
        bold=True,
    )
    for p in report.by_province:
        sheet.line(
            p.name,
            p.population,
            _pct(p.population_share),
            p.sample,
            _pct(p.sample_share),
            _pct(p.response_rate),
        )


def build_workbook(report: Report, *, unit_label: str) -> bytes:
    wb = Workbook()
    first = wb.active
    assert first is not None  # a new workbook has one sheet
    index = _Sheet(first)
    first.title = "Index"
    index.line(str(report.campaign), bold=True)
    index.line("Eenheid", unit_label)
    index.line(
        "Kleine cellen",
        f"k={report.options.k}"
        + (
            " (getoond, gemarkeerd met *)"
            if report.options.show_small
            else " (verborgen)"
        ),
    )
    index.blank()
    index.line("Tabblad", "Thema", "Vraag", bold=True)
    _response_sheet(_Sheet(wb.create_sheet("Respons")), report)
    used: set[str] = set()
    for section in report.sections:
        for result in section.questions:
            title = sheet_title(result.question.code, used)
            _question_sheet(
                _Sheet(wb.create_sheet(title)), result, unit_label, report.by_question
            )
            cell = _put(index.ws, index.row, 1, title)
            cell.hyperlink = f"#'{title}'!A1"
            _put(index.ws, index.row, 2, section.title)
            _put(
                index.ws,
                index.row,
                3,
                f"{result.question.number}. {result.question.text}",
            )
            index.row += 1
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
