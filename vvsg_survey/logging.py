"""Keep invitation tokens out of every log.

A respondent's link is `/b/<token>/...`; whoever reads a log line holding it can
answer on behalf of a municipality. Django writes request paths into warnings
("Forbidden (CSRF cookie not set.): /b/<token>/..."), gunicorn into its error log,
and an exception message may quote a link. One function, `redact`, removes both the
token part of `/b/...` paths and any bare token (43 url-safe base64 characters, the
shape of every token this platform issues).

The filter is applied at record creation (`install_record_factory`), so it holds for
every logger and every handler, including ones configured later by Celery or gunicorn
and pytest's capture. Nothing here imports Django: gunicorn.conf.py uses it too.
"""

from __future__ import annotations

import logging
import logging.config
import re
import traceback

PLACEHOLDER = "[token]"
_PATH = re.compile(r"(/b/)[^/\s\"'?#<>]+")
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


def redact(text: str) -> str:
    """The text without tokens: `/b/<token>/` becomes `/b/[token]/`."""
    return _TOKEN.sub(PLACEHOLDER, _PATH.sub(rf"\g<1>{PLACEHOLDER}", text))


def redact_record(record: logging.LogRecord) -> None:
    """Rewrite a record in place when its message or traceback holds a token."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string is logging's own problem
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        clean_tb = redact(text)
        if clean_tb != text:
            # Formatters print exc_text when set instead of re-formatting exc_info.
            record.exc_text = clean_tb
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactSecretsFilter(logging.Filter):
    """Logging filter form of `redact_record`, for handler configurations."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_installed = False


def install_record_factory() -> None:
    """Make every log record of this process redacted as it is created (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def configure(config: dict) -> None:
    """LOGGING_CONFIG: Django's dictConfig plus the record factory."""
    install_record_factory()
    logging.config.dictConfig(config)
