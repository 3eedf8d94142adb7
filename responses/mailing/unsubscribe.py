"""Unsubscribe from reminders (List-Unsubscribe, RFC 2369 and RFC 8058 one-click).

The link carries a signed invitation id, not the invitation token: a mail client
may fetch or POST it on the user's behalf, and it must never open the questionnaire.
An unsubscribe stops reminders to that address for that campaign only; the
invitation link, the confirmation and forwards keep working, because a mayor who
clicks "unsubscribe" in Outlook did not decline the survey itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from responses.keys import purpose_key
from responses.models import Invitation

URL_NAME = "responses:unsubscribe"


def _mac(pk: int) -> str:
    # 96 bits are plenty for a link that can only stop reminders, and keep the URL
    # short: a List-Unsubscribe URL longer than a header line would be RFC 2047
    # encoded by the mail library, and clients then cannot read it.
    key = purpose_key(setting="UNSUBSCRIBE_KEY", purpose=b"vvsg.unsubscribe-key")
    digest = hmac.new(key, f"unsubscribe:{pk}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).rstrip(b"=").decode("ascii")


def unsubscribe_token(invitation: Invitation) -> str:
    return f"{invitation.pk}-{_mac(invitation.pk)}"


def unsubscribe_url(invitation: Invitation) -> str:
    token = unsubscribe_token(invitation)
    try:
        path = reverse(URL_NAME, kwargs={"token": token})
    except NoReverseMatch:  # mailing used without the responses URLs
        path = f"/afmelden/{token}/"
    return f"{settings.SITE_URL}{path}"


def list_unsubscribe_headers(invitation: Invitation) -> dict[str, str]:
    """List-Unsubscribe (https first, then mailto) and the RFC 8058 one-click flag."""
    mailto = settings.MAIL_UNSUBSCRIBE_MAILTO or settings.MAIL_REPLY_TO
    links = [f"<{unsubscribe_url(invitation)}>"]
    if mailto:
        links.append(f"<mailto:{mailto}?subject=afmelden%20{invitation.pk}>")
    return {
        "List-Unsubscribe": ", ".join(links),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def find_unsubscribe_invitation(*, token: str) -> Invitation | None:
    pk_text, _, mac = (token or "").partition("-")
    if not pk_text.isdigit() or len(pk_text) > 12 or not mac:
        return None
    pk = int(pk_text)
    if not hmac.compare_digest(mac, _mac(pk)):
        return None
    return (
        Invitation.objects.select_related("campaign", "municipality")
        .filter(pk=pk)
        .first()
    )


def unsubscribe_from_reminders(
    *, invitation: Invitation, now: datetime | None = None
) -> int:
    """Record the unsubscribe on every invitation of this address in this campaign.

    A coordinator has one invitation per municipality; the mail client only knows
    the address, so all of them stop. Repeating it keeps the first moment.
    """
    return Invitation.objects.filter(
        campaign_id=invitation.campaign_id,
        email__iexact=invitation.email,
        unsubscribed_at__isnull=True,
    ).update(unsubscribed_at=now or timezone.now())
