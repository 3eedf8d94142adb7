"""Helpers for the fault suite: a private redis-server the tests may kill."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import _free_port, missing_service


@dataclass
class PrivateRedis:
    """A throw-away redis-server on loopback; never the machine's shared 6379."""

    port: int
    log: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with self.log.open("ab") as out:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [
                    shutil.which("redis-server") or "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--protected-mode",
                    "yes",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(
            f"private redis-server did not start:\n{self.log.read_text()}"
        )

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        missing_service("redis-server is not installed (apt-get install redis-server)")
    server = PrivateRedis(port=_free_port(), log=tmp_path / "redis.log")
    server.start()
    yield server
    server.kill()


def use_broker(app, url: str) -> None:
    """Point the Celery app at `url`, dropping pooled connections to an old broker."""
    from kombu import pools

    app.conf.broker_url = url
    pools.reset()  # kombu keeps process-wide pools keyed by connection
    app._pool = None
    app.amqp._producer_pool = None
