"""Export benchmark: 100,000 synthetic responses on PostgreSQL.

    DB_ENGINE=postgresql DB_HOST=127.0.0.1 DB_USER=postgres DB_NAME=vvsg_bench_export \
        .venv/bin/python bench/export_bench.py [--responses 100000] [--reseed]

Seeds (once) a campaign `bench-export` of the 2024 instrument with N submitted
responses (bulk_create; answers through COPY FROM for speed), then measures, each in a
fresh child process so peak RSS belongs to that export alone:

  csv   responses.reporting.exports.export_rows -> write_csv to a file
  xlsx  responses.reporting.exports.export_rows -> write_xlsx (openpyxl write-only)
  copy  PostgreSQL COPY (SELECT ... answers ...) TO STDOUT WITH CSV via psycopg 3

and a csv run with tracemalloc, stopped after TRACE_ROWS rows, for the peak Python
heap after 10% of them and at the end (flat = constant memory). A child alone:
`bench/export_bench.py --child csv|xlsx|copy [--trace]` prints one JSON line.
Results: docs/benchmarks.md, section "Export". Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vvsg_survey.settings")
SLUG = "bench-export"
CHUNK = 500
TRACE_ROWS = 20_000
INSTRUMENT = ROOT / "surveys" / "instruments" / "ledenbevraging-2024.yaml"


def ensure_database() -> None:
    """CREATE DATABASE if it is missing (the bench DB is disposable)."""
    from bench.load_bench import db_env, recreate_database

    recreate_database(db_env(os.environ.get("DB_NAME", "vvsg_bench")), keep=True)


def setup_django() -> None:
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("export_bench needs DB_ENGINE=postgresql")


# --- seeding ------------------------------------------------------------------------


def load_instrument():
    """The 2024 instrument, built from its YAML spec (once per bench database)."""
    from surveys.models import Instrument

    existing = Instrument.objects.filter(code="bench-ledenbevraging").first()
    if existing:
        return existing
    from surveys.definition import spec_from_yaml
    from surveys.models import MatrixRow, Option, Question, Section

    spec = spec_from_yaml(INSTRUMENT)
    instrument = Instrument.objects.create(
        code="bench-ledenbevraging", version="2024", title="Ledenbevraging 2024 (bench)"
    )
    sections = {
        code: Section.objects.create(
            instrument=instrument, code=code, order=i, title=code
        )
        for i, code in enumerate(spec.sections, 1)
    }
    for order, q in enumerate(spec.questions, 1):
        question = Question.objects.create(
            instrument=instrument,
            section=sections[q.section],
            code=q.code,
            number=q.number,
            order=order,
            type=q.type,
            text=q.text,
            required=q.required,
            condition=q.condition,
            settings=dict(q.settings),
        )
        Option.objects.bulk_create(
            Option(
                question=question,
                code=o.code,
                label=o.label[:300],
                order=i,
                exclusive=o.exclusive,
                is_other=o.is_other,
            )
            for i, o in enumerate(q.options, 1)
        )
        MatrixRow.objects.bulk_create(
            MatrixRow(
                question=question,
                code=r.code,
                label=r.label[:300],
                order=i,
                condition=r.condition,
            )
            for i, r in enumerate(q.rows, 1)
        )
    return instrument


def synthetic_value(q, rng: random.Random, nis: list[str]):
    codes = [o.code for o in q.options if not o.exclusive]
    if q.type == "single":
        return rng.choice([o.code for o in q.options])
    if q.type == "multiple":
        return rng.sample(codes, k=rng.randint(1, min(3, len(codes))))
    if q.type == "matrix":
        return {r.code: rng.choice(codes) for r in q.rows}
    if q.type == "number":
        return rng.randint(0, 40)
    if q.type == "municipalities":
        return rng.sample(nis, k=2)
    return rng.choice(["", "Samenwerking met de politiezone.", "Geen", "=1+1 test"])


def seed(n: int, reseed: bool, *, slug: str = SLUG, instrument=None) -> None:
    """Campaign `slug` with n submitted responses of `instrument` (default: a copy
    of the 2024 YAML), kept when it already has n responses and not `reseed`."""
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from municipalities.models import Municipality, Province
    from responses.models import Campaign, Response, ResponseMunicipality
    from surveys.models import Question
    from surveys.queries import instrument_spec

    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign and not reseed and campaign.responses.count() == n:
        return
    started = time.perf_counter()
    if campaign:
        with connection.cursor() as cursor:  # a 5M-row cascade is too slow via the ORM
            cursor.execute(
                "DELETE FROM responses_answer WHERE response_id IN "
                "(SELECT id FROM responses_response WHERE campaign_id = %s)",
                [campaign.pk],
            )
        ResponseMunicipality.objects.filter(campaign=campaign).delete()
        Response.objects.filter(campaign=campaign).delete()
        campaign.delete()
    instrument = instrument or load_instrument()
    spec = instrument_spec(instrument)
    now = timezone.now()
    campaign = Campaign.objects.create(
        instrument=instrument,
        name="Bench",
        slug=slug,
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=30),
    )
    province, _ = Province.objects.get_or_create(
        nis_code="99999", defaults={"name": "Benchprovincie"}
    )
    taken = set(Municipality.objects.values_list("nis_code", flat=True))
    have = Municipality.objects.filter(province=province).count()
    free = [f"{i:05d}" for i in range(100000) if f"{i:05d}" not in taken]
    free = free[: max(n - have, 0)]  # a municipality is covered once per campaign
    Municipality.objects.bulk_create(
        (Municipality(nis_code=c, name=f"Bench {c}", province=province) for c in free),
        batch_size=5000,
        ignore_conflicts=True,
    )
    municipalities = list(
        Municipality.objects.filter(province=province)
        .order_by("nis_code")
        .values_list("pk", "nis_code")
    )
    nis = [code for _, code in municipalities[:300]]
    question_ids = dict(
        Question.objects.filter(instrument=instrument).values_list("code", "pk")
    )
    rng = random.Random(2024)
    batch = 5000
    with transaction.atomic():
        for start in range(0, n, batch):
            size = min(batch, n - start)
            responses = Response.objects.bulk_create(
                Response(
                    campaign=campaign,
                    status="submitted",
                    submitted_at=now,
                    respondent_function="Burgemeester",
                )
                for _ in range(size)
            )
            ResponseMunicipality.objects.bulk_create(
                ResponseMunicipality(response=r, campaign=campaign, municipality_id=pk)
                for r, (pk, _) in zip(responses, municipalities[start:], strict=False)
            )
            raw = connection.connection  # psycopg 3: COPY FROM is ~10x bulk_create here
            with (
                raw.cursor() as cursor,
                cursor.copy(
                    "COPY responses_answer (response_id, question_id, value, "
                    "other_text, revision, updated_at) FROM STDIN"
                ) as copy,
            ):
                for r in responses:
                    for q in spec.questions:
                        value = synthetic_value(q, rng, nis)
                        copy.write_row(
                            (r.pk, question_ids[q.code], json.dumps(value), "", 1, now)
                        )
    print(f"seeded {n} responses in {time.perf_counter() - started:.1f} s", flush=True)


# --- measurements (child processes) -------------------------------------------------


def copy_sql(campaign_id: int):
    """The same answer data, long format, no branching or neutralisation: the floor."""
    from psycopg import sql

    # The tables the export reads: responses, the besturen they speak for, answers
    # and question codes.
    return sql.SQL(
        "COPY (SELECT r.id, r.status, m.nis_code, q.code, a.value::text, "
        "a.other_text FROM responses_answer a "
        "JOIN responses_response r ON r.id = a.response_id "
        "JOIN surveys_question q ON q.id = a.question_id "
        "LEFT JOIN responses_responsemunicipality rm ON rm.response_id = r.id "
        "LEFT JOIN municipalities_municipality m ON m.id = rm.municipality_id "
        "WHERE r.campaign_id = {} ORDER BY r.id, q.order) TO STDOUT WITH CSV HEADER"
    ).format(sql.Literal(campaign_id))


def measure(mode: str, trace: bool) -> dict:
    from django.db import connection

    from responses.models import Campaign
    from responses.reporting.exports import export_rows, write_csv, write_xlsx

    campaign = Campaign.objects.select_related("instrument").get(slug=SLUG)
    total = campaign.responses.count()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    limit = TRACE_ROWS if trace else total
    marks: dict[str, float] = {}
    if trace:
        tracemalloc.start()

    def rows():
        # tracemalloc slows Python several times, so a traced run stops at TRACE_ROWS.
        for i, row in enumerate(export_rows(campaign=campaign, chunk_size=CHUNK)):
            if i > limit:
                return
            if trace and i == limit // 10:
                marks["peak_10pct_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            yield row

    out = tempfile.NamedTemporaryFile(suffix=f".{mode}", delete=False)  # noqa: SIM115
    started, cpu_started = time.perf_counter(), time.process_time()
    if mode == "csv":
        write_csv(rows(), out)
    elif mode == "xlsx":
        write_xlsx(rows(), out)
    else:
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(copy_sql(campaign.pk)) as copy,
        ):
            for data in copy:
                out.write(data)
    out.close()
    seconds = time.perf_counter() - started
    result = {
        "mode": mode,
        "responses": min(total, limit),
        "seconds": round(seconds, 1),
        # CPU time of this process: less sensitive to a busy machine than wall time.
        "cpu_seconds": round(time.process_time() - cpu_started, 1),
        "mb_file": round(os.path.getsize(out.name) / 2**20, 1),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }
    if trace:
        result["peak_heap_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        result["peak_10pct_mb"] = round(marks.get("peak_10pct_mb", 0), 1)
    os.unlink(out.name)
    return result


def run_child(mode: str, trace: bool) -> dict:
    argv = [sys.executable, __file__, "--child", mode] + (["--trace"] if trace else [])
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--child", choices=["csv", "xlsx", "copy"])
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    if args.child:
        setup_django()
        print(json.dumps(measure(args.child, args.trace)))
        return
    ensure_database()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(args.responses, args.reseed)
    results = [run_child(m, False) for m in ("csv", "xlsx", "copy")]
    traced = run_child("csv", True)
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        "| export | responses | wall s | CPU s | file MB | RSS before MB "
        "| peak RSS MB |\n|---|---:|---:|---:|---:|---:|---:|"
    )
    for r in results:
        print(
            f"| {r['mode']} | {r['responses']} | {r['seconds']} | {r['cpu_seconds']} "
            f"| {r['mb_file']} | {r['rss_before_mb']} | {r['peak_rss_mb']} |"
        )
    print(
        f"\ntracemalloc, csv, first {traced['responses']} rows: Python heap peak "
        f"{traced['peak_10pct_mb']} MB after 10% of them, "
        f"{traced['peak_heap_mb']} MB at the end"
    )


if __name__ == "__main__":
    main()
