"""Import population figures per NIS code and year (`manage.py import_population`).

The file is a CSV or XLSX with the columns `nis_code;year;population` (Statbel's
"bevolking op 1 januari", one row per municipality and year). The whole file is
checked first; with any error nothing is written and every error names its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import Max

from municipalities.models import Municipality, PopulationFigure
from vvsg_survey.uploads import UploadError, read_table

COLUMNS = ("nis_code", "year", "population")


@dataclass(frozen=True)
class PopulationError:
    row: int  # the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"rij {self.row}, kolom {self.column}: {self.message}"


@dataclass
class PopulationResult:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[PopulationError] = field(default_factory=list)


def _whole_number(text: str, low: int, high: int) -> int | None:
    return int(text) if text.isdigit() and low <= int(text) <= high else None


def _parse(rows, municipalities: dict[str, int], errors: list[PopulationError]):
    seen: dict[tuple[str, int], int] = {}
    parsed = []
    for number, cells in rows:
        nis, year_raw, pop_raw = (str(cells.get(c, "") or "").strip() for c in COLUMNS)
        if nis not in municipalities:
            errors.append(
                PopulationError(number, "nis_code", f"onbekende NIS-code '{nis}'")
            )
        year = _whole_number(year_raw, 1800, 2200)
        if year is None:
            errors.append(
                PopulationError(number, "year", f"geen jaartal: '{year_raw}'")
            )
        population = _whole_number(pop_raw.removesuffix(".0"), 0, 10_000_000)
        if population is None:
            message = f"geen geheel aantal inwoners: '{pop_raw}'"
            errors.append(PopulationError(number, "population", message))
        if nis in municipalities and year is not None:
            if (nis, year) in seen:
                message = f"{nis} {year} staat ook in rij {seen[nis, year]}"
                errors.append(PopulationError(number, "nis_code", message))
            seen[nis, year] = number
        parsed.append((nis, year, population))
    return parsed


def import_population(
    *,
    source: str | Path | IO[bytes],
    dry_run: bool = False,
    label: str = "",
) -> PopulationResult:
    """Validate the whole file, then create or update PopulationFigure rows and set
    each municipality's `population` to its latest year's figure."""
    result = PopulationResult(dry_run=dry_run)
    try:
        header, rows = read_table(source)
        header = [str(h or "").strip().lower() for h in header]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            result.errors = [
                PopulationError(1, c, "verplichte kolom ontbreekt") for c in missing
            ]
            return result
        numbered = [
            (i, dict(zip(header, (_text(v) for v in row), strict=False)))
            for i, row in enumerate(rows, start=2)
            if any(_text(v) for v in row)
        ]
    except UploadError as exc:
        result.errors = [PopulationError(1, "-", str(exc))]
        return result
    municipalities = dict(Municipality.objects.values_list("nis_code", "pk"))
    parsed = _parse(numbered, municipalities, result.errors)
    result.rows = len(parsed)
    if result.errors or dry_run:
        return result
    _write(
        parsed, municipalities, result, label or str(getattr(source, "name", source))
    )
    return result


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@transaction.atomic
def _write(parsed, municipalities, result: PopulationResult, label: str) -> None:
    existing = {(f.municipality_id, f.year): f for f in PopulationFigure.objects.all()}
    for nis, year, population in parsed:
        key = (municipalities[nis], year)
        figure = existing.get(key)
        if figure is None:
            PopulationFigure.objects.create(
                municipality_id=key[0], year=year, population=population, source=label
            )
            result.created += 1
        elif figure.population != population:
            figure.population, figure.source = population, label
            figure.save(update_fields=["population", "source"])
            result.updated += 1
        else:
            result.unchanged += 1
    touched = {municipalities[nis] for nis, _, _ in parsed}
    latest = (
        PopulationFigure.objects.filter(municipality_id__in=touched)
        .values("municipality_id")
        .annotate(year=Max("year"))
    )
    for row in latest:
        figure = PopulationFigure.objects.get(
            municipality_id=row["municipality_id"], year=row["year"]
        )
        Municipality.objects.filter(pk=row["municipality_id"]).update(
            population=figure.population
        )
