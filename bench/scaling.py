"""`python -m bench.ratios --scaling`: one vs two web processes and Celery workers.

Two gunicorn masters (gthread 4x2 each) on two loopback ports and two Celery
workers share one PostgreSQL database and one Redis (broker db 13, cache db 14). The
load generator spreads every client's requests round-robin over the base URLs.
Measures autosave and section-page throughput with one and with two web processes
(alternating), mail throughput with one and two workers, and checks that no mail
goes out twice, that a staff session begun on web A works on web B, and that failed
link lookups on A and B count against one rate limit. --write-docs replaces the
"Measured" section of docs/scaling.md.
"""

from __future__ import annotations

import argparse
import os
import re
import time
import urllib.error
import urllib.request
from typing import Any

from bench import load_bench, mail_throughput
from bench.ratio_web import (
    Client,
    autosave_loop,
    plan_for,
    run_window,
    section_loop,
    starting,
    summary,
)
from bench.ratios import (
    LOGS,
    SINK_PORT,
    WEB_PORTS,
    Mode,
    celery_run,
    load_average,
    start_sink,
    start_web,
    stop,
    worker_args,
)
from bench.ratios_report import commit

DOCS = load_bench.ROOT / "docs" / "scaling.md"
STAFF = ("bench-staff", "bench-staff-password-0")


def web_throughput(
    bases: list[str], links: list[str], spec: Any, mode: Mode
) -> list[dict[str, float]]:
    """Per pair: req/s of autosave and section pages with web A, then A+B."""
    stats = load_bench.Stats()
    respondents = [Client(bases, link, stats) for link in links]
    run_window([starting(r) for r in respondents], 0)
    plan = plan_for(spec)
    rows = []
    for i in range(mode.pairs):
        row: dict[str, float] = {}
        for path, make in (("autosave", autosave_loop), ("section", section_loop)):
            for label, used in (("1", bases[:1]), ("2", bases)):
                for r in respondents:
                    r.use(used)
                kind = f"{path}-{label}-{i}"
                wall = run_window([make(r, kind, plan) for r in respondents], 8)
                window = summary(stats, kind, wall)
                row[f"{path}_{label}"] = window.rps
                row["errors"] = row.get("errors", 0) + window.errors
        print(f"  pair {i + 1} web: {row}", flush=True)
        rows.append(row)
    return rows


def session_shared(bases: list[str]) -> bool:
    """Log in to the admin on A; the console on B must then open without a login."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    if not user_model.objects.filter(username=STAFF[0]).exists():
        user_model.objects.create_superuser(STAFF[0], "staff@bench.test", STAFF[1])
    client = Client(bases[:1], "", load_bench.Stats())
    client.request("login", "/admin/login/")
    client.request(
        "login",
        "/admin/login/",
        {"username": STAFF[0], "password": STAFF[1], "next": "/admin/"},
    )
    client.use(bases[1:])
    page = client.request("console", "/beheer/campagnes/")
    # The console lists the load campaign only to a logged-in staff member.
    return 'name="password"' not in page and "Belastingstest" in page


def first_limited(bases: list[str]) -> tuple[int, int]:
    """Failed link lookups alternating A, B: the number of the first 429."""
    from django.conf import settings
    from django.core.cache import cache

    cache.clear()
    limit = settings.TOKEN_RATE_LIMIT
    for i in range(1, 3 * limit + 1):
        url = f"{bases[i % len(bases)]}/b/bench-unknown-link-{i}/"
        try:
            urllib.request.urlopen(url, timeout=30).read()  # noqa: S310
        except urllib.error.HTTPError as exc:
            if exc.code == 429:
                return i, limit
    return 0, limit


def mail_scaling(mode: Mode, args: argparse.Namespace) -> list[dict[str, Any]]:
    controller, handler = start_sink()
    wargs = worker_args(args.mail_concurrency)
    first = mail_throughput.start_worker(
        wargs, SINK_PORT, LOGS / "vvsg-scaling-worker-a.log", name="-a"
    )
    runs = []
    try:
        for i in range(1):  # one (1 worker, 2 workers) pair: 4,000 mails
            one = celery_run(handler, mode.mails, f"scaling-1w-{i}")
            second = mail_throughput.start_worker(
                wargs,
                SINK_PORT,
                LOGS / "vvsg-scaling-worker-b.log",
                name="-b",
                flush=False,
            )
            try:
                two = celery_run(handler, mode.mails, f"scaling-2w-{i}")
            finally:
                stop(second)
            runs += [{"workers": 1, **one}, {"workers": 2, **two}]
            print(f"  pair {i + 1} mail: {one} | {two}", flush=True)
    finally:
        stop(first)
        controller.stop()
    return runs


def run(
    mode: Mode,
    args: argparse.Namespace,
    links: list[str],
    spec: Any,
    *,
    load_before: str,
) -> None:
    started = time.monotonic()
    webs = [start_web(port, args.db_name) for port in WEB_PORTS]
    bases = [base for _, base in webs]
    try:
        web = web_throughput(bases, links, spec, mode)
        limited_at, limit = first_limited(bases)
        shared = session_shared(bases)
    finally:
        for proc, _ in webs:
            stop(proc)
    mail = mail_scaling(mode, args)
    text = render(
        mode,
        web,
        mail,
        shared,
        (limited_at, limit),
        (load_before, load_average()),
        (time.monotonic() - started) / 60,
    )
    print(text)
    if args.write_docs:
        write_docs(text)


def render(mode, web, mail, shared, limited, load, minutes) -> str:
    def mean(key: str) -> float:
        return sum(row[key] for row in web) / len(web)

    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit "
        f"{commit()}, `{mode.name}` mode, {os.cpu_count()} CPUs, {minutes:.1f} min. "
        f"Load average (1/5/15 min) before: {load[0]}; after: {load[1]}.",
        "",
        "| path | 1 process | 2 processes | 2 ÷ 1 |",
        "|---|---:|---:|---:|",
    ]
    for path, name in (("autosave", "autosave req/s"), ("section", "section req/s")):
        one, two = mean(f"{path}_1"), mean(f"{path}_2")
        lines.append(
            f"| {name}, 50 concurrent (web) | {one:.1f} | {two:.1f} | {two / one:.2f} |"
        )
    rates = {
        workers: [mode.mails / m["seconds"] for m in mail if m["workers"] == workers]
        for workers in (1, 2)
    }
    one, two = (sum(rates[w]) / len(rates[w]) for w in (1, 2))
    lines.append(
        f"| invitation mails/s, {mode.mails:,} per run (Celery workers) | "
        f"{one:.1f} | {two:.1f} | {two / one:.2f} |"
    )
    duplicates = [
        m for m in mail if not (m["rcpts"] == m["distinct"] == m["sent_rows"])
    ]
    lines += [
        "",
        f"- Web: {len(web)} alternating pairs of 8 s windows; errors over all "
        f"windows: {sum(int(row['errors']) for row in web)}.",
        "- Mail runs (workers: RCPTs at the sink / distinct addresses / SENT rows): "
        + "; ".join(
            f"{m['workers']}: {m['rcpts']} / {m['distinct']} / {m['sent_rows']}"
            for m in mail
        )
        + (" — no duplicate mail." if not duplicates else " — DUPLICATES."),
        f"- Session: staff login on web A, console on web B "
        f"{'opens without a new login' if shared else 'FAILED'} (database sessions).",
        f"- Rate limit: failed link lookups alternating A and B; the first 429 came "
        f"at lookup {limited[0]} with TOKEN_RATE_LIMIT={limited[1]} "
        f"({'one shared counter' if limited[0] == limited[1] + 1 else 'NOT shared'},"
        " Redis cache).",
    ]
    return "\n".join(lines)


def write_docs(text: str) -> None:
    doc = DOCS.read_text(encoding="utf-8")
    section = f"## Measured\n\n{text}\n\n"
    pattern = re.compile(r"^## Measured\n.*?(?=^## |\Z)", re.S | re.M)
    doc = (
        pattern.sub(lambda _: section, doc, count=1)
        if pattern.search(doc)
        else doc.rstrip("\n") + "\n\n" + section
    )
    DOCS.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")
    print(f"wrote 'Measured' in {DOCS.relative_to(load_bench.ROOT)}")
