"""Security headers (CSP, framing, sniffing, referrer, HSTS) on every kind of page.

`check --deploy` with the production environment is tested once, in
tests/municipalities/test_deployment.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.security.world import invite, open_campaign

pytestmark = pytest.mark.django_db


def _assert_hardened(reply) -> None:
    csp = reply.headers["Content-Security-Policy"]
    directives = {
        part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()
    }
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["frame-ancestors"] == ["'none'"]
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "same-origin"
    # Answers on a sensitive topic: no copy in a proxy or the browser's history.
    assert "no-store" in reply.headers["Cache-Control"]
    assert "private" in reply.headers["Cache-Control"]
    assert reply.headers["Permissions-Policy"] == (
        "camera=(), microphone=(), geolocation=()"
    )
    assert reply.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def pages(django_user_model):
    campaign = open_campaign()
    mayor = invite(campaign=campaign)
    admin = django_user_model.objects.create_superuser("hdr-admin", "h@vvsg.test", "pw")
    return {
        "respondent": [
            mayor.url(),
            mayor.url("vragen/a/"),
            mayor.url("overzicht/"),
            "/b/onbekende-link/",
        ],
        "admin": [
            reverse("admin:index"),
            reverse("admin:municipalities_municipality_changelist"),
            reverse(
                "admin:municipalities_municipality_change",
                args=[mayor.invitation.municipality_id],
            ),
            reverse("admin:responses_response_changelist"),
            reverse("admin:responses_response_change", args=[mayor.response.pk]),
        ],
        "staff": [
            reverse("responses:export-form", args=[campaign.slug]),
            reverse("responses:results-list"),
            reverse("responses:results-overview", args=[campaign.slug]),
            reverse("responses:list-campaigns"),
            reverse("responses:show-campaign", args=[campaign.slug]),
            reverse("responses:show-response-rate", args=[campaign.slug]),
            reverse("responses:list-deliveries", args=[campaign.slug]),
        ],
        "user": admin,
    }


def test_security_headers_on_respondent_admin_and_staff_pages(client, pages):
    client.force_login(pages["user"])
    for area in ("respondent", "admin", "staff"):
        for url in pages[area]:
            reply = client.get(url)
            assert reply.status_code in (200, 404), (url, reply.status_code)
            _assert_hardened(reply)
            assert "Strict-Transport-Security" not in reply.headers


def test_hsts_and_secure_cookies_when_https(client, pages, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client.force_login(pages["user"])

    plain = client.get(pages["respondent"][0])
    for url in pages["respondent"][:1] + pages["admin"][:1] + pages["staff"][:1]:
        reply = client.get(url, secure=True)
        _assert_hardened(reply)
        assert reply.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        )

    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")


def test_csp_comes_from_djangos_own_middleware(settings):
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in (
        settings.MIDDLEWARE
    )
    assert settings.SECURE_CSP["script-src"] == ["'self'"]
    assert not hasattr(settings, "CONTENT_SECURITY_POLICY")
