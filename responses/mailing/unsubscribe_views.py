"""The List-Unsubscribe endpoint: a Dutch page on GET, the unsubscribe on POST.

GET never unsubscribes (link scanners and previews fetch it); POST does, with or
without the page's button: RFC 8058 one-click POSTs come from the mail provider,
without a cookie or CSRF token, so this one view is CSRF-exempt. The signed token
is the only authority it accepts, and it can only stop reminders.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from responses.mailing.unsubscribe import (
    find_unsubscribe_invitation,
    unsubscribe_from_reminders,
)

TEMPLATE = "responses/mailing/unsubscribe.html"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    invitation = find_unsubscribe_invitation(token=token)
    if invitation is None:
        context = {"title": _("Ongeldige afmeldlink"), "invalid": True}
        return render(request, TEMPLATE, context, status=404)
    if request.method == "POST":
        unsubscribe_from_reminders(invitation=invitation)
        invitation.refresh_from_db(fields=["unsubscribed_at"])
    context = {
        "title": _("Afmelden voor herinneringen"),
        "invitation": invitation,
        "campaign_name": invitation.campaign.name,
        "done": invitation.unsubscribed_at is not None,
    }
    return render(request, TEMPLATE, context)


urlpatterns = [
    path("afmelden/<str:token>/", unsubscribe, name="unsubscribe"),
]
