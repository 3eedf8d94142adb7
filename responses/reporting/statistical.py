"""Exports for analysts: SPSS (.sav), Stata (.dta) and R (CSV + labels script).

All three read the rows of `exports.export_rows` (codes, not labels), so columns,
branching and filters are those of the CSV/XLSX export. Each column's reading
(numeric code + value labels, 0/1, number, string) comes from its question type
(`surveys.types`, `stat_variable`). A hidden or unanswered question is an empty
cell in the export and *system-missing* here (SPSS sysmis, Stata `.`, R `NA`),
never 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from responses.models import ResponseStatus
from surveys.types import StatVariable, kind
from vvsg_survey.sanitise import csv_row

STAT_FORMATS = ("sav", "dta", "r")
CONTENT_TYPES = {
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
    "r": "application/zip",
}
EXTENSIONS = {"sav": "sav", "dta": "dta", "r": "zip"}
# Stata's limits (SPSS allows 64-byte names and 256-character labels).
NAME_LIMIT = {"sav": 64, "dta": 32, "r": 10_000}
LABEL_LIMIT = {"sav": 256, "dta": 80, "r": 10_000}
STATA_STRING_LIMIT = 2045  # longer open answers are cut in the .dta only

_STATUS = StatVariable(
    numeric=True,
    codes={code: n for n, code in enumerate(ResponseStatus.values, start=1)},
    labels={n: str(label) for n, (_, label) in enumerate(ResponseStatus.choices, 1)},
    measure="ordinal",
)
_YES_NO = StatVariable(numeric=True, codes={0: 0, 1: 1}, labels={0: "nee", 1: "ja"})
_NUMBER = StatVariable(numeric=True, measure="scale")
_DATETIME = "datetime"
META_VARIABLES: Mapping[str, tuple[str, StatVariable | str]] = {
    "response_id": ("Respons-id", _NUMBER),
    "campaign": ("Bevraging", StatVariable()),
    "status": ("Status van de respons", _STATUS),
    "respondent_function": ("Functie van de respondent", StatVariable()),
    "is_coordinator": ("Vult in voor meerdere besturen", _YES_NO),
    "nis_codes": ("NIS-codes van de vertegenwoordigde besturen", StatVariable()),
    "nis_code": ("NIS-code van het bestuur", StatVariable()),
    "municipalities": ("Vertegenwoordigde besturen", StatVariable()),
    "municipality": ("Bestuur", StatVariable()),
    "provinces": ("Provincies", StatVariable()),
    "province": ("Provincie", StatVariable()),
    "clusters": ("Belfius-clusters", StatVariable()),
    "cluster": ("Belfius-cluster", StatVariable()),
    "cluster_types": ("Clustertypes", StatVariable()),
    "cluster_type": ("Clustertype", StatVariable()),
    "police_zones": ("Politiezones", StatVariable()),
    "police_zone": ("Politiezone", StatVariable()),
    "represented_count": ("Aantal besturen in deze respons", _NUMBER),
    "started_at": ("Gestart op", _DATETIME),
    "submitted_at": ("Ingediend op", _DATETIME),
    "completion_pct": ("Ingevuld (% van de zichtbare vragen)", _NUMBER),
}


@dataclass
class Variable:
    column: str  # the export column
    name: str  # the variable name in the file
    label: str
    reading: StatVariable | str
    values: list[Any] = field(default_factory=list)


def variables(spec, header: list[str], *, fmt: str) -> list[Variable]:
    """One variable per export column, with a legal, unique name for `fmt`."""
    answer: dict[str, tuple[str, StatVariable]] = {}
    for q in spec.questions:
        qkind = kind(q)
        for col in qkind.export_columns(q):
            label = f"{q.code}. {q.text}"
            if col.key:
                part = next(
                    (x.label for x in (*q.rows, *q.options) if x.code == col.key),
                    col.key,
                )
                label = f"{label} – {part}"
            elif col.kind == "other":
                label = f"{label} – toelichting"
            answer[col.name] = (label, qkind.stat_variable(q, col))
    taken: set[str] = set()
    out = []
    for column in header:
        label, reading = META_VARIABLES.get(column) or answer.get(
            column, (column, StatVariable())
        )
        name = _legal_name(column, NAME_LIMIT[fmt], taken)
        out.append(Variable(column, name, label[: LABEL_LIMIT[fmt]], reading))
    return out


def _legal_name(column: str, limit: int, taken: set[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", column)
    if not re.match(r"[A-Za-z]", name):
        name = f"v{name}"
    name = name[:limit]
    base, n = name, 1
    while name.casefold() in taken:
        n += 1
        name = f"{base[: limit - len(str(n)) - 1]}_{n}"
    taken.add(name.casefold())
    return name


def _value(variable: Variable, cell: Any, fmt: str) -> Any:
    reading = variable.reading
    if reading == _DATETIME:
        return cell if isinstance(cell, dt.datetime) else None
    assert isinstance(reading, StatVariable)
    if cell == "" or cell is None:
        return None if reading.numeric else ""
    if not reading.numeric:
        text = str(cell)
        return text[:STATA_STRING_LIMIT] if fmt == "dta" else text
    if reading.codes:
        return reading.codes.get(cell, reading.codes.get(str(cell)))
    if isinstance(cell, int | float):
        return cell
    try:
        return float(str(cell).replace(",", "."))
    except ValueError:
        return None  # a pseudonymised id; never guess a number


def collect(rows: Iterable[list], *, spec, fmt: str) -> list[Variable]:
    """Read header + rows (export_rows) into typed columns."""
    rows = iter(rows)
    header = next(rows)
    out = variables(spec, header, fmt=fmt)
    for row in rows:
        for variable, cell in zip(out, row, strict=False):
            variable.values.append(_value(variable, cell, fmt))
    for variable in out:
        # A pseudonymised export carries text ids: keep them as a string variable.
        if variable.column == "response_id" and any(v is None for v in variable.values):
            variable.reading = StatVariable()
    return out


def _frame(out: list[Variable]):
    # pandas (and pyreadstat) cost ~50 MB: loaded only when such a file is written,
    # so the web process and the CSV/XLSX exports stay within their memory bounds.
    import pandas as pd

    data = {}
    for v in out:
        if v.reading == _DATETIME:
            data[v.name] = pd.to_datetime(pd.Series(v.values, dtype="object"))
        elif isinstance(v.reading, StatVariable) and v.reading.numeric:
            data[v.name] = pd.Series(v.values, dtype="float64")
        else:
            data[v.name] = pd.Series(v.values, dtype="object").fillna("")
    return pd.DataFrame(data)


def _numeric(out: list[Variable]) -> list[Variable]:
    return [v for v in out if isinstance(v.reading, StatVariable) and v.reading.numeric]


def write_statistical(
    rows: Iterable[list], out: IO[bytes], *, spec, fmt: str, title: str = ""
) -> None:
    """Write `fmt` (sav, dta or r) of an export to a binary file object."""
    if fmt not in STAT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    variables_ = collect(rows, spec=spec, fmt=fmt)
    if fmt == "r":
        _write_r(variables_, out, title=title or "export")
        return
    import pyreadstat  # see _frame: heavy, loaded on use

    frame = _frame(variables_)
    labels: dict[str, str | None] = {v.name: v.label for v in variables_}
    numeric = [(v.name, cast(StatVariable, v.reading)) for v in _numeric(variables_)]
    value_labels = {name: dict(r.labels) for name, r in numeric if r.labels}
    # pyreadstat writes to a path; spool through a temporary directory.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export.{fmt}"
        if fmt == "sav":
            pyreadstat.write_sav(
                frame,
                path,
                file_label=title[:64],
                column_labels=labels,
                variable_value_labels=value_labels,
                variable_measure={name: r.measure for name, r in numeric},
            )
        else:
            pyreadstat.write_dta(
                frame,
                path,
                file_label=title[:80],
                column_labels=labels,
                variable_value_labels=value_labels,
            )
        out.write(path.read_bytes())


# --- R ------------------------------------------------------------------------------


def _r(text: str) -> str:
    """An R string literal (JSON string escapes are valid R escapes)."""
    return json.dumps(text, ensure_ascii=False)


def r_script(out: list[Variable], *, csv_name: str) -> str:
    lines = [
        "# Reads the export and applies the codebook's labels (base R only).",
        "# Empty cells are NA: hidden or unanswered, never 0.",
        f'd <- read.csv({_r(csv_name)}, fileEncoding = "UTF-8-BOM",',
        '              na.strings = "", stringsAsFactors = FALSE, check.names = FALSE)',
        "# Text that a spreadsheet could read as a formula starts with an apostrophe",
        "# in the CSV (docs/exports.md); remove it again.",
        'unquote <- function(x) ifelse(grepl("^\'[[:space:]\'\\"]*[-=+@]", x),',
        "                              substring(x, 2), x)",
        "d[] <- lapply(d, function(x) if (is.character(x)) unquote(x) else x)",
    ]
    for v in out:
        reading = v.reading
        col = f"d[[{_r(v.name)}]]"
        if reading == _DATETIME:
            lines.append(f'{col} <- as.POSIXct({col}, tz = "Europe/Brussels")')
        elif isinstance(reading, StatVariable) and reading.labels:
            levels = ", ".join(str(n) for n in reading.labels)
            names = ", ".join(_r(label) for label in reading.labels.values())
            ordered = ", ordered = TRUE" if reading.measure == "ordinal" else ""
            lines.append(
                f"{col} <- factor({col}, levels = c({levels}), "
                f"labels = c({names}){ordered})"
            )
        lines.append(f'attr({col}, "label") <- {_r(v.label)}')
    return "\n".join(lines) + "\n"


def _write_r(out: list[Variable], target: IO[bytes], *, title: str) -> None:
    csv_name = f"{title}.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([v.name for v in out])
    for i in range(len(out[0].values) if out else 0):
        row = []
        for v in out:
            value = v.values[i]
            if isinstance(value, dt.datetime):
                value = value.isoformat(sep=" ")
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
            row.append("" if value is None else value)
        writer.writerow(csv_row(row))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(csv_name, "\ufeff" + buffer.getvalue())
        archive.writestr(f"{title}_labels.R", r_script(out, csv_name=csv_name))
