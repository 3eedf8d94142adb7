"""Issue 14's four ratios in one run, each path measured against its floor.

    .venv/bin/python -m bench.ratios --quick          # smoke run, under 3 minutes
    .venv/bin/python -m bench.ratios                  # full run, under 15 minutes
    .venv/bin/python -m bench.ratios --write-docs --label "after the #14 changes"
    .venv/bin/python -m bench.ratios --scaling        # 1 vs 2 web processes / workers

Builds its own PostgreSQL database, loads the reference data and the real 2024
instrument, starts gunicorn (gthread 4x2) with bench.settings (the project's settings
plus a floor view) and measures, as alternating pairs (floor, path, floor, path ...):

1. section page p95 at 50 concurrent respondents / floor p95;
2. autosave req/s at 50 concurrent / floor req/s;
3. CSV export of the large campaign (the export service, `export_to_file`) / COPY of
   the same joined tables TO STDOUT, and the export's peak RSS at both sizes;
4. invitation mails through `send_invitations` and a real Celery worker on Redis /
   a plain smtplib loop to the same aiosmtpd sink.

docs/benchmarks.md ("Ratios") explains every choice; docs/scaling.md the --scaling run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench import export_bench, load_bench, mail_throughput, ratio_web

ROOT = load_bench.ROOT
LOGS = Path(tempfile.gettempdir())
WEB_PORTS = (8341, 8342)
SINK_PORT = 8359
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14")
GUNICORN = SimpleNamespace(workers=4, threads=2, worker_class="gthread")
RESPONDENTS = 50


@dataclass(frozen=True)
class Mode:
    name: str
    pairs: int  # alternating (floor, path) pairs per ratio
    window: float  # seconds of load per web measurement
    export_sizes: tuple[int, int]  # (small, large) responses
    mails: int
    mail_pairs: int
    export_pairs: int


QUICK = Mode("quick", pairs=1, window=5.0, export_sizes=(200, 2000), mails=200,
             mail_pairs=1, export_pairs=1)  # fmt: skip
FULL = Mode("full", pairs=3, window=10.0, export_sizes=(2000, 20000), mails=2000,
            mail_pairs=2, export_pairs=2)  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run (< 3 min)")
    parser.add_argument("--scaling", action="store_true", help="1 vs 2 web/workers")
    parser.add_argument("--db-name", default="vvsg_h_bench_ratios")
    parser.add_argument("--keep-db", action="store_true", help="reuse the database")
    parser.add_argument("--mail-concurrency", type=int, default=4)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--label", default="before the #14 changes")
    parser.add_argument("--child", choices=["export", "copy"], help=argparse.SUPPRESS)
    parser.add_argument("--slug", help=argparse.SUPPRESS)
    return parser.parse_args()


def bench_env(db_name: str) -> dict[str, str]:
    """One environment for this process, gunicorn, the children and the workers."""
    return load_bench.db_env(db_name) | {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "CACHE_URL": CACHE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SINK_PORT),
    }


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


# --- setup --------------------------------------------------------------------------


def prepare(mode: Mode, args: argparse.Namespace) -> tuple[list[str], Any]:
    """Database, reference data, 2024 instrument, invitations, export campaigns,
    mayors for the mail runs. Returns the 50 respondent link paths and the spec."""
    env = bench_env(args.db_name)
    load_bench.recreate_database(env, keep=args.keep_db)
    links, spec = load_bench.prepare_data(RESPONDENTS)
    from responses.models import Campaign

    instrument = Campaign.objects.get(slug="load-bench").instrument
    for size in () if args.scaling else mode.export_sizes:
        export_bench.seed(size, False, slug=export_slug(size), instrument=instrument)
    if not args.scaling:
        refresh_export_rows([export_slug(size) for size in mode.export_sizes])
    retire_bench_municipalities()
    add_mayors(mode.mails)
    from django.db import connection

    with connection.cursor() as cursor:
        # Planner statistics for the freshly seeded tables, as a live database has:
        # without them the export's per-chunk queries take a seq-scan plan (40 s
        # each at 20,000 responses) before autovacuum catches up.
        cursor.execute("ANALYZE")
    from django.core.cache import cache

    cache.clear()  # rate-limit counters of an earlier run
    return links, spec


def export_slug(size: int) -> str:
    return f"ratios-export-{size}"


def refresh_export_rows(slugs: list[str]) -> None:
    """Seeding writes answers with COPY FROM, past any per-response export row a
    save would maintain; a project command that rebuilds such rows (named
    *export_rows*) is run here so the export sees every response: without
    arguments, or once per campaign slug if it insists on one."""
    from django.core.management import CommandError, call_command, get_commands

    for name in sorted(get_commands()):
        if "export_rows" not in name:
            continue
        print(f"running manage.py {name}", flush=True)
        try:
            call_command(name)
        except CommandError:
            for slug in slugs:
                call_command(name, slug)


def retire_bench_municipalities() -> None:
    """The export campaigns' synthetic municipalities leave today's map, so the
    respondent pages (which list it) see the real 300, not 20,000 more."""
    from municipalities.models import Municipality

    Municipality.objects.filter(
        province__nis_code="99999", valid_to__isnull=True
    ).update(valid_to=datetime.date(2001, 1, 1))


def add_mayors(total: int) -> None:
    """Mayor contacts (several per current municipality, each its own address)
    until exactly `total` exist, so one send_invitations queues `total` mails."""
    from municipalities.models import Contact, ContactRole
    from municipalities.queries import current_municipalities
    from responses.mailing.campaigns import mayor_contacts

    municipalities = list(current_municipalities().order_by("nis_code"))
    have = mayor_contacts().count()
    Contact.objects.bulk_create(
        Contact(
            municipality=municipalities[k % len(municipalities)],
            role=ContactRole.MAYOR,
            name=f"Burgemeester {k}",
            email=f"mayor{k:05d}@bench.test",
        )
        for k in range(have, total)
    )
    if mayor_contacts().count() != total:
        raise SystemExit(f"expected {total} mayors, have {mayor_contacts().count()}")


def start_web(port: int, db_name: str) -> tuple[subprocess.Popen, str]:
    from django.db import connections

    connections.close_all()
    return load_bench.start_gunicorn(
        bench_env(db_name),
        GUNICORN,
        port=port,
        log_path=LOGS / f"vvsg-ratios-gunicorn-{port}.log",
    )


# --- export -------------------------------------------------------------------------


def export_child(kind: str, slug: str) -> dict[str, float]:
    """One export (the service) or one COPY in this process; prints JSON."""
    import django

    django.setup()
    from django.db import connection

    from responses.models import Campaign
    from responses.reporting.exports import export_to_file

    campaign = Campaign.objects.select_related("instrument").get(slug=slug)
    connection.ensure_connection()
    baseline = reset_peak_rss()
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        if kind == "export":
            rows = export_to_file(campaign=campaign, out=out, fmt="csv").rows
        else:
            query = export_bench.copy_sql(campaign.pk)
            with connection.connection.cursor() as cursor, cursor.copy(query) as copy:
                for data in copy:
                    out.write(data)
            rows = campaign.responses.count()
        seconds = time.perf_counter() - started
        size = out.tell()
    return {
        "seconds": seconds,
        "rows": rows,
        "mb": size / 2**20,
        "rss_before_mb": baseline,
        "peak_rss_mb": status_mb("VmHWM"),
    }


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> float:
    """Start the peak-RSS count (VmHWM) afresh, so the peak is the export's and not
    Django's start-up; returns the resident size now."""
    Path("/proc/self/clear_refs").write_text("5")
    return status_mb("VmRSS")


def run_child(kind: str, slug: str) -> dict[str, float]:
    argv = [sys.executable, "-m", "bench.ratios", "--child", kind, "--slug", slug]
    argv += ["--db-name", os.environ["DB_NAME"]]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{kind} child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def export_pairs(mode: Mode) -> dict[str, Any]:
    small, large = mode.export_sizes
    pairs = []
    for i in range(mode.export_pairs):
        copy = run_child("copy", export_slug(large))
        export = run_child("export", export_slug(large))
        if export["rows"] != large:
            raise SystemExit(f"export wrote {export['rows']} rows, not {large}")
        pairs.append((copy, export))
        print(f"  pair {i + 1} export: {copy} | {export}", flush=True)
    small_run = run_child("export", export_slug(small))
    return {"pairs": pairs, "small": small_run}


# --- mail ---------------------------------------------------------------------------


def new_campaign(slug: str) -> Any:
    from django.utils import timezone

    from responses.mailing.campaigns import open_campaign
    from responses.models import Campaign

    now = timezone.now()
    campaign = Campaign.objects.create(
        instrument=Campaign.objects.get(slug="load-bench").instrument,
        name=slug,
        slug=f"{slug}-{int(time.time() * 1000)}",
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
    )
    open_campaign(campaign=campaign)
    return campaign


def celery_run(handler: Any, n: int, slug: str) -> dict[str, Any]:
    """send_invitations to n mayors, until the sink has n recipients; checks that
    every delivery went out exactly once."""
    from responses.mailing.campaigns import send_invitations
    from responses.models import Delivery, DeliveryStatus

    campaign = new_campaign(slug)
    handler.reset()
    started = time.monotonic()
    queued = send_invitations(campaign=campaign)
    seconds = mail_throughput.wait_for(handler, n, timeout=max(300, n / 2)) - started
    time.sleep(1)  # a duplicate would arrive after the n-th recipient
    sent = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENT)
    return {
        "seconds": seconds,
        "queued": queued,
        "rcpts": handler.count,
        "distinct": len(handler.recipients),
        "sent_rows": sent.count(),
    }


def start_sink() -> tuple[Any, mail_throughput.CountingHandler]:
    from aiosmtpd.controller import Controller

    handler = mail_throughput.CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=SINK_PORT)
    controller.start()
    return controller, handler


def worker_args(concurrency: int) -> SimpleNamespace:
    return SimpleNamespace(redis=BROKER_URL, concurrency=concurrency)


def mail_pairs(mode: Mode, args: argparse.Namespace) -> dict[str, Any]:
    controller, handler = start_sink()
    worker = mail_throughput.start_worker(
        worker_args(args.mail_concurrency), SINK_PORT, LOGS / "vvsg-ratios-worker.log"
    )
    pairs = []
    try:
        for i in range(mode.mail_pairs):
            plain = mail_throughput.bench_smtplib(
                SimpleNamespace(n=mode.mails), handler, SINK_PORT
            )
            celery = celery_run(handler, mode.mails, f"ratios-mail-{i}")
            pairs.append(({"seconds": plain}, celery))
            print(f"  pair {i + 1} mail: {plain:.1f} s | {celery}", flush=True)
        rss = mail_throughput.peak_rss_mib(worker.pid)
    finally:
        stop(worker)
        controller.stop()
    return {"pairs": pairs, "worker_rss": rss}


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process group started with start_new_session (ours only)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    proc.wait(timeout=60)


# --- main ---------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    # SIGTERM (timeout, kill) unwinds like Ctrl-C, so gunicorn and workers stop too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    mode = QUICK if args.quick else FULL
    os.environ.update(bench_env(args.db_name))
    if args.child:
        print(json.dumps(export_child(args.child, args.slug)))
        return
    import django

    started = time.monotonic()
    load_before = load_average()
    print(f"{mode.name} mode; load average before: {load_before}", flush=True)
    django.setup()
    links, spec = prepare(mode, args)
    print(f"prepared in {time.monotonic() - started:.0f} s", flush=True)
    if args.scaling:
        from bench import scaling

        scaling.run(mode, args, links, spec, load_before=load_before)
        return
    web, base = start_web(WEB_PORTS[0], args.db_name)
    try:
        results: dict[str, Any] = {
            "web": ratio_web.web_pairs(
                [base], links, spec, pairs=mode.pairs, window=mode.window
            )
        }
    finally:
        stop(web)
    results["export"] = export_pairs(mode)
    results["mail"] = mail_pairs(mode, args)
    results["load"] = (load_before, load_average())
    results["minutes"] = (time.monotonic() - started) / 60
    from bench import ratios_report

    text = ratios_report.render(mode, args, results)
    print(text)
    if args.write_docs:
        ratios_report.write_docs(text, args.label)


if __name__ == "__main__":
    main()
