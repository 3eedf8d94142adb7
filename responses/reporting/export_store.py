"""Stored export rows: each response's answer cells, kept ready for the COPY export.

The expensive part of an export row is its answers: one branching evaluation, every
question's cells, the CSV neutralisation and quoting. `refresh_export_rows` does that
once per change instead of once per export, and stores the answer part of the CSV
line (`ResponseExportRow.csv`) for every delimiter and for codes and labels. The
export then only joins the metadata in SQL and streams with COPY (export_copy.py).

Nothing runs in the autosave path: a row is *stale* when the response's revision
(bumped by every answer save), the instrument spec (labels, conditions) or the
per-bestuur answers differ from what it was built from, and every COPY export first
refreshes the stale rows of its campaign in batches. `rebuild_export_rows` (the
command) rebuilds a campaign's rows ahead of time, e.g. after a label change.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from responses.answering.per_bestuur import answers_for_bestuur, differing_answers_for
from responses.models import BestuurAnswer, Campaign, Response, ResponseExportRow
from responses.reporting.export_cells import RowBuilder, collect_answers
from responses.reporting.export_queries import answers_for, question_codes
from surveys import branching
from surveys.queries import instrument_spec
from vvsg_survey.sanitise import csv_row

DELIMITERS = (";", ",", "\t")
BATCH_SIZE = 500


class _Echo:
    def write(self, value: str) -> str:
        return value


def spec_hash(spec) -> str:
    """Fingerprint of a spec: a changed label or condition makes the rows stale."""
    return hashlib.sha256(repr(spec).encode()).hexdigest()


def bestuur_hash(differing: dict[int, dict[str, tuple[Any, str]]]) -> str:
    """Fingerprint of one response's per-bestuur answers ({municipality id: ...})."""
    if not differing:
        return ""
    items = sorted(
        (mid, sorted((code, value, other) for code, (value, other) in own.items()))
        for mid, own in differing.items()
    )
    return hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()


def csv_fragment(writer, cells: list) -> str:
    """`cells` exactly as csv.writer writes them inside a longer row (no line end).

    A leading empty field keeps the row longer than one field: csv writes a lone
    empty field as `""`.
    """
    if not cells:
        return ""
    return writer.writerow(["", *csv_row(cells)])[1:-2]


class _Builder:
    """Everything one refresh needs, read once per campaign."""

    def __init__(self, campaign: Campaign):
        self.spec = instrument_spec(campaign.instrument)
        self.digest = spec_hash(self.spec)
        self.codes = question_codes(instrument_id=campaign.instrument_id)
        self.builders = {
            "codes": RowBuilder(self.spec, labels=False),
            "labels": RowBuilder(self.spec, labels=True),
        }
        self.writers = {d: csv.writer(_Echo(), delimiter=d) for d in DELIMITERS}

    def variants(self, evaluation: branching.Evaluation, others) -> dict:
        out = {}
        for name, builder in self.builders.items():
            cells = builder.cells(evaluation, others)
            out[name] = {d: csv_fragment(w, cells) for d, w in self.writers.items()}
        return out

    def rows(self, ids: list[int], now: datetime) -> list[ResponseExportRow]:
        # The revision is read before the answers: a save in between leaves a row
        # that is stale (built again next time), never one that looks fresh.
        revisions = dict(
            Response.objects.filter(pk__in=ids).values_list("pk", "revision")
        )
        answers_by_response = answers_for(response_ids=ids)
        differing: dict[int, dict[int, dict]] = defaultdict(dict)
        for (response_id, mid), own in differing_answers_for(response_ids=ids).items():
            if own:
                differing[response_id][mid] = own
        rows = []
        for pk in ids:
            if pk not in revisions:
                continue  # deleted meanwhile
            answers, others = collect_answers(answers_by_response[pk], self.codes)
            evaluation = branching.evaluate(self.spec, answers)  # once per response
            per_bestuur = {}
            for mid, own in differing.get(pk, {}).items():
                mine, my_others = answers_for_bestuur(self.spec, answers, others, own)
                mine_evaluated = branching.evaluate(self.spec, mine)
                per_bestuur[str(mid)] = self.variants(mine_evaluated, my_others)
            rows.append(
                ResponseExportRow(
                    response_id=pk,
                    revision=revisions[pk],
                    spec_hash=self.digest,
                    bestuur_hash=bestuur_hash(differing.get(pk, {})),
                    completion=self.builders["codes"].completion(evaluation),
                    csv=self.variants(evaluation, others),
                    bestuur_csv=per_bestuur,
                    built_at=now,
                )
            )
        return rows


def _bestuur_stale(campaign: Campaign) -> set[int]:
    """Responses whose per-bestuur answers changed since their row was built."""
    with_bestuur = list(
        BestuurAnswer.objects.filter(response__campaign=campaign)
        .values_list("response_id", flat=True)
        .distinct()
    )
    current: dict[int, dict[int, dict]] = defaultdict(dict)
    for (response_id, mid), own in differing_answers_for(
        response_ids=with_bestuur
    ).items():
        current[response_id][mid] = own
    stored = dict(
        ResponseExportRow.objects.filter(response__campaign=campaign)
        .exclude(bestuur_hash="")
        .values_list("response_id", "bestuur_hash")
    )
    return {
        pk
        for pk in current.keys() | stored.keys()
        if bestuur_hash(current.get(pk, {})) != stored.get(pk, "")
    }


def refresh_export_rows(
    *,
    campaign: Campaign,
    response_ids: Collection[int] | None = None,
    batch_size: int = BATCH_SIZE,
    rebuild: bool = False,
    now: datetime | None = None,
) -> int:
    """Build the missing and stale export rows of a campaign; returns how many.

    Works in batches of `batch_size` responses (one answers query each), so memory
    does not grow with the campaign. `rebuild` builds every row again;
    `response_ids` limits the work to those responses.
    """
    now = now or timezone.now()
    builder = _Builder(campaign)
    responses = Response.objects.filter(campaign=campaign)
    if response_ids is not None:
        responses = responses.filter(pk__in=response_ids)
    if not rebuild:
        responses = responses.annotate(
            row_revision=F("export_row__revision"),
            row_spec=F("export_row__spec_hash"),
        ).filter(
            Q(row_revision__isnull=True)
            | ~Q(row_revision=F("revision"))
            | ~Q(row_spec=builder.digest)
            | Q(pk__in=_bestuur_stale(campaign))
        )
    done, last = 0, 0
    while True:
        ids = list(
            responses.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return done
        ResponseExportRow.objects.bulk_create(
            builder.rows(ids, now),
            update_conflicts=True,
            unique_fields=["response"],
            update_fields=[
                "revision",
                "spec_hash",
                "bestuur_hash",
                "completion",
                "csv",
                "bestuur_csv",
                "built_at",
            ],
        )
        done += len(ids)
        last = ids[-1]


def refresh_export_row(*, response_id: int) -> int:
    """After a submit: build that response's row now, so the next export finds it
    fresh. Only PostgreSQL reads the rows (SQLite exports with the generator)."""
    if connection.vendor != "postgresql":
        return 0
    response = (
        Response.objects.select_related("campaign__instrument")
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        return 0
    return refresh_export_rows(campaign=response.campaign, response_ids=[response_id])
