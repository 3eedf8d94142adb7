"""Mail throughput: N invitations through the real worker vs a plain smtplib loop.

Real services: PostgreSQL (a dedicated database, recreated), Redis, a `celery worker`
subprocess and an aiosmtpd sink on loopback (a thread of this process). The floor
is a plain smtplib loop (one connection, one small EmailMessage per mail) in its own
process, so it does not share this process's GIL with the sink, exactly like the
worker. Floor and worker runs alternate (`--pairs`), with the load average before
and after each run. Not part of the test suite.

    DB_HOST=127.0.0.1 DB_USER=postgres .venv/bin/python bench/mail_throughput.py \\
        --n 2000 --pairs 3

Prints a Markdown table (one row per run) and the ratio worker/floor per pair.
`measure_mail_ratio()` returns the same numbers for other scripts.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLOOR = r"""
import smtplib, sys, time
from email.message import EmailMessage
port, n, tag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
start = time.monotonic()
with smtplib.SMTP("127.0.0.1", port) as conn:
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = "VVSG <radicalisering@vvsg.be>"
        msg["To"] = f"floor{tag}-{i:05d}@bench.test"
        msg["Subject"] = "Ledenbevraging"
        msg.set_content("Beste burgemeester,\n\nhttps://example.test/b/token/\n")
        conn.send_message(msg)
print(time.monotonic() - start)
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--db", default=os.environ.get("BENCH_DB_NAME", "vvsg_bench_mail")
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
    )
    parser.add_argument("--port", type=int, default=8825)
    return parser.parse_args()


class CountingHandler:
    """Counts accepted recipients; keeps no message bodies (memory stays flat)."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.count += len(envelope.rcpt_tos)
        return "250 OK"


def wait_for(handler: CountingHandler, n: int, timeout: float) -> float:
    start = time.monotonic()
    while handler.count < n and time.monotonic() - start < timeout:
        time.sleep(0.005)
    if handler.count < n:
        raise SystemExit(f"only {handler.count}/{n} mails arrived in {timeout}s")
    return time.monotonic()


def recreate_database(db: str) -> None:
    import psycopg

    conninfo = {
        "host": os.environ.get("DB_HOST", "127.0.0.1"),
        "user": os.environ.get("DB_USER", "postgres"),
        "password": os.environ.get("DB_PASSWORD", ""),
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**conninfo) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')


def setup_django(db: str, redis_url: str, port: int) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="vvsg_survey.settings",
        DB_ENGINE="postgresql",
        DB_NAME=db,
        DB_HOST=os.environ.get("DB_HOST", "127.0.0.1"),
        DB_USER=os.environ.get("DB_USER", "postgres"),
        CELERY_BROKER_URL=redis_url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n: int) -> None:
    from municipalities.models import Contact, ContactRole, Municipality, Province
    from surveys.models import Instrument

    province = Province.objects.create(nis_code="10000", name="Antwerpen")
    munis = Municipality.objects.bulk_create(
        Municipality(nis_code=f"{i:05d}", name=f"Gemeente {i}", province=province)
        for i in range(n)
    )
    Contact.objects.bulk_create(
        Contact(
            municipality=m,
            role=ContactRole.MAYOR,
            name=f"Burgemeester {m.name}",
            email=f"mayor{m.nis_code}@bench.test",
        )
        for m in munis
    )
    Instrument.objects.create(code="bench", version="1", title="Bench")


def new_campaign(run: int):
    """A fresh open campaign: its send_invitations() queues one mail per mayor."""
    from django.utils import timezone

    from responses.models import Campaign, CampaignStatus
    from surveys.models import Instrument

    now = timezone.now()
    return Campaign.objects.create(
        instrument=Instrument.objects.get(code="bench"),
        name=f"Bench {run}",
        slug=f"bench-{run}",
        status=CampaignStatus.OPEN,
        opens_at=now,
        closes_at=now + timezone.timedelta(days=30),
    )


def start_worker(
    redis_url: str, port: int, concurrency: int, log: Path
) -> subprocess.Popen:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = {
        **os.environ,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "CELERY_BROKER_URL": redis_url,
        "LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "vvsg_survey",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    # "ready" is logged at INFO only; wait until the worker consumes a probe instead.
    from vvsg_survey.celery import app

    app.conf.broker_url = redis_url
    app.conf.task_always_eager = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return proc
        if proc.poll() is not None:
            raise SystemExit(log.read_text())
    raise SystemExit("worker did not start")


def peak_rss_mib(pid: int) -> float:
    """Sum of VmHWM (peak resident set) of the worker's process group."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except (OSError, ProcessLookupError):
            continue
    return total / 1024


def load() -> float:
    return os.getloadavg()[0]


def run_worker(handler: CountingHandler, n: int, run: int) -> dict:
    from collections import Counter

    from responses.mailing.campaigns import send_invitations
    from responses.models import Delivery

    campaign = new_campaign(run)
    handler.count = 0
    before = load()
    start = time.monotonic()
    queued = send_invitations(campaign=campaign)
    queued_s = time.monotonic() - start
    end = wait_for(handler, n, timeout=max(600, n / 5))
    after = load()
    time.sleep(0.5)  # a duplicate would arrive now
    statuses = Counter(
        Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)
    )
    assert queued == n and handler.count == n, (queued, handler.count)
    return {
        "variant": "worker",
        "seconds": end - start,
        "queue_seconds": queued_s,
        "load_before": before,
        "load_after": after,
        "received": handler.count,
        "statuses": dict(statuses),
    }


def run_floor(handler: CountingHandler, n: int, port: int, run: int) -> dict:
    handler.count = 0
    before = load()
    start = time.monotonic()
    subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", FLOOR, str(port), str(n), str(run)],
        check=True,
        capture_output=True,
    )
    end = wait_for(handler, n, timeout=600)
    return {
        "variant": "floor",
        "seconds": end - start,
        "load_before": before,
        "load_after": load(),
        "received": handler.count,
    }


def measure_mail_ratio(
    *,
    n: int = 2000,
    pairs: int = 3,
    concurrency: int = 2,
    db: str = "vvsg_bench_mail",
    redis_url: str = "redis://127.0.0.1:6379/4",
    port: int = 8825,
) -> dict:
    """Alternating floor/worker runs; returns the runs, ratios and peak worker RSS.

    The ratio of a pair is worker mails/s divided by floor mails/s (goal >= 0.5).
    """
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    log = ROOT / "var" / "bench-worker.log"
    log.parent.mkdir(exist_ok=True)
    runs = []
    try:
        recreate_database(db)
        setup_django(db, redis_url, port)
        seed(n)
        proc = start_worker(redis_url, port, concurrency, log)
        try:
            run_worker(handler, n, run=0)  # warm-up (imports, connections); dropped
            for pair in range(1, pairs + 1):
                runs.append(run_floor(handler, n, port, pair))
                runs.append(run_worker(handler, n, pair))
            rss = peak_rss_mib(proc.pid)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
    finally:
        controller.stop()
    ratios = [
        runs[i]["seconds"] / runs[i + 1]["seconds"] for i in range(0, len(runs), 2)
    ]
    return {
        "n": n,
        "concurrency": concurrency,
        "runs": runs,
        "ratios": ratios,
        "peak_rss_mib": rss,
    }


def main() -> None:
    args = parse_args()
    result = measure_mail_ratio(
        n=args.n,
        pairs=args.pairs,
        concurrency=args.concurrency,
        db=args.db,
        redis_url=args.redis,
        port=args.port,
    )
    n = result["n"]
    print("| Run | Variant | Mails | Total (s) | Mails/s | Load before/after |")
    print("|---:|---|---:|---:|---:|---|")
    for number, run in enumerate(result["runs"], start=1):
        label = (
            f"Celery worker (prefork x{args.concurrency}), chunks"
            if run["variant"] == "worker"
            else "Plain smtplib loop, one connection"
        )
        print(
            f"| {number} | {label} | {n} | {run['seconds']:.2f} | "
            f"{n / run['seconds']:.0f} | "
            f"{run['load_before']:.1f} / {run['load_after']:.1f} |"
        )
    ratios = ", ".join(f"{r:.2f}" for r in result["ratios"])
    print(f"\nworker/floor per pair: {ratios}")
    print(f"peak worker RSS (VmHWM, process group): {result['peak_rss_mib']:.0f} MiB")
    for run in result["runs"]:
        if run["variant"] == "worker":
            print(f"queue {run['queue_seconds']:.2f}s, statuses {run['statuses']}")


if __name__ == "__main__":
    main()
