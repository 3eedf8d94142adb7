"""Codebook of an instrument: one entry per question, as CSV or JSON.

Analysts use it to read exports: codes, labels, and when a question was shown.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.db.models import Prefetch

from surveys.branching import describe
from surveys.models import Instrument, MatrixRow, Option, Question
from vvsg_survey.sanitise import csv_cell

COLUMNS = (
    "number",
    "code",
    "section",
    "section_title",
    "type",
    "text",
    "required",
    "condition",
    "options",
    "rows",
    "settings",
    "source",
    "reconstructed",
)
BOM = "\ufeff"  # Excel only reads UTF-8 CSV correctly with a byte order mark


def codebook_entries(instrument: Instrument) -> list[dict[str, Any]]:
    """Structured codebook entries in instrument order (one query per table)."""
    questions = (
        Question.objects.filter(instrument=instrument)
        .select_related("section")
        .order_by("order")
        .prefetch_related(
            Prefetch("options", queryset=Option.objects.order_by("order")),
            Prefetch("rows", queryset=MatrixRow.objects.order_by("order")),
        )
    )
    return [
        {
            "number": q.number,
            "code": q.code,
            "section": q.section.code,
            "section_title": q.section.title,
            "type": q.type,
            "text": q.text,
            "help": q.help_text,
            "required": q.required,
            "condition": describe(q.condition),
            "condition_json": q.condition,
            "options": [
                {
                    "code": o.code,
                    "label": o.label,
                    "exclusive": o.exclusive,
                    "other": o.is_other,
                }
                for o in q.options.all()
            ],
            "rows": [
                {"code": r.code, "label": r.label, "condition": describe(r.condition)}
                for r in q.rows.all()
            ],
            "settings": q.settings or {},
            "source": q.source,
            "reconstructed": q.reconstructed,
        }
        for q in questions
    ]


def _flat_options(options: list[dict[str, Any]]) -> str:
    parts = []
    for o in options:
        flags = [f for f in ("exclusive", "other") if o[f]]
        suffix = f" [{', '.join(flags)}]" if flags else ""
        parts.append(f"{o['code']}={o['label']}{suffix}")
    return " | ".join(parts)


def _flat_rows(rows: list[dict[str, Any]]) -> str:
    parts = []
    for r in rows:
        when = f" [als {r['condition']}]" if r["condition"] else ""
        parts.append(f"{r['code']}={r['label']}{when}")
    return " | ".join(parts)


def codebook_rows(instrument: Instrument) -> list[dict[str, str]]:
    """Flat rows (all strings) for CSV, keyed by COLUMNS."""
    rows = []
    for e in codebook_entries(instrument):
        rows.append(
            {
                "number": str(e["number"]),
                "code": e["code"],
                "section": e["section"],
                "section_title": e["section_title"],
                "type": e["type"],
                "text": e["text"],
                "required": "ja" if e["required"] else "nee",
                "condition": e["condition"],
                "options": _flat_options(e["options"]),
                "rows": _flat_rows(e["rows"]),
                "settings": json.dumps(e["settings"], ensure_ascii=False)
                if e["settings"]
                else "",
                "source": e["source"],
                "reconstructed": "ja" if e["reconstructed"] else "nee",
            }
        )
    return rows


def codebook_csv(instrument: Instrument, *, delimiter: str = ",") -> str:
    """UTF-8 CSV text starting with a BOM; `delimiter=";"` for Excel in nl-BE."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter=delimiter)
    writer.writeheader()
    # Labels come from the instrument, but the codebook is opened in the same
    # spreadsheets as the exports: one rule for every CSV the platform writes.
    writer.writerows(
        {key: csv_cell(value) for key, value in row.items()}
        for row in codebook_rows(instrument)
    )
    return buffer.getvalue()


def codebook_json(instrument: Instrument) -> str:
    document = {
        "instrument": {
            "code": instrument.code,
            "version": instrument.version,
            "title": instrument.title,
            "source_sha256": instrument.source_sha256,
        },
        "questions": codebook_entries(instrument),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def codebook_filename(instrument: Instrument, fmt: str) -> str:
    return f"codeboek-{instrument.code}-{instrument.version}.{fmt}"
