"""Serialise a composed mail to wire bytes without the `email` package's policy.

`EmailMessage.message().as_bytes()` (policy.default) parses and refolds every
header through email.headerregistry, which builds a new header class per header
set: about a third of a worker's CPU per mail in a chunk (docs/mailings.md,
"Chunks and commits"). Our mails have one shape (text plus one HTML alternative,
a fixed set of headers), so this module writes that shape directly: headers as
ASCII or RFC 2047 encoded words (email.header, compat32), bodies as 7bit or
quoted-printable. Anything else (attachments, non-ASCII addresses, headers it
does not know) falls back to Django's serialiser. tests/responses/mailing/
test_mime.py parses both outputs back for every kind and requires them equal.
"""

from __future__ import annotations

import binascii
import uuid
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import lru_cache

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME

# Headers this writer places itself or passes through verbatim (ASCII values).
_OWN = {"from", "to", "cc", "reply-to", "subject", "date", "bcc"}


def message_bytes(message: EmailMessage) -> bytes:
    """The message as it goes on the wire (before dot-stuffing), LF line ends."""
    fast = _fast_bytes(message)
    if fast is not None:
        return fast
    return message.message().as_bytes()


def _fast_bytes(message: EmailMessage) -> bytes | None:
    if (
        message.attachments
        or message.cc
        or message.bcc
        or any(name.lower() in _OWN for name in message.extra_headers)
        or message.content_subtype != "plain"
        or message.encoding not in (None, "utf-8")
    ):
        return None
    alternatives = getattr(message, "alternatives", [])
    if len(alternatives) > 1 or any(
        not isinstance(content, str) or mimetype != "text/html"
        for content, mimetype in alternatives
    ):
        return None
    try:
        addresses = {
            "From": _address(message.from_email),
            "To": ", ".join(_address(a) for a in message.to),
        }
        if message.reply_to:
            addresses["Reply-To"] = ", ".join(_address(a) for a in message.reply_to)
        subject = _unstructured("Subject", str(message.subject))
        extra = {
            name: _unstructured(name, str(value))
            for name, value in message.extra_headers.items()
        }
    except ValueError:
        return None
    lines = [f"Subject: {subject}", *(f"{k}: {v}" for k, v in addresses.items())]
    lines.append(f"Date: {format_datetime(datetime.now(UTC))}")
    if not any(name.lower() == "message-id" for name in extra):
        lines.append(f"Message-ID: {make_msgid(domain=DNS_NAME)}")
    lines.extend(f"{name}: {value}" for name, value in extra.items())
    lines.append("MIME-Version: 1.0")
    head = "\n".join(lines).encode("ascii")
    text = _part("plain", str(message.body))
    if not alternatives:
        return head + b"\n" + text
    boundary = f"=_{uuid.uuid4().hex}"
    html = _part("html", alternatives[0][0])
    return b"".join(
        [
            head,
            b"\nContent-Type: multipart/alternative; ",
            f'boundary="{boundary}"\n\n'.encode(),
            f"--{boundary}\n".encode(),
            text,
            f"\n--{boundary}\n".encode(),
            html,
            f"\n--{boundary}--\n".encode(),
        ]
    )


def _part(subtype: str, content: str) -> bytes:
    raw = content.encode("utf-8")
    header = f'Content-Type: text/{subtype}; charset="utf-8"\n'.encode()
    if raw.isascii() and all(len(line) <= 998 for line in raw.split(b"\n")):
        body = raw.replace(b"\r\n", b"\n")
        encoding = b"7bit"
    else:
        # b2a_qp keeps "\n" as line breaks (istext) and wraps at 76 characters.
        body = binascii.b2a_qp(raw.replace(b"\r\n", b"\n"), istext=True)
        encoding = b"quoted-printable"
    if not body.endswith(b"\n"):
        body += b"\n"
    return header + b"Content-Transfer-Encoding: " + encoding + b"\n\n" + body


@lru_cache(maxsize=256)
def _address(value: str) -> str:
    """One address for a header: display name RFC 2047 encoded when not ASCII.

    Cached: a chunk repeats the campaign's sender and reply-to on every mail.
    """
    if "\n" in value or "\r" in value:
        raise ValueError("header injection")
    name, addr = parseaddr(value)
    if not addr or not addr.isascii() or "@" not in addr:
        raise ValueError("address needs Django's serialiser")
    return formataddr((name, addr), charset="utf-8")


def _unstructured(name: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("header injection")
    if value.isascii() and len(name) + len(value) < 990:
        return value
    return Header(value, "utf-8", header_name=name).encode(linesep="\n")


def is_fast(message: EmailMultiAlternatives) -> bool:
    """Whether message_bytes() writes this message itself (for the tests)."""
    return _fast_bytes(message) is not None
