"""Response exports: one generator of header + rows, written as CSV or XLSX.

The generator (`export_rows`) is the single source of truth for the streaming view,
the admin actions, the `export_responses` command and the import round trip. It
yields the header first, then one list of cells per row, in codebook order:

* metadata columns (`META_COLUMNS[layout]`; province and cluster as valid on the
  campaign's opening day, MunicipalityFacts), then per question the columns its
  type declares (surveys.types: `export_columns` / `export_cells`):
* single -> ``CODE`` (option code, or label with ``labels=True``)
* multiple -> ``CODE__<option>`` 0/1 per option
* matrix -> ``CODE__<row>`` (scale code or label) per row
* text / number -> ``CODE``; municipalities -> ``CODE`` as a ``;``-joined NIS list
* an "other, specify" option adds ``CODE__other`` after the question's columns.

Hidden questions and hidden matrix rows are blank (one branching evaluation per
response, `Evaluation.visible_answers`). The rows carry the plain values; each
writer applies its rule from vvsg_survey.sanitise (CSV: apostrophe before
a formula trigger; XLSX: typed string cells, text unchanged).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook

from municipalities.queries import facts_on
from responses.answering.per_bestuur import (
    answers_for_bestuur,
    differing_answers_for,
)
from responses.models import Campaign, ExportLog, Response
from responses.reporting.export_cells import (
    BOM,
    LAYOUTS,
    META_COLUMNS,
    RowBuilder,
    answer_columns,
    collect_answers,
    header,
)
from responses.reporting.export_copy import copy_csv, copy_supported
from responses.reporting.export_queries import (
    ExportFilters,
    answers_for,
    matching_municipalities,
    question_codes,
    responses_for_export,
)
from responses.reporting.pseudonyms import pseudonymise_rows
from responses.reporting.results.data import campaign_day
from responses.reporting.statistical import STAT_FORMATS, write_statistical
from surveys import branching
from surveys.codebook import codebook_rows
from surveys.queries import instrument_spec
from surveys.types import LIST_SEPARATOR
from vvsg_survey.sanitise import csv_row, xlsx_cell

__all__ = [
    "BOM",
    "FORMATS",
    "LAYOUTS",
    "META_COLUMNS",
    "SOURCES",
    "answer_columns",
    "counting",
    "csv_stream",
    "export_rows",
    "export_to_file",
    "header",
    "log_export",
    "stream_csv",
    "write_csv",
    "write_xlsx",
]

FORMATS = ("csv", "xlsx", "sav", "dta", "r")  # the last three: statistical.py
SOURCES = ("admin", "command", "view")


def _joined(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(dict.fromkeys(v for v in values if v))


def _local(dt):
    """Naive local time: Excel has no time zones and shows it as a date."""
    if dt is None:
        return ""
    return timezone.localtime(dt).replace(tzinfo=None, microsecond=0)


def _meta_response(response: Response, campaign: Campaign, pct: int, facts) -> list:
    ms = [rm.municipality for rm in response.represented.all()]
    on_day = [facts.get(m.pk, m) for m in ms]
    return [
        response.pk,
        campaign.slug,
        response.status,
        response.respondent_function,
        int(response.is_coordinator),
        _joined(m.nis_code for m in ms),
        _joined(m.name for m in ms),
        _joined(f.province.name for f in on_day),
        _joined(f.cluster.code for f in on_day if f.cluster),
        _joined(f.cluster.type for f in on_day if f.cluster),
        _joined(f.police_zone_name for f in on_day),
        _local(response.started_at),
        _local(response.submitted_at),
        pct,
    ]


def _meta_bestuur(
    response, campaign, municipality, count: int, pct: int, on_day
) -> list:
    cluster = on_day.cluster
    return [
        response.pk,
        campaign.slug,
        response.status,
        response.respondent_function,
        int(response.is_coordinator),
        municipality.nis_code,
        municipality.name,
        on_day.province.name,
        cluster.code if cluster else "",
        cluster.type if cluster else "",
        on_day.police_zone_name,
        count,
        _local(response.started_at),
        _local(response.submitted_at),
        pct,
    ]


def export_rows(
    *,
    campaign: Campaign,
    layout: str = "response",
    labels: bool = False,
    filters: ExportFilters | None = None,
    chunk_size: int = 500,
    pseudonymise: bool = False,
) -> Iterator[list]:
    """Yield the header, then the rows of one campaign's export.

    Responses are read in chunks (`chunk_size`) so memory does not grow with the
    campaign. In the `bestuur` layout a coordinator's response is repeated once per
    represented municipality; municipality filters then apply per row.
    `pseudonymise` swaps response ids for keyed pseudonyms and empties open text
    (responses.reporting.pseudonyms.pseudonymise_rows).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    if pseudonymise:
        plain = export_rows(
            campaign=campaign,
            layout=layout,
            labels=labels,
            filters=filters,
            chunk_size=chunk_size,
        )
        yield from pseudonymise_rows(
            plain,
            spec=instrument_spec(campaign.instrument),
            campaign_slug=campaign.slug,
        )
        return
    filters = filters or ExportFilters()
    spec = instrument_spec(campaign.instrument)
    codes = question_codes(instrument_id=campaign.instrument_id)
    builder = RowBuilder(spec, labels=labels)
    # Province and cluster as they were when the campaign opened (a 2024 wave on
    # the 2024 map); one query for the whole export.
    facts = facts_on(campaign_day(campaign))
    yield header(spec, layout)
    matching = (
        matching_municipalities(filters, facts) if filters.by_municipality else None
    )
    responses = responses_for_export(
        campaign=campaign, filters=filters, municipality_ids=matching
    )
    for chunk in _chunks(responses.iterator(chunk_size=chunk_size), chunk_size):
        chunk_answers = answers_for(response_ids=[r.pk for r in chunk])
        differing = (
            differing_answers_for(response_ids=[r.pk for r in chunk])
            if layout == "bestuur"
            else {}
        )
        for response in chunk:
            answers, others = collect_answers(chunk_answers[response.pk], codes)
            yield from _rows_for(
                response,
                campaign,
                layout,
                filters,
                builder,
                answers,
                others,
                differing=differing,
                facts=facts,
            )


def _rows_for(
    response, campaign, layout, filters, builder, answers, others, *, differing, facts
):
    evaluation = branching.evaluate(builder.spec, answers)  # once per response
    cells = builder.cells(evaluation, others)
    pct = builder.completion(evaluation)
    if layout == "response":
        yield _meta_response(response, campaign, pct, facts) + cells
        return
    represented = [rm.municipality for rm in response.represented.all()]
    for municipality in represented:
        on_day = facts.get(municipality.pk, municipality)
        if filters.by_municipality and not filters.matches(on_day):
            continue
        meta = _meta_bestuur(
            response, campaign, municipality, len(represented), pct, on_day
        )
        own = differing.get((response.pk, municipality.pk))
        if own:
            # This bestuur answered some questions differently (per_bestuur.py);
            # its branching is evaluated on its own answers.
            mine, my_others = answers_for_bestuur(builder.spec, answers, others, own)
            mine_evaluated = branching.evaluate(builder.spec, mine)
            yield meta + builder.cells(mine_evaluated, my_others)
            continue
        yield meta + cells


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- writers ------------------------------------------------------------------------


class _Echo:
    """File-like object whose write returns the line, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def stream_csv(rows: Iterable[list], *, delimiter: str = ";") -> Iterator[bytes]:
    """UTF-8 with BOM (Excel-BE), CRLF line ends, one encoded line at a time."""
    writer = csv.writer(_Echo(), delimiter=delimiter)
    try:
        yield BOM.encode("utf-8")
        for row in rows:
            yield writer.writerow(csv_row(row)).encode("utf-8")
    finally:
        # A client that stops reading closes this generator; close the source too,
        # so its `counting` wrapper logs now rather than at garbage collection.
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def write_csv(rows: Iterable[list], out: IO[bytes], *, delimiter: str = ";") -> None:
    for chunk in stream_csv(rows, delimiter=delimiter):
        out.write(chunk)


def csv_stream(
    *,
    campaign: Campaign,
    on_done: Callable[[int], Any],
    layout: str = "response",
    labels: bool = False,
    filters: ExportFilters | None = None,
    delimiter: str = ";",
    pseudonymise: bool = False,
) -> Iterator[bytes]:
    """The CSV export as bytes: COPY of the stored rows on PostgreSQL
    (export_copy.py), the row generator elsewhere; the same bytes either way.

    `on_done(rows)` runs once the stream ends or is closed (the ExportLog row).
    """
    if copy_supported(delimiter=delimiter, pseudonymise=pseudonymise):
        return copy_csv(
            campaign=campaign,
            layout=layout,
            labels=labels,
            filters=filters,
            delimiter=delimiter,
            on_done=on_done,
        )
    rows = export_rows(
        campaign=campaign,
        layout=layout,
        labels=labels,
        filters=filters,
        pseudonymise=pseudonymise,
    )
    return stream_csv(counting(rows, on_done), delimiter=delimiter)


def write_xlsx(
    rows: Iterable[list],
    out: IO[bytes] | str,
    *,
    title: str = "Antwoorden",
    codebook: list[dict[str, str]] | None = None,
) -> None:
    """openpyxl write-only mode: rows go to a temporary XML stream, not to memory.

    With `codebook` (surveys.codebook.codebook_rows) a second sheet "Codebook"
    explains every column, so the file can be read without the instrument.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    if codebook:
        book = workbook.create_sheet(title="Codebook")
        names = list(codebook[0])
        book.append([xlsx_cell(book, name) for name in names])
        for entry in codebook:
            book.append([xlsx_cell(book, entry[name]) for name in names])
    workbook.save(out)


# --- audit --------------------------------------------------------------------------


def log_export(
    *,
    user,
    campaign: Campaign,
    fmt: str,
    layout: str,
    filters: ExportFilters,
    rows: int,
    source: str,
    pseudonymised: bool = False,
) -> ExportLog:
    """Record one export (who, what, how many rows)."""
    logged = filters.as_dict() | ({"pseudonymised": True} if pseudonymised else {})
    return ExportLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        campaign=campaign,
        format=fmt,
        layout=layout,
        filters=logged,
        rows=rows,
        source=source,
    )


def counting(rows: Iterable[list], on_done: Callable[[int], Any]) -> Iterator[list]:
    """Pass rows through and call on_done(data rows) once iteration stops.

    Runs in `finally`, so a stream that is closed early (client gone) is still
    logged with the rows actually produced; the header is not counted.
    """
    count = -1
    try:
        for row in rows:
            count += 1
            yield row
    finally:
        on_done(max(count, 0))


def export_to_file(
    *,
    campaign: Campaign,
    out: IO[bytes] | str,
    fmt: str = "csv",
    layout: str = "response",
    labels: bool = False,
    delimiter: str = ";",
    filters: ExportFilters | None = None,
    user=None,
    source: str = "command",
    pseudonymise: bool = False,
) -> ExportLog:
    """Write a whole export to a file (path or binary file object) and log it."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    filters = filters or ExportFilters()
    result: dict[str, int] = {}
    if fmt == "csv":
        chunks = csv_stream(
            campaign=campaign,
            on_done=lambda n: result.setdefault("rows", n),
            layout=layout,
            labels=labels,
            filters=filters,
            delimiter=delimiter,
            pseudonymise=pseudonymise,
        )
        if isinstance(out, str):
            with open(out, "wb") as fh:
                fh.writelines(chunks)
        else:
            out.writelines(chunks)
    else:
        rows = counting(
            export_rows(
                campaign=campaign,
                layout=layout,
                labels=labels,
                filters=filters,
                pseudonymise=pseudonymise,
            ),
            lambda n: result.setdefault("rows", n),
        )
        spec = instrument_spec(campaign.instrument)
        if fmt not in STAT_FORMATS:
            write_xlsx(rows, out, codebook=codebook_rows(campaign.instrument))
        elif isinstance(out, str):
            with open(out, "wb") as fh:
                write_statistical(rows, fh, spec=spec, fmt=fmt, title=campaign.slug)
        else:
            write_statistical(rows, out, spec=spec, fmt=fmt, title=campaign.slug)
    return log_export(
        user=user,
        campaign=campaign,
        fmt=fmt,
        layout=layout,
        filters=filters,
        rows=result["rows"],
        source=source,
        pseudonymised=pseudonymise,
    )
