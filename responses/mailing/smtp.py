"""SMTP transport with a marker committed right before the end of DATA.

Django's MAILERS backends send a whole message in one call, so nothing could record
that the final "." is about to leave. This module therefore keeps a small hand-written
SMTP client for the configured SMTP mailer only (console and file mailers go through
`django.core.mail.mailers`) and calls `before_end_of_data()`, which commits that
marker, right before the ".". A worker killed before the marker provably left no mail
at the relay (the sweep resends), one killed after it leaves an "uncertain" row for
staff to check, and only a 250 reply, stored with its queue id, makes the row SENT.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from contextlib import suppress

from django.core.mail import EmailMessage, mailers

from responses.mailing.mime import message_bytes

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
    server may have the mail, so it must not be retried automatically.
    """

    uncertain = False
    # True when no connection to the relay could be made at all: the other mails of
    # a chunk would fail the same way, so the chunk stops trying (see chunks.py).
    unreachable = False


BeforeEndOfData = Callable[[], None]


def deliver(
    message: EmailMessage,
    *,
    before_end_of_data: BeforeEndOfData,
    before_data: BeforeEndOfData | None = None,
) -> str:
    """Send one message and return the server's reply text (its queue id).

    `before_end_of_data()` runs (and commits) right before the final "."; if it
    raises, the connection is dropped so the server discards the unfinished message.
    `before_data()`, if given, runs right before the DATA command (a chunk starts
    its marker there, so the database works while the server answers DATA).
    Raises SmtpPermanentError or SmtpTemporaryError.
    """
    config = mailers.settings.get("default", {})
    if config.get("BACKEND", SMTP_BACKEND) != SMTP_BACKEND:
        try:
            mailers.default.send_messages([message])
        except (smtplib.SMTPException, OSError) as exc:
            raise SmtpTemporaryError(str(exc)) from exc
        return ""
    try:
        return _deliver_smtp(
            message, before_end_of_data, before_data, config.get("OPTIONS", {})
        )
    except BaseException:
        _drop_connection()
        raise


def _deliver_smtp(
    message: EmailMessage,
    before_end_of_data: BeforeEndOfData,
    before_data: BeforeEndOfData | None,
    options: dict,
) -> str:
    recipients = message.recipients()
    data = _dot_stuff(message_bytes(message))
    conn = _mail_from(message.from_email, options)
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
    if before_data is not None:
        before_data()
    code, text = _guard(conn.docmd, "data")
    if code != 354:
        _reset(conn)
        _raise_for(code, text)
    _guard(conn.send, data)
    before_end_of_data()
    try:
        conn.send(b".\r\n")
        code, text = conn.getreply()
    except (smtplib.SMTPException, OSError) as exc:
        unsure = SmtpTemporaryError(f"geen antwoord op het einde van de data: {exc}")
        unsure.uncertain = True
        raise unsure from exc
    if code != 250:
        _raise_for(code, text)
    return _text(text)


def _mail_from(sender: str, options: dict) -> smtplib.SMTP:
    """MAIL FROM on the cached connection; one reconnect if the server dropped it."""
    for attempt in (1, 2):
        conn = _get_connection(options)
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


def _text(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _raise_for(code: int, text: bytes | str) -> None:
    message = f"{code} {_text(text)}"
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


def _get_connection(options: dict) -> smtplib.SMTP:
    """One connection per worker process, reused across messages (throughput)."""
    global _connection, _connection_key
    host, port = options.get("host") or "localhost", options.get("port") or 25
    username, use_tls = options.get("username") or "", options.get("use_tls", False)
    key = (host, port, username, use_tls)
    if _connection is not None and _connection_key == key:
        return _connection
    _drop_connection()
    try:
        conn = smtplib.SMTP(host, port, timeout=options.get("timeout") or 30)
        # Without TCP_NODELAY the 3-byte end of data waits for the server's delayed
        # ACK (up to 40 ms), which widens the uncertain window and slows sending.
        assert conn.sock is not None  # the constructor connected
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.ehlo_or_helo_if_needed()
        if use_tls:
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
        if username:
            conn.login(username, options.get("password") or "")
    except (smtplib.SMTPException, OSError) as exc:
        error = SmtpTemporaryError(f"cannot connect: {exc}")
        error.unreachable = True
        raise error from exc
    _connection, _connection_key = conn, key
    return conn


def _drop_connection() -> None:
    global _connection, _connection_key
    if _connection is not None:
        with suppress(OSError):
            _connection.close()
    _connection, _connection_key = None, None
