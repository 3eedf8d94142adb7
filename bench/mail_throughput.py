"""Mail throughput: N invitations through the real worker vs a plain smtplib loop.

Real services: PostgreSQL (a dedicated database, recreated), Redis, a `celery worker`
subprocess and an aiosmtpd sink on loopback. Not part of the test suite.

    DB_HOST=127.0.0.1 DB_USER=postgres \
        .venv/bin/python bench/mail_throughput.py --n 10000

Prints one Markdown table row per variant (mails/s, total seconds, peak RSS).
"""

from __future__ import annotations

import argparse
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--db", default=os.environ.get("BENCH_DB_NAME", "vvsg_bench_mail")
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
    )
    parser.add_argument("--port", type=int, default=8825)
    return parser.parse_args()


class CountingHandler:
    """Counts accepted recipients (and how often each address was seen); keeps no
    message bodies, so memory stays flat."""

    def __init__(self) -> None:
        self.count = 0
        self.recipients: Counter[str] = Counter()
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.count = 0
            self.recipients.clear()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.count += len(envelope.rcpt_tos)
            self.recipients.update(envelope.rcpt_tos)
        return "250 OK"


def wait_for(handler: CountingHandler, n: int, timeout: float) -> float:
    start = time.monotonic()
    while handler.count < n and time.monotonic() - start < timeout:
        time.sleep(0.01)
    if handler.count < n:
        raise SystemExit(f"only {handler.count}/{n} mails arrived in {timeout}s")
    return time.monotonic()


def recreate_database(args) -> None:
    from bench.load_bench import db_env
    from bench.load_bench import recreate_database as recreate

    recreate(db_env(args.db), keep=False)


def setup_django(args, port: int) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="vvsg_survey.settings",
        DB_ENGINE="postgresql",
        DB_NAME=args.db,
        DB_HOST=os.environ.get("DB_HOST", "127.0.0.1"),
        DB_USER=os.environ.get("DB_USER", "postgres"),
        CELERY_BROKER_URL=args.redis,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n: int):
    from django.utils import timezone

    from municipalities.models import Contact, ContactRole, Municipality, Province
    from responses.models import Campaign, CampaignStatus
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
    instrument = Instrument.objects.create(code="bench", version="1", title="Bench")
    now = timezone.now()
    return Campaign.objects.create(
        instrument=instrument,
        name="Bench",
        slug="bench",
        status=CampaignStatus.OPEN,
        opens_at=now,
        closes_at=now + timedelta(days=30),
    )


def start_worker(
    args, port: int, log: Path, *, name: str = "", flush: bool = True
) -> subprocess.Popen:
    """A `celery worker` subprocess on args.redis; returns once it answers a ping.

    `flush` empties the broker's Redis database first (leave it off for a second
    worker joining the first); `name` tells several workers of one run apart.
    """
    env = {
        **os.environ,
        "DB_CONN_MAX_AGE": "60",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "CELERY_BROKER_URL": args.redis,
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
            f"--concurrency={args.concurrency}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-{os.getpid()}{name}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    import redis

    if flush:
        redis.Redis.from_url(args.redis).flushdb()
    # "ready" is logged at INFO only; wait until the worker consumes a probe instead.
    from vvsg_survey.celery import app

    app.conf.update(broker_url=args.redis, task_always_eager=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        if any(f"bench-{os.getpid()}{name}@" in key for r in replies for key in r):
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


def bench_worker(args, handler, port: int) -> tuple[float, float]:
    from responses.mailing.campaigns import send_invitations

    campaign = seed(args.n)
    log = ROOT / "var" / "bench-worker.log"
    log.parent.mkdir(exist_ok=True)
    proc = start_worker(args, port, log)
    try:
        start = time.monotonic()
        send_invitations(campaign=campaign)
        end = wait_for(handler, args.n, timeout=max(600, args.n / 5))
        rss = peak_rss_mib(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    return end - start, rss


def bench_smtplib(args, handler, port: int) -> float:
    from email.message import EmailMessage

    handler.reset()
    start = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port) as conn:
        for i in range(args.n):
            msg = EmailMessage()
            msg["From"] = "VVSG <radicalisering@vvsg.be>"
            msg["To"] = f"mayor{i:05d}@bench.test"
            msg["Subject"] = "Ledenbevraging"
            msg.set_content("Beste burgemeester,\n\nhttps://example.test/b/token/\n")
            conn.send_message(msg)
    return wait_for(handler, args.n, timeout=600) - start


def main() -> None:
    args = parse_args()
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        recreate_database(args)
        setup_django(args, args.port)
        worker_s, rss = bench_worker(args, handler, args.port)
        plain_s = bench_smtplib(args, handler, args.port)
    finally:
        controller.stop()
    n = args.n
    print("| Variant | Mails | Total (s) | Mails/s | Peak RSS worker (MiB) |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| Celery worker (prefork x{args.concurrency}), claim + render + SMTP | "
        f"{n} | {worker_s:.1f} | {n / worker_s:.0f} | {rss:.0f} |"
    )
    print(
        f"| Plain smtplib loop, one connection | {n} | {plain_s:.1f} | "
        f"{n / plain_s:.0f} | - |"
    )


if __name__ == "__main__":
    main()
