"""Link guessing is limited per address and globally without locking respondents out;
client addresses come from X-Forwarded-For only behind configured proxies."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from tests.conftest import ROOT
from tests.security.world import invite, open_campaign
from vvsg_survey.network import client_ip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def test_valid_link_keeps_working_behind_the_attackers_address(client, settings):
    settings.TOKEN_RATE_LIMIT = 20
    mayor = invite(campaign=open_campaign(), name="Burgemeester Peeters")
    nat = {"REMOTE_ADDR": "192.0.2.50"}

    guesses = [client.get(f"/b/guess-{i:03d}/", **nat).status_code for i in range(25)]
    respondent = client.get(mayor.url(), **nat)

    assert guesses == [404] * 20 + [429] * 5
    assert respondent.status_code == 200
    assert mayor.invitation.campaign.name in respondent.content.decode()


def test_global_limit_stops_guessing_spread_over_many_addresses(client, settings):
    settings.TOKEN_RATE_LIMIT = 1000
    settings.TOKEN_GLOBAL_RATE_LIMIT = 30
    mayor = invite(campaign=open_campaign())

    statuses = [
        client.get(f"/b/guess-{i}/", REMOTE_ADDR=f"198.51.100.{i}").status_code
        for i in range(40)
    ]
    fresh_address = client.get("/b/guess-x/", REMOTE_ADDR="203.0.113.99")
    valid = client.get(mayor.url(), REMOTE_ADDR="203.0.113.99")

    assert statuses == [404] * 30 + [429] * 10
    assert fresh_address.status_code == 429
    assert valid.status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )

    assert client_ip(request) == "10.0.0.2"


@pytest.mark.parametrize(
    ("count", "header", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        # A client-supplied entry left of the proxy's own is ignored.
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        # Shorter chain than configured: the header is not trusted.
        (2, "198.51.100.7", "10.0.0.2"),
        (1, "", "10.0.0.2"),
    ],
)
def test_client_address_behind_trusted_proxies(settings, count, header, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=header
    )

    assert client_ip(request) == expected


def test_limit_keys_on_the_client_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TOKEN_RATE_LIMIT = 3
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for i in range(3):
        client.get(f"/b/guess-{i}/", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)

    attacker = client.get("/b/guess-9/", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    forged = client.get(
        "/b/guess-9/", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5", **proxy
    )
    neighbour = client.get("/b/guess-9/", HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)

    assert (attacker.status_code, forged.status_code) == (429, 429)
    assert neighbour.status_code == 404


def _settings_process(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "vvsg_survey.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_shared_cache():
    done = _settings_process({"HTTPS": "true", "SECRET_KEY": "x" * 60})
    shared = _settings_process(
        {"HTTPS": "true", "SECRET_KEY": "x" * 60, "CACHE_URL": "redis://r:6379/1"}
    )

    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "CACHE_URL" in done.stderr
    assert (shared.returncode, shared.stderr) == (0, "")


@pytest.mark.services
def test_counters_live_in_the_shared_redis_cache(client, settings, redis_url):
    """With CACHE_URL every gunicorn worker reads the same counters."""
    import redis

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "abuse-test",
        }
    }
    settings.TOKEN_RATE_LIMIT = 5
    cache.clear()
    server = redis.Redis.from_url(redis_url)

    statuses = [
        client.get(f"/b/guess-{i}/", REMOTE_ADDR="192.0.2.77").status_code
        for i in range(7)
    ]
    keys = {key.decode() for key in server.keys("abuse-test:*token-fail*")}

    assert statuses == [404] * 5 + [429] * 2
    assert keys == {"abuse-test:1:token-fail:192.0.2.77", "abuse-test:1:token-fail:*"}
    assert int(server.get("abuse-test:1:token-fail:192.0.2.77")) == 7
    cache.clear()
