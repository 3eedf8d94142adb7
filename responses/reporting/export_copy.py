"""The CSV export on PostgreSQL: stored answer cells + metadata in SQL, via COPY.

Byte for byte the file `exports.stream_csv(export_rows(...))` writes (tested), at
the speed of `COPY ... TO STDOUT`: the answer part of each line comes ready from
`ResponseExportRow` (export_store.py, refreshed first), the metadata columns are
derived in SQL, and PostgreSQL streams one line per row.

Each line leaves PostgreSQL as one text value. Splitting a stored row into 282
columns in SQL costs more than the whole export (jsonb_to_record: ~15x, array
subscripts: ~40x the COPY of the answers themselves), so the line is assembled in
SQL and COPY's own CSV quoting is switched off in effect: delimiter and quote are
control characters (US, RS) that only a hostile answer contains, and such a line,
which COPY then quotes, is unquoted again here. The metadata cells get the CSV rule
in SQL (`sanitise.FORMULA_PATTERN`) and csv.writer's quoting (QUOTE_MINIMAL).

Province, cluster and police zone on the campaign's opening day come from the same
`facts_on` as the generator, sent along as arrays. Municipality names are ordered by
the database's collation in both paths.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection
from django.utils import timezone
from psycopg import sql

from municipalities.models import Municipality
from municipalities.queries import facts_on
from responses.answering.coverage import counting
from responses.models import Campaign, ResponseMunicipality
from responses.reporting.export_cells import BOM, LAYOUTS, answer_columns, header
from responses.reporting.export_queries import ExportFilters, matching_municipalities
from responses.reporting.export_store import (
    DELIMITERS,
    csv_fragment,
    refresh_export_rows,
)
from responses.reporting.results.data import campaign_day
from surveys.queries import instrument_spec
from surveys.types import LIST_SEPARATOR
from vvsg_survey.sanitise import FORMULA_PATTERN, csv_row

US, RS = "\x1f", "\x1e"  # COPY's delimiter and quote: never in a normal line
_QUOTED = RS.encode()
_PLACES = ["nis", "names", "provinces", "clusters", "types", "zones"]


class _Echo:
    def write(self, value: str) -> str:
        return value


def copy_supported(*, delimiter: str, pseudonymise: bool) -> bool:
    """The COPY path serves plain CSV on PostgreSQL; the rest uses the generator."""
    return (
        connection.vendor == "postgresql"
        and delimiter in DELIMITERS
        and not pseudonymise
    )


def _lit(value: str) -> sql.Composable:
    return sql.Literal(value)


def _cell(expr: str, delimiter: str) -> sql.Composable:
    """SQL for one text cell: the CSV neutralisation, then csv.writer's quoting."""
    prefix = sql.SQL("(CASE WHEN {e} ~ {p} THEN '''' ELSE '' END)").format(
        e=sql.SQL(expr), p=_lit(FORMULA_PATTERN)
    )
    return sql.SQL(
        "COALESCE(CASE WHEN {e} ~ {special} "
        "THEN '\"' || {prefix} || replace({e}, '\"', '\"\"') || '\"' "
        "ELSE {prefix} || {e} END, '')"
    ).format(
        e=sql.SQL(expr),
        special=_lit(f'[{delimiter}"\r\n]'),
        prefix=prefix,
    )


def _plain(expr: str) -> sql.Composable:
    """A cell that never needs quoting or neutralising (numbers, dates)."""
    return sql.SQL("COALESCE(({e})::text, '')").format(e=sql.SQL(expr))


def _local(expr: str) -> str:
    # Naive local time, seconds truncated, as exports._local writes it.
    return f"to_char({expr} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS')"


def _fact(index: int) -> str:
    return f"((o.j -> rep.mid::text) ->> {index})"


def _joined(array: str) -> str:
    """exports._joined in SQL: non-empty values, first occurrence, in order."""
    # Fixed SQL around a column name of this module: no input reaches it. One
    # bestuur (most responses) needs no de-duplication.
    return (
        f"CASE WHEN cardinality({array}) = 1 THEN {array}[1] ELSE "  # noqa: S608
        f"array_to_string(ARRAY(SELECT v FROM unnest({array}) WITH ORDINALITY "
        f"AS u(v, i) WHERE v <> '' GROUP BY v ORDER BY min(i)), "
        f"'{LIST_SEPARATOR}') END"
    )


def _on_day(campaign: Campaign, represented_ids) -> str:
    """{municipality id: [province, cluster, cluster type, police zone]} on the
    opening day, as JSON: looked up per row (a join on an unnest() of arrays gets a
    nested loop from the planner, quadratic in the number of municipalities)."""
    facts = facts_on(campaign_day(campaign))
    rows = Municipality.objects.filter(pk__in=represented_ids).select_related(
        "province", "cluster"
    )
    on_day = {}
    for m in rows.iterator(chunk_size=2000):
        f = facts.get(m.pk, m)
        on_day[str(m.pk)] = [
            f.province.name,
            f.cluster.code if f.cluster else None,
            f.cluster.type if f.cluster else None,
            f.police_zone_name,
        ]
    return json.dumps(on_day)


class _Query:
    """Collects SQL pieces and their positional parameters in order."""

    def __init__(self):
        self.parts: list[sql.Composable] = []
        self.params: list[Any] = []

    def add(self, text: str | sql.Composable, *params: Any) -> None:
        self.parts.append(sql.SQL(text) if isinstance(text, str) else text)
        self.params.extend(params)


def copy_query(
    *,
    campaign: Campaign,
    layout: str,
    labels: bool,
    filters: ExportFilters,
    delimiter: str,
) -> tuple[sql.Composable, list[Any]]:
    """The COPY statement and its parameters (one line of text per export row)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    spec = instrument_spec(campaign.instrument)
    has_answers = bool(answer_columns(spec))
    represented = counting(
        ResponseMunicipality.objects.filter(response__campaign=campaign)
    ).order_by()
    rep_sql, rep_params = represented.values_list(
        "response_id", "municipality_id", "municipality__name", "municipality__nis_code"
    ).query.sql_with_params()
    tz = timezone.get_current_timezone_name()
    path = ["labels" if labels else "codes", delimiter]
    q = _Query()
    q.add(
        f"WITH covering(response_id, mid, name, nis_code) AS ({rep_sql}), "  # noqa: S608
        "rep AS (SELECT *, count(*) OVER (PARTITION BY response_id) AS n "
        "FROM covering), ",
        *rep_params,
    )
    q.add(
        "onday AS (SELECT %s::jsonb AS j) ",
        _on_day(campaign, represented.values("municipality_id")),
    )
    d = _lit(delimiter)
    slug = csv_fragment(csv.writer(_Echo(), delimiter=delimiter), [campaign.slug])
    cells: list[sql.Composable] = [
        _plain("t.id"),
        _lit(slug),
        _cell("t.status", delimiter),
        _cell("t.fn", delimiter),
        sql.SQL("CASE WHEN t.is_coordinator THEN '1' ELSE '0' END"),
        *[_cell(f"t.{p}", delimiter) for p in _PLACES],
        *([_plain("t.n")] if layout == "bestuur" else []),
        _plain("t.started"),
        _plain("t.submitted"),
        _plain("t.completion"),
        *([sql.SQL("t.answers")] if has_answers else []),
    ]
    line = sql.SQL("SELECT concat_ws({d}, {cells}) FROM ").format(
        d=d, cells=sql.SQL(", ").join(cells)
    )
    if layout == "response":
        q.add(
            ", lists AS (SELECT rep.response_id, "  # noqa: S608 - fixed SQL
            "array_agg(rep.nis_code ORDER BY rep.name, rep.nis_code) AS nis, "
            "array_agg(rep.name ORDER BY rep.name, rep.nis_code) AS names, "
            f"array_agg({_fact(0)} ORDER BY rep.name, rep.nis_code) AS provinces, "
            f"array_agg({_fact(1)} ORDER BY rep.name, rep.nis_code) AS clusters, "
            f"array_agg({_fact(2)} ORDER BY rep.name, rep.nis_code) AS types, "
            f"array_agg({_fact(3)} ORDER BY rep.name, rep.nis_code) AS zones "
            "FROM rep CROSS JOIN onday o GROUP BY rep.response_id) "
        )
        inner = ", ".join(f"{_joined('l.' + p)} AS {p}" for p in _PLACES)
        q.add(line)
        q.add(
            "(SELECT r.id, r.status, r.respondent_function AS fn, "  # noqa: S608
            f"r.is_coordinator, {inner}, NULL::int AS n, "
        )
        order = "t.id"
        joins = " LEFT JOIN lists l ON l.response_id = r.id "
    else:
        q.add(line)
        q.add(
            "(SELECT r.id, r.status, r.respondent_function AS fn, "
            "r.is_coordinator, rep.nis_code AS nis, rep.name AS names, "
            f"{_fact(0)} AS provinces, {_fact(1)} AS clusters, "
            f"{_fact(2)} AS types, {_fact(3)} AS zones, rep.n, "
            "rep.name AS sort_name, rep.nis_code AS sort_nis, "
        )
        order = "t.id, t.sort_name, t.sort_nis"
        joins = " JOIN rep ON rep.response_id = r.id CROSS JOIN onday o "
    started, submitted = _local("r.started_at"), _local("r.submitted_at")
    q.add(f"{started} AS started, {submitted} AS submitted, ", tz, tz)
    if layout == "bestuur":
        q.add(
            "x.completion, COALESCE((x.bestuur_csv -> rep.mid::text) #>> %s, "
            "x.csv #>> %s) AS answers ",
            path,
            path,
        )
    else:
        q.add("x.completion, x.csv #>> %s AS answers ", path)
    q.add(
        "FROM responses_response r "
        "JOIN responses_responseexportrow x ON x.response_id = r.id" + joins
    )
    q.add("WHERE r.campaign_id = %s", campaign.pk)
    if filters.statuses:
        q.add(" AND r.status = ANY(%s)", list(filters.statuses))
    if filters.response_ids:
        q.add(" AND r.id = ANY(%s)", list(filters.response_ids))
    if filters.by_municipality:
        matching = matching_municipalities(filters, facts_on(campaign_day(campaign)))
        q.add(
            " AND EXISTS (SELECT 1 FROM responses_responsemunicipality m2 "
            "WHERE m2.response_id = r.id AND m2.municipality_id = ANY(%s))",
            matching,
        )
        if layout == "bestuur":
            q.add(" AND rep.mid = ANY(%s)", matching)
    # OFFSET 0 keeps the subquery whole, so each list is built once, not per use.
    q.add(" OFFSET 0) t ORDER BY " + order)
    statement = sql.SQL(
        "COPY ({body}) TO STDOUT WITH (FORMAT csv, DELIMITER {us}, QUOTE {rs})"
    ).format(body=sql.Composed(q.parts), us=_lit(US), rs=_lit(RS))
    return statement, q.params


def _line(data: bytes) -> bytes:
    """One COPY row back to the line it holds, with csv.writer's CRLF."""
    if data.startswith(_QUOTED):
        return data[1:-2].replace(_QUOTED * 2, _QUOTED) + b"\r\n"
    return data[:-1] + b"\r\n"


def copy_csv(
    *,
    campaign: Campaign,
    layout: str = "response",
    labels: bool = False,
    filters: ExportFilters | None = None,
    delimiter: str = ";",
    on_done: Callable[[int], Any] | None = None,
) -> Iterator[bytes]:
    """The CSV export as bytes (BOM, header, one line per row), streamed by COPY.

    Stale stored rows of the campaign are refreshed first. `on_done(rows)` runs
    when the stream ends or is closed early, like `exports.counting`.
    """
    filters = filters or ExportFilters()
    count = 0
    try:
        refresh_export_rows(campaign=campaign)
        statement, params = copy_query(
            campaign=campaign,
            layout=layout,
            labels=labels,
            filters=filters,
            delimiter=delimiter,
        )
        spec = instrument_spec(campaign.instrument)
        writer = csv.writer(_Echo(), delimiter=delimiter)
        yield BOM.encode("utf-8")
        yield writer.writerow(csv_row(header(spec, layout))).encode("utf-8")
        connection.ensure_connection()
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(statement, params) as copy,
        ):
            # One chunk per row, like the generator: a client that goes away is
            # logged with exactly the rows it was sent.
            for data in copy:
                count += 1
                yield _line(bytes(data))
    finally:
        if on_done is not None:
            on_done(count)
