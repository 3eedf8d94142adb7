"""Two-factor authentication (TOTP, django-otp) for staff who can see answers.

Who may export responses or view results must, when OTP_REQUIRED is on (default
in production), confirm a one-time code after the password before any staff page
opens. A user without a device sets one up first (QR code for an authenticator
app); a user with a device can only add another after verifying with it, so a
stolen password alone never enrols the thief's phone.
"""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

GUARDED_PERMISSIONS = ("responses.export_responses", "responses.view_results")
# Pages a half-logged-in user may still reach: the 2FA pages themselves, logging
# out, respondents' links (no staff login involved) and static files.
EXEMPT_PREFIXES = ("/beheer/2fa/", "/admin/logout/", "/b/", "/static/", "/healthz")


def needs_second_factor(user) -> bool:
    return (
        settings.OTP_REQUIRED
        and user.is_authenticated
        and user.is_active
        and any(user.has_perm(perm) for perm in GUARDED_PERMISSIONS)
    )


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (one per user, reused on reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    return device


def confirm_device(*, device: TOTPDevice, token: str) -> str:
    """Confirm an enrolment with the first code the app shows ("" = confirmed)."""
    if problem := check_code(device=device, token=token):
        return problem
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.confirmed = True
    return ""


def qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


class TwoFactorMiddleware:
    """Send a password-only session of a guarded user to the 2FA page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and not request.path.startswith(EXEMPT_PREFIXES)
            and needs_second_factor(user)
            and not user.is_verified()
        ):
            target = "twofactor-verify" if confirmed_device(user) else "twofactor-enrol"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


def check_code(*, device: TOTPDevice, token: str) -> str:
    """ "" when the code is right, else the Dutch reason it was refused."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        # django-otp doubles the wait after every wrong code.
        return "Te veel foute codes na elkaar. Wacht even en probeer opnieuw."
    if device.verify_token(token):
        return ""
    return "Deze code klopt niet of is verlopen."


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code uit uw authenticator-app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
        error_messages={"required": "Vul de code uit uw app in."},
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


@staff_member_required
def verify(request):
    device = confirmed_device(request.user)
    if device is None:
        return redirect("twofactor-enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = check_code(device=device, token=form.cleaned_data["code"])
        if not problem:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", problem)
    context = {"form": form, "next": _next_url(request)}
    return render(request, "twofactor/verify.html", context)


@staff_member_required
def enrol(request):
    if confirmed_device(request.user) and not request.user.is_verified():
        return redirect("twofactor-verify")
    device = pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = confirm_device(device=device, token=form.cleaned_data["code"])
        if not problem:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", problem)
    uri = device.config_url
    context = {
        "form": form,
        "next": _next_url(request),
        "qr": qr_data_uri(uri),
        "uri": uri,
        "secret": base64.b32encode(device.bin_key).decode(),
        "has_device": confirmed_device(request.user) is not None,
    }
    return render(request, "twofactor/enrol.html", context)


urlpatterns = [
    path("beheer/2fa/", verify, name="twofactor-verify"),
    path("beheer/2fa/instellen/", enrol, name="twofactor-enrol"),
]
