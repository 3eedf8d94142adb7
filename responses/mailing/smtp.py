"""SMTP transport whose commit point sits at the end of DATA.

A worker can die at any moment. The risky window is between "the server accepted the
mail" and "the row says SENT": a crash there turns a resend into a duplicate, and a
crash just before it turns "do not resend" into a skipped recipient. This transport
sends the message body, then, inside the caller's open transaction that already holds
the UPDATE to SENT, sends the final ".", and the caller commits right after. So:

- death before the "." left the socket: the transaction rolls back, the row stays
  SENDING, the server discarded the message -> the sweep resends it (correct);
- death after COMMIT reached PostgreSQL: row SENT, "." sent (correct);
- death in between (two back-to-back syscalls, microseconds): the row rolls back to
  SENDING although the server may have the mail -> one duplicate. That ambiguity
  cannot be removed without asking the server; erring towards a duplicate is the
  lesser harm for an invitation, since a skipped mayor never gets a link.

Committing before the "." would flip that last case into a silent loss instead, and
marking SENT after the server's reply widens the duplicate window to a full network
and database round trip. Other Django backends (console, locmem, file) send first and
then commit.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

_connection: smtplib.SMTP | None = None
_connection_key: tuple | None = None


class SmtpPermanentError(Exception):
    """The server refused for good (5xx): do not retry.

    `recipient_refused` is True only for a 5xx answer to RCPT TO, the one case that
    says the address itself is bad.
    """

    recipient_refused = False


class SmtpTemporaryError(Exception):
    """4xx, a dropped connection or a network error: retry later.

    `uncertain` is True when the end of data went out but no reply came back: the
    server may have the mail, so it must not be retried.
    """

    uncertain = False


CommitPoint = Callable[[], AbstractContextManager]


def deliver(message: EmailMessage, *, commit_point: CommitPoint) -> None:
    """Send one message; `commit_point()` wraps the end of DATA (module docstring).

    Raises SmtpPermanentError or SmtpTemporaryError; errors from the server's reply
    to the end of data come after the commit and must undo it.
    """
    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        try:
            get_connection(fail_silently=False).send_messages([message])
        except (smtplib.SMTPException, OSError) as exc:
            raise SmtpTemporaryError(str(exc)) from exc
        with commit_point():
            pass
        return
    try:
        _deliver_smtp(message, commit_point)
    except (SmtpPermanentError, SmtpTemporaryError):
        _drop_connection()
        raise


def _deliver_smtp(message: EmailMessage, commit_point: CommitPoint) -> None:
    recipients = message.recipients()
    data = _dot_stuff(message.message().as_bytes())
    conn = _mail_from(message.from_email)
    refused = {}
    for rcpt in recipients:
        code, text = _guard(conn.rcpt, rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, text)
    if len(refused) == len(recipients):
        code, text = next(iter(refused.values()))
        _reset(conn)
        try:
            _raise_for(code, text)
        except SmtpPermanentError as error:
            error.recipient_refused = True
            raise
    code, text = _guard(conn.docmd, "data")
    if code != 354:
        _reset(conn)
        _raise_for(code, text)
    _guard(conn.send, data)
    with commit_point():
        _guard(conn.send, b".\r\n")
    try:
        code, text = conn.getreply()
    except (smtplib.SMTPException, OSError) as exc:
        unsure = SmtpTemporaryError(f"no reply to end of data: {exc}")
        unsure.uncertain = True
        raise unsure from exc
    if code != 250:
        _raise_for(code, text)


def _mail_from(sender: str) -> smtplib.SMTP:
    """MAIL FROM on the cached connection; one reconnect if the server dropped it."""
    for attempt in (1, 2):
        conn = _get_connection()
        try:
            code, text = conn.mail(_envelope_address(sender))
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            _drop_connection()
            if attempt == 2:
                raise SmtpTemporaryError(str(exc)) from exc
            continue
        if code != 250:
            _reset(conn)
            _raise_for(code, text)
        return conn
    raise AssertionError("unreachable")


def _guard(func, *args):
    try:
        return func(*args)
    except (smtplib.SMTPException, OSError) as exc:
        raise SmtpTemporaryError(str(exc)) from exc


def _raise_for(code: int, text: bytes | str) -> None:
    reason = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    message = f"{code} {reason}"
    if 500 <= code < 600:
        raise SmtpPermanentError(message)
    raise SmtpTemporaryError(message)


def _reset(conn: smtplib.SMTP) -> None:
    try:
        conn.rset()
    except (smtplib.SMTPException, OSError):
        _drop_connection()


def _dot_stuff(data: bytes) -> bytes:
    data = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


def _envelope_address(sender: str) -> str:
    from email.utils import parseaddr

    return parseaddr(sender)[1] or sender


def _get_connection() -> smtplib.SMTP:
    """One connection per worker process, reused across messages (throughput)."""
    global _connection, _connection_key
    key = (
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS,
    )
    if _connection is not None and _connection_key == key:
        return _connection
    _drop_connection()
    try:
        conn = smtplib.SMTP(
            settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=settings.EMAIL_TIMEOUT
        )
        # Without TCP_NODELAY the 3-byte end of data waits for the server's delayed
        # ACK (up to 40 ms), which widens the commit-point window and slows sending.
        assert conn.sock is not None  # the constructor connected
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.ehlo_or_helo_if_needed()
        if settings.EMAIL_USE_TLS:
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
        if settings.EMAIL_HOST_USER:
            conn.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
    except (smtplib.SMTPException, OSError) as exc:
        raise SmtpTemporaryError(f"cannot connect: {exc}") from exc
    _connection, _connection_key = conn, key
    return conn


def _drop_connection() -> None:
    global _connection, _connection_key
    if _connection is not None:
        with suppress(OSError):
            _connection.close()
    _connection, _connection_key = None, None
