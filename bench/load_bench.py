"""Load benchmark: 50 simulated respondents against gunicorn + PostgreSQL on loopback.

    .venv/bin/python bench/load_bench.py            # defaults below
    .venv/bin/python bench/load_bench.py --respondents 50 --workers 4 --duration 120

Steps: (re)create the database `vvsg_bench_load` on the local PostgreSQL, migrate,
load the reference data and the 2024 instrument, open a campaign with one invitation
per respondent (the campaign services), start gunicorn on a free loopback port, then let
every respondent open their link, fill in who they are, page through every visible
section and autosave each visible question like htmx does. Afterwards the same
number of threads hammer /healthz (no database, no template) as a baseline.
Prints p50/p95/p99 latency and throughput per request kind and, with --write-docs,
replaces the "Load" section of docs/benchmarks.md. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTRUMENT = ROOT / "surveys" / "instruments" / "ledenbevraging-2024.yaml"
DOCS = ROOT / "docs" / "benchmarks.md"
LOG = Path(tempfile.gettempdir()) / "vvsg-load-bench-gunicorn.log"
REV = re.compile(r'name="q-([\w.-]+)-rev"[^>]*value="(\d+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2-4)")
    parser.add_argument("--threads", type=int, default=2, help="gthread threads/worker")
    parser.add_argument(
        "--worker-class", default="gthread", choices=["sync", "gthread"]
    )
    parser.add_argument(
        "--duration", type=float, default=300.0, help="max seconds/phase"
    )
    parser.add_argument("--max-requests", type=int, default=300, help="per respondent")
    parser.add_argument("--healthz-requests", type=int, default=40, help="per thread")
    parser.add_argument("--db-name", default="vvsg_bench_load")
    parser.add_argument("--keep-db", action="store_true", help="reuse the database")
    parser.add_argument("--write-docs", action="store_true")
    return parser.parse_args()


# --- setup ------------------------------------------------------------------


def db_env(db_name: str) -> dict[str, str]:
    return {
        "DB_ENGINE": "postgresql",
        "DB_NAME": db_name,
        "DB_HOST": os.environ.get("DB_HOST", "127.0.0.1"),
        "DB_PORT": os.environ.get("DB_PORT", "5432"),
        "DB_USER": os.environ.get("DB_USER", "postgres"),
        "DB_PASSWORD": os.environ.get("DB_PASSWORD", ""),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
        "EMAIL_HOST": "",
    }


def recreate_database(env: dict[str, str], *, keep: bool) -> None:
    import psycopg

    with psycopg.connect(
        host=env["DB_HOST"],
        port=env["DB_PORT"],
        user=env["DB_USER"],
        password=env["DB_PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [env["DB_NAME"]]
        ).fetchone()
        if exists and keep:
            return
        if exists:
            conn.execute(f'DROP DATABASE "{env["DB_NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{env["DB_NAME"]}"')


def prepare_data(respondents: int) -> tuple[list[str], object]:
    """Migrate, load reference data + instrument, open a campaign; return link paths."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from municipalities.models import Contact, ContactRole
    from municipalities.queries import current_municipalities
    from municipalities.services import load_reference_data
    from responses.mailing.campaigns import create_invitations, open_campaign
    from responses.mailing.tokens import link_for
    from responses.models import Campaign, Invitation
    from surveys.queries import instrument_spec
    from surveys.services import load_instrument

    call_command("migrate", verbosity=0, interactive=False)
    load_reference_data()
    instrument = load_instrument(path=INSTRUMENT)
    now = timezone.now()
    campaign, _ = Campaign.objects.get_or_create(
        slug="load-bench",
        defaults={
            "instrument": instrument,
            "name": "Belastingstest",
            "opens_at": now - datetime.timedelta(days=1),
            "closes_at": now + datetime.timedelta(days=30),
        },
    )
    for municipality in current_municipalities().order_by("nis_code")[:respondents]:
        Contact.objects.get_or_create(
            municipality=municipality,
            email=f"bench.{municipality.nis_code}@bench.invalid",
            defaults={"role": ContactRole.MAYOR, "name": f"Bench {municipality.name}"},
        )
    open_campaign(campaign=campaign)
    create_invitations(campaign=campaign)
    invitations = Invitation.objects.filter(campaign=campaign).order_by("pk")[
        :respondents
    ]
    links = [urllib.parse.urlsplit(link_for(inv)).path for inv in invitations]
    return links, instrument_spec(instrument)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    env: dict[str, str], args, *, port: int | None = None, log_path: Path = LOG
) -> tuple[subprocess.Popen, str]:
    """gunicorn on 127.0.0.1:`port` (free if None); returns (process, base URL)."""
    port = port or free_port()
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "vvsg_survey.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--threads",
            str(args.threads),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()  # noqa: S310
            return proc, base
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"gunicorn did not start; see {log.name}")


# --- simulated respondents --------------------------------------------------


@dataclass
class Stats:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.samples[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1


class Respondent:
    """One mayor with a cookie jar; requests are timed per kind."""

    def __init__(
        self, base: str, link: str, stats: Stats, deadline: float, budget: int
    ):
        self.base, self.link, self.stats = base, link, stats
        self.deadline, self.budget = deadline, budget
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar)
        )

    def _csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "") or ""

    def request(self, kind: str, path: str, data: dict | list | None = None) -> str:
        if self.budget <= 0 or time.monotonic() > self.deadline:
            raise TimeoutError
        self.budget -= 1
        body = (
            urllib.parse.urlencode(data, doseq=True).encode()
            if data is not None
            else None
        )
        req = urllib.request.Request(self.base + path, data=body)  # noqa: S310
        if body is not None:
            req.add_header("X-CSRFToken", self._csrf())
            req.add_header("Referer", self.base + path)
        if kind == "autosave":
            req.add_header("HX-Request", "true")
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=60) as reply:
                text = reply.read().decode()
                # An autosave refused by validation still answers 200; htmx learns
                # it from the trigger header, and so does the bench. Any 2xx counts,
                # so a 204 autosave reply is a success too.
                ok = 200 <= reply.status < 300 and '"invalid": true' not in (
                    reply.headers.get("HX-Trigger") or ""
                )
        except urllib.error.HTTPError as exc:
            text, ok = exc.read().decode(errors="replace"), False
        except OSError:
            text, ok = "", False
        self.stats.add(kind, time.perf_counter() - started, ok)
        return text

    def start(self) -> None:
        """Open the link and say who answers: what every respondent does first."""
        self.request("page", self.link)
        self.request("page", self.link + "besturen/")
        self.request(
            "form",
            self.link + "besturen/",
            {
                "respondent_name": "Bench",
                "respondent_email": "bench@bench.invalid",
                "respondent_function": "Burgemeester",
            },
        )

    def run(self, spec) -> None:
        from surveys import branching

        try:
            self.start()
            answers: dict = {}
            section = branching.next_section(spec, answers, None)
            while section:
                html = self.request("page", f"{self.link}vragen/{section}/")
                revisions = {code: int(rev) for code, rev in REV.findall(html)}
                for question in spec.in_section(section):
                    visibility = branching.evaluate(spec, answers)
                    if question.code not in visibility.visible:
                        continue
                    fields, value = answer_fields(question, visibility)
                    if fields is None:
                        continue
                    fields += [
                        ("_question", question.code),
                        (f"q-{question.code}-rev", revisions.get(question.code, 0)),
                    ]
                    self.request(
                        "autosave", f"{self.link}vragen/{section}/opslaan/", fields
                    )
                    answers[question.code] = value
                section = branching.next_section(spec, answers, section)
            self.request("page", self.link + "overzicht/")
        except TimeoutError:
            return


def answer_fields(question, visibility) -> tuple[list | None, object]:
    """Form fields (and the contract value) for a plausible answer to one question."""
    name = f"q-{question.code}"
    options = [o for o in question.options if not o.exclusive and not o.is_other]
    if question.type == "single" and question.options:
        return [(name, question.options[0].code)], question.options[0].code
    if question.type == "multiple" and options:
        return [(name, options[0].code)], [options[0].code]
    if question.type == "matrix" and question.options:
        rows = visibility.rows.get(question.code, ())
        scale = question.options[0].code
        return [(f"{name}-r-{row}", scale) for row in rows], dict.fromkeys(rows, scale)
    if question.type == "text":
        return [
            (name, "Antwoord uit de belastingstest.")
        ], "Antwoord uit de belastingstest."
    if question.type == "number":
        number = int(question.settings.get("min") or 1)
        return [(name, str(number))], number
    return None, None


def run_phase(threads: list[threading.Thread]) -> float:
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def healthz_worker(base: str, count: int, stats: Stats, deadline: float) -> None:
    for _ in range(count):
        if time.monotonic() > deadline:
            return
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=30) as reply:  # noqa: S310
                ok = reply.read() == b"ok"
        except OSError:
            ok = False
        stats.add("healthz", time.perf_counter() - started, ok)


# --- report -----------------------------------------------------------------


def summarise(stats: Stats, walls: dict[str, float]) -> list[dict]:
    rows = []
    for kind in ("page", "autosave", "form", "healthz"):
        values = sorted(stats.samples.get(kind, []))
        if not values:
            continue
        cuts = (
            statistics.quantiles(values, n=100, method="inclusive")
            if len(values) > 1
            else values * 99
        )
        wall = walls["healthz" if kind == "healthz" else "respondents"]
        rows.append(
            {
                "kind": kind,
                "requests": len(values),
                "errors": stats.errors.get(kind, 0),
                "p50": cuts[49] * 1000,
                "p95": cuts[94] * 1000,
                "p99": cuts[98] * 1000,
                "rps": len(values) / wall,
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| kind | requests | errors | p50 ms | p95 ms | p99 ms | throughput req/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['kind']} | {r['requests']} | {r['errors']} | {r['p50']:.1f} | "
            f"{r['p95']:.1f} | {r['p99']:.1f} | {r['rps']:.1f} |"
        )
    return "\n".join(lines)


def write_docs(rows: list[dict], args, walls: dict[str, float]) -> None:
    command = (
        f".venv/bin/python bench/load_bench.py --respondents {args.respondents} "
        f"--workers {args.workers} --worker-class {args.worker_class} "
        f"--threads {args.threads} --write-docs"
    )
    measured = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    setup = (
        f"Measured {measured} on this machine ({os.cpu_count()} CPUs), loopback "
        f"only: gunicorn {args.worker_class} ({args.workers} workers x "
        f"{args.threads} threads) + local PostgreSQL (`{args.db_name}`), eager "
        "Celery (no mail is sent: the bench does not submit). "
        f"{args.respondents} concurrent simulated respondents open their link, fill "
        "in the besturen form, page through every visible section of the 2024 "
        "instrument and autosave each visible question (as htmx does), then open "
        f"the review page. The respondent phase took {walls['respondents']:.1f} s; "
        f"the /healthz baseline (same {args.respondents} threads, no database) "
        f"{walls['healthz']:.1f} s."
    )
    section = "\n".join(
        [
            "## Load",
            "",
            setup,
            "",
            table(rows),
            "",
            "`page` = GET of start, besturen, section and review pages; "
            "`autosave` = htmx POST of one question; `form` = POST of the besturen "
            "form (incl. redirect); `healthz` = trivial view. Latency includes "
            "queueing for a free worker, so it mostly shows the server's capacity "
            "at this concurrency.",
            "",
            "Rerun:",
            "",
            "```sh",
            command,
            "```",
            "",
        ]
    )
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Load\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    args = parse_args()
    env = db_env(args.db_name)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vvsg_survey.settings")
    sys.path.insert(0, str(ROOT))
    recreate_database(env, keep=args.keep_db)
    print(f"preparing {args.respondents} invitations in {args.db_name} ...", flush=True)
    links, spec = prepare_data(args.respondents)
    from django.db import connections

    connections.close_all()
    proc, base = start_gunicorn(env, args)
    print(f"gunicorn {args.worker_class} x{args.workers} on {base}", flush=True)
    stats, walls = Stats(), {}
    try:
        deadline = time.monotonic() + args.duration
        walls["respondents"] = run_phase(
            [
                threading.Thread(
                    target=Respondent(
                        base, link, stats, deadline, args.max_requests
                    ).run,
                    args=(spec,),
                )
                for link in links
            ]
        )
        deadline = time.monotonic() + args.duration
        walls["healthz"] = run_phase(
            [
                threading.Thread(
                    target=healthz_worker,
                    args=(base, args.healthz_requests, stats, deadline),
                )
                for _ in links
            ]
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    rows = summarise(stats, walls)
    print(table(rows))
    if args.write_docs:
        write_docs(rows, args, walls)
        print(f"wrote section 'Load' in {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
