"""Staff accounts: login lockout (django-axes), TOTP for who can see answers, and
sessions that end after inactivity."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from responses.demo import DEMO_PASSWORD, DEMO_USERNAME, ensure_demo_user
from tests.conftest import ROOT
from tests.security.world import invite, open_campaign

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(
        "beheerder", "b@vvsg.test", "juist-wachtwoord-42"
    )


def _login(client, password, address="192.0.2.10", username="beheerder"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_ten_failures_lock_the_username_at_that_address(client, admin_user):
    failures = [_login(client, f"fout-{i}") for i in range(10)]
    locked = _login(client, "juist-wachtwoord-42")
    elsewhere = Client()
    other_address = _login(elsewhere, "juist-wachtwoord-42", address="198.51.100.3")

    # The tenth failure already answers with the lockout page.
    assert [r.status_code for r in failures] == [200] * 9 + [429]
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Aanmelden tijdelijk geblokkeerd" in html
    assert "10 keer een verkeerd wachtwoord" in html
    assert "_auth_user_id" not in client.session
    assert other_address.status_code == 302
    attempt = AccessAttempt.objects.get(username="beheerder", ip_address="192.0.2.10")
    assert attempt.failures_since_start == 11  # the locked-out try counts too


def test_success_resets_the_failure_count(client, admin_user):
    for i in range(9):
        _login(client, f"fout-{i}")
    ok = _login(client, "juist-wachtwoord-42")
    client.logout()
    again = [_login(client, f"nog-fout-{i}") for i in range(9)]
    still_ok = _login(client, "juist-wachtwoord-42")

    assert ok.status_code == 302
    assert [r.status_code for r in again] == [200] * 9
    assert still_ok.status_code == 302


def test_lockouts_are_visible_in_the_admin(client, admin_user, django_user_model):
    for i in range(10):
        _login(client, f"fout-{i}", username="onbekend")
    viewer = Client()
    viewer.force_login(admin_user)

    page = viewer.get(reverse("admin:axes_accessattempt_changelist"))

    assert page.status_code == 200
    assert "onbekend" in page.content.decode()
    assert "192.0.2.10" in page.content.decode()


def test_demo_login_works_without_second_factor_on_the_embedded_default(
    client, settings
):
    assert settings.OTP_REQUIRED is False
    ensure_demo_user()

    login = client.post(LOGIN, {"username": DEMO_USERNAME, "password": DEMO_PASSWORD})
    page = client.get(reverse("responses:results-list"))

    assert login.status_code == 302
    assert page.status_code == 200


def _code(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():0{device.digits}d}"


def test_second_factor_enrolment_then_verification(client, settings, admin_user):
    settings.OTP_REQUIRED = True
    client.force_login(admin_user)
    results = reverse("responses:results-list")

    first = client.get(results)
    enrol = client.get(first.headers["Location"])
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    wrong = client.post(reverse("twofactor-enrol"), {"code": "000000"})
    too_soon = client.post(reverse("twofactor-enrol"), {"code": _code(device)})
    # django-otp throttles after a wrong code; the wait is over for this test.
    TOTPDevice.objects.update(throttling_failure_count=0)
    right = client.post(
        reverse("twofactor-enrol"), {"code": _code(device), "next": results}
    )
    through = client.get(results)

    assert first.status_code == 302
    assert first.headers["Location"].startswith(reverse("twofactor-enrol"))
    html = enrol.content.decode()
    assert "data:image/svg+xml;base64," in html
    assert "otpauth://totp/" in html
    assert "Deze code klopt niet of is verlopen." in wrong.content.decode()
    assert "Te veel foute codes na elkaar." in too_soon.content.decode()
    assert right.headers["Location"] == results
    assert through.status_code == 200
    assert TOTPDevice.objects.get(user=admin_user).confirmed is True

    # A new session with only the password goes to the code page, not enrolment.
    second = Client()
    second.force_login(admin_user)
    asked = second.get(reverse("admin:index"))
    blocked_enrol = second.get(reverse("twofactor-enrol"))
    verified = second.post(
        reverse("twofactor-verify"), {"code": _code(device, 30), "next": "/admin/"}
    )

    assert asked.headers["Location"].startswith(reverse("twofactor-verify"))
    assert blocked_enrol.headers["Location"] == reverse("twofactor-verify")
    assert verified.headers["Location"] == "/admin/"
    assert second.get(reverse("admin:index")).status_code == 200


def test_second_factor_only_for_who_can_see_answers(
    client, settings, django_user_model
):
    settings.OTP_REQUIRED = True
    mailer = django_user_model.objects.create_user("mailer", is_staff=True)
    mailer.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(mailer)

    page = client.get(reverse("responses:list-campaigns"))

    assert page.status_code == 200
    assert TOTPDevice.objects.count() == 0


def test_second_factor_is_required_by_default_in_production():
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.OTP_REQUIRED, settings.SESSION_COOKIE_AGE, "
        "settings.SESSION_SAVE_EVERY_REQUEST)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "vvsg_survey.settings",
            "HTTPS": "true",
            "CACHE_URL": "redis://r:6379/1",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.stdout.split() == ["True", "3600", "True"]


def test_staff_session_expires_after_inactivity(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    before = Session.objects.get().expire_date

    client.get(reverse("admin:index"))
    slid = Session.objects.get().expire_date
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = client.get(reverse("admin:index"))

    assert slid >= before  # every request pushes the expiry forward
    assert expired.status_code == 302
    assert expired.headers["Location"].startswith(reverse("admin:login"))


def test_respondent_pages_open_no_session(client):
    mayor = invite(campaign=open_campaign())

    page = client.get(mayor.url())

    assert page.status_code == 200
    assert "sessionid" not in page.cookies
    assert Session.objects.count() == 0
