"""Turn a rendered (subject, text, html) into the message mail clients expect.

Headers by kind: campaign mailings (invitation, reminder) carry List-Unsubscribe
and the RFC 8058 one-click flag; mails a program sends on its own (confirmation,
forward, test) carry Auto-Submitted: auto-generated (RFC 3834) so out-of-office
robots do not answer them. Every mail gets Reply-To (the team) and a Message-ID on
a real domain. The HTML part is always a full, style-inlined document.
"""

from __future__ import annotations

from email.utils import formataddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import NoReverseMatch, reverse

from responses.answering.pdf import copy_attachment
from responses.mailing.layout import html_document, text_as_html
from responses.mailing.tokens import raw_token_for
from responses.mailing.unsubscribe import list_unsubscribe_headers, unsubscribe_url
from responses.models import Delivery, DeliveryKind, Invitation

CAMPAIGN_MAILINGS = (DeliveryKind.INVITATION, DeliveryKind.REMINDER)
REVIEW_URL_NAME = "responses:review-response"  # owned by the respondent views


def message_id_domain() -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return settings.MAIL_MESSAGE_ID_DOMAIN or host


def review_link(invitation: Invitation) -> str:
    """Absolute link to the respondent's review page (the copy of the answers)."""
    raw = raw_token_for(invitation)
    try:
        path = reverse(REVIEW_URL_NAME, kwargs={"token": raw})
    except NoReverseMatch:  # respondent views not installed
        path = f"/b/{raw}/overzicht/"
    return f"{settings.SITE_URL}{path}"


def mail_headers(delivery: Delivery) -> dict[str, str]:
    campaign = delivery.campaign
    headers = {
        # Stable per row: a receiving MTA can drop an (unlikely) duplicate.
        "Message-ID": (
            f"<delivery-{delivery.pk}.{campaign.slug}@{message_id_domain()}>"
        ),
        "X-VVSG-Delivery": str(delivery.pk),
    }
    if delivery.kind in CAMPAIGN_MAILINGS and delivery.invitation is not None:
        headers.update(list_unsubscribe_headers(delivery.invitation))
    elif delivery.kind not in CAMPAIGN_MAILINGS:
        headers["Auto-Submitted"] = "auto-generated"
    return headers


def attachments(delivery: Delivery) -> list[tuple[str, bytes, str]]:
    """(filename, content, mimetype) to attach: the confirmation carries the PDF copy
    of the answers (rendered by the worker that sends it, never a web request)."""
    invitation = delivery.invitation
    if (
        delivery.kind == DeliveryKind.CONFIRMATION
        and invitation is not None
        and invitation.response is not None
    ):
        return [copy_attachment(response=invitation.response)]
    return []


def compose_message(
    delivery: Delivery, *, subject: str, text: str, html: str
) -> EmailMultiAlternatives:
    campaign = delivery.campaign
    invitation = delivery.invitation
    leave_url = ""
    if delivery.kind in CAMPAIGN_MAILINGS and invitation is not None:
        leave_url = unsubscribe_url(invitation)
        text = f"{text.rstrip()}\n\n-- \nGeen herinneringen meer? {leave_url}\n"
    document = html_document(
        body_html=html or text_as_html(text),
        subject=subject,
        unsubscribe_url=leave_url,
    )
    reply_to = campaign.reply_to or settings.MAIL_REPLY_TO
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((campaign.sender_name, campaign.sender_email)),
        to=[delivery.email],
        reply_to=[reply_to] if reply_to else None,
        headers=mail_headers(delivery),
    )
    message.attach_alternative(document, "text/html")
    for filename, content, mimetype in attachments(delivery):
        message.attach(filename, content, mimetype)
    return message
