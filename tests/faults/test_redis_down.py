"""Fault: the broker (Redis) dies while respondents autosave and submit.

A private redis-server is started on a free loopback port and killed; the shared
Redis on 6379 is never touched. Expected: answers are stored and the pages work
(no error page), the confirmation mail stays PENDING in the database, and once Redis
is back the recovery path (send_due_reminders -> recover_deliveries) re-enqueues it
and a real worker delivers it exactly once.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone

from responses.mailing.reminders import send_due_reminders
from responses.models import (
    Answer,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    ResponseStatus,
)
from tests.faults.conftest import use_broker
from tests.security.world import invite, open_campaign

pytestmark = [pytest.mark.services]


@pytest.fixture
def redis_url(private_redis):
    """The worker and broker fixtures of tests/conftest.py use the private server."""
    return private_redis.url


def _answer_all(client, mayor) -> list[int]:
    """Autosave every question of the small instrument; returns the status codes."""
    posts = [
        ("a", {"_question": "q1", "q-q1": "nee"}),
        ("a", {"_question": "q3", "q-q3-r-r1": "2"}),
        ("b", {"_question": "q4", "q-q4": "bewaard terwijl Redis plat lag"}),
        ("b", {"_question": "q5", "q-q5": "7"}),
    ]
    return [
        client.post(mayor.url(f"vragen/{section}/opslaan/"), data).status_code
        for section, data in posts
    ]


def test_redis_down_autosave_and_submit_then_mail_once_after_recovery(
    smtp_sink, celery_worker_process, celery_broker, private_redis, client, settings
):
    use_broker(celery_broker, private_redis.url)
    # As in production (docker-compose CACHE_URL): the link rate limit lives in Redis.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url.replace("/0", "/1"),
        }
    }
    mayor = invite(campaign=open_campaign(), email="burgemeester@gemeente.test")

    private_redis.kill()
    # The fault happened: the broker refuses connections now.
    with pytest.raises(redis.exceptions.ConnectionError):
        redis.Redis.from_url(private_redis.url, socket_connect_timeout=1).ping()
    autosaves = _answer_all(client, mayor)
    started = time.monotonic()
    submit = client.post(mayor.url("indienen/"))
    submit_seconds = time.monotonic() - started
    print(f"submit with the broker down took {submit_seconds:.2f} s")
    thanks = client.get(mayor.url("bedankt/"))

    assert autosaves == [204, 204, 204, 204]  # saved, no fragment needed
    stored = dict(
        Answer.objects.filter(response=mayor.response).values_list(
            "question__code", "value"
        )
    )
    assert stored == {
        "q1": "nee",
        "q3": {"r1": "2"},
        "q4": "bewaard terwijl Redis plat lag",
        "q5": 7,
    }
    assert submit.status_code == 302 and submit.headers["Location"].endswith(
        "/bedankt/"
    )
    assert thanks.status_code == 200
    assert submit_seconds < 15  # a dead broker must not hang the request
    mayor.response.refresh_from_db()
    assert mayor.response.status == ResponseStatus.SUBMITTED
    confirmation = Delivery.objects.get(
        invitation=mayor.invitation, kind=DeliveryKind.CONFIRMATION
    )
    assert confirmation.status == DeliveryStatus.PENDING
    assert smtp_sink.messages == []

    # Redis comes back on the same port; the beat tick's recovery re-enqueues.
    private_redis.start()
    use_broker(celery_broker, private_redis.url)
    later = timezone.now() + timedelta(
        seconds=django_settings.MAIL_REQUEUE_AFTER_SECONDS + 60
    )
    recovered = send_due_reminders(now=later)
    first = smtp_sink.wait_for(1, timeout=60)
    # A second tick (and a duplicate hint) must not send it again; the list is read
    # again after it had time to deliver a duplicate.
    second_tick = send_due_reminders(now=later)
    after_second_tick = smtp_sink.wait_for(2, timeout=3)

    assert recovered["recovered"]["requeued"] == 1
    assert len(first) == 1
    assert second_tick["recovered"]["requeued"] == 0
    assert len(after_second_tick) == 1
    assert smtp_sink.recipients() == ["burgemeester@gemeente.test"]
    confirmation.refresh_from_db()
    assert confirmation.status == DeliveryStatus.SENT
