"""CSRF: every POST endpoint of the app refuses a request without a token.

Endpoints are discovered from the URL resolver (namespaces below), so a view added
later is covered without touching this file. The CSRF check runs before the view,
so placeholder URL arguments that merely match the converters are enough; the
positive control proves the same request passes once it carries the token.
"""

from __future__ import annotations

import uuid

import pytest
from django.apps import apps
from django.core import serializers
from django.test import Client
from django.urls import URLPattern, URLResolver, converters, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from responses.models import Answer
from tests.security.world import invite, open_campaign

pytestmark = pytest.mark.django_db

NAMESPACES = ("responses", "surveys", "municipalities", "admin")
APPS = ("responses", "municipalities", "surveys", "auth")
# RFC 8058 one-click unsubscribe: the mail provider POSTs without cookie or token;
# the signed link is the authority and it can only stop reminders
# (tests/responses/mailing/test_mail_clients.py refuses a forged one).
CSRF_EXEMPT = {"responses:unsubscribe"}


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry


def _placeholder(converter, token: str):
    if isinstance(converter, converters.IntConverter):
        return 1
    if isinstance(converter, converters.UUIDConverter):
        return uuid.uuid4()
    if isinstance(converter, converters.SlugConverter):
        return "a"
    return token


def post_endpoints(token: str) -> list[str]:
    urls = []
    for namespace in NAMESPACES:
        _, resolver = get_resolver().namespace_dict[namespace]
        for pattern in _patterns(resolver):
            if (
                isinstance(pattern.pattern, RegexPattern)
                and pattern.pattern.regex.groupindex
            ):
                continue  # re_path with free-form groups (admin app_list): GET only
            if f"{namespace}:{pattern.name}" in CSRF_EXEMPT:
                continue
            kwargs = {
                name: _placeholder(conv, token)
                for name, conv in getattr(pattern.pattern, "converters", {}).items()
            }
            urls.append(reverse(f"{namespace}:{pattern.name}", kwargs=kwargs))
    return urls


def _snapshot() -> str:
    models = [m for label in APPS for m in apps.get_app_config(label).get_models()]
    return "".join(
        serializers.serialize("json", m.objects.order_by("pk")) for m in models
    )


@pytest.fixture
def staff_client(django_user_model):
    user = django_user_model.objects.create_superuser("csrf-admin", "a@vvsg.test", "pw")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_every_post_endpoint_requires_csrf_token(staff_client):
    mayor = invite(campaign=open_campaign())
    urls = post_endpoints(mayor.token)
    payload = {
        "_question": "q4",
        "q-q4": "zonder csrf",
        "action": "next",
        "name": "X",
        "email": "x@example.test",
        "format": "csv",
    }
    before = _snapshot()

    refused = {url: staff_client.post(url, payload).status_code for url in urls}

    assert len(urls) >= 30  # respondent flow (10 routes) + staff + admin
    assert refused == {url: 403 for url in urls}
    assert _snapshot() == before
    assert Answer.objects.count() == 0


def test_post_with_csrf_token_passes_the_check(staff_client):
    mayor = invite(campaign=open_campaign())
    staff_client.get(mayor.url("vragen/b/"))
    token = staff_client.cookies["csrftoken"].value

    reply = staff_client.post(
        mayor.url("vragen/b/opslaan/"),
        {"_question": "q4", "q-q4": "met csrf", "csrfmiddlewaretoken": token},
    )

    assert reply.status_code == 204
    assert Answer.objects.get(response=mayor.response).value == "met csrf"
